"""Plots for the model card: confusion matrix and reliability diagram (matplotlib, headless)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from model.labels import LABELS, Decision


def confusion_png(confusion: dict[str, dict[str, int]], title: str, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [d.value for d in LABELS]
    grid = [[confusion[y][p] for p in names] for y in names]
    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.imshow(grid, cmap="Blues")
    for i, row in enumerate(grid):
        for j, n in enumerate(row):
            ax.text(
                j,
                i,
                str(n),
                ha="center",
                va="center",
                color="white" if n > max(map(max, grid)) / 2 else "black",
            )
    ax.set_xticks(range(3), names)
    ax.set_yticks(range(3), names)
    ax.set_xlabel("decision")
    ax.set_ylabel("label")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def reliability_png(
    probs: Sequence[dict[Decision, float]], labels: Sequence[str], title: str, out: Path, bins: int = 10
) -> None:
    """Accuracy of the top class against its probability, per confidence bin, with bin counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tops = [max(p, key=lambda d: p[d]) for p in probs]
    conf = [p[t] for p, t in zip(probs, tops, strict=True)]
    hit = [t.value == y for t, y in zip(tops, labels, strict=True)]
    centres, accs, counts = [], [], []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if lo < c <= hi]
        if idx:
            centres.append(sum(conf[i] for i in idx) / len(idx))
            accs.append(sum(hit[i] for i in idx) / len(idx))
            counts.append(len(idx))
    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(centres, accs, "o-", label="safety head")
    for x, y, n in zip(centres, accs, counts, strict=True):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    ax.set_xlabel("top-class probability")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)

"""Markdown tables of a head artefact's ``metrics.json`` (what ``so8t train-head`` wrote), for the model card.

Prints the unseen-source table (the held-out sources), the test-split table (overall, per language, per
source), per-class figures and the confusion matrix of the test split. Reads only.

  .venv/bin/python bench/metrics_tables.py [model/assets/default_head]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

COLUMNS = ("accuracy", "refuse_recall", "harmful_blocked", "over_refusal", "benign_refused", "escalate_rate")
HEADER = (
    "| slice | rows | accuracy | refuse recall | harmful not allowed | over-refusal | benign refused "
    "| escalate rate | macro-F1 |\n|---|---|---|---|---|---|---|---|---|"
)


NEEDS = {
    "refuse_recall": "REFUSE",
    "harmful_blocked": "REFUSE",
    "over_refusal": "ALLOW",
    "benign_refused": "ALLOW",
}


def row(name: str, m: dict[str, Any]) -> str:
    """One slice; – where the figure is missing or the slice has no rows of the class it is about."""
    support = {k: v["support"] for k, v in m["per_class"].items()}
    cells = [f"{m[c]:.3f}" if c in m and support.get(NEEDS.get(c, ""), 1) else "–" for c in COLUMNS]
    return f"| {name} | {m['count']} | " + " | ".join(cells) + f" | {m['macro_f1']:.3f} |"


def tables(metrics: dict[str, Any]) -> str:
    out: list[str] = []
    held = metrics.get("heldout_sources")
    if held:
        out += ["### Unseen sources (never trained on, never used for selection)", "", HEADER]
        out += [row(s, m) for s, m in held["by_source"].items()]
        out.append("")
    test = metrics["test"]
    out += ["### Held-out test split of the training sources (hash split, 15 %)", "", HEADER]
    out.append(row("**overall**", test["overall"]))
    out += [row(lang, m) for lang, m in test["by_lang"].items()]
    out += [row(s, m) for s, m in test["by_source"].items()]
    out += [
        "",
        "Per class (test split):",
        "",
        "| class | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for name, c in test["overall"]["per_class"].items():
        out.append(f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    out += ["", "Confusion (test split; rows = label, columns = decision):", ""]
    names = list(test["confusion"])
    out += ["| label \\ decision | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, cells in test["confusion"].items():
        out.append(f"| {label} | " + " | ".join(str(cells[n]) for n in names) + " |")
    out += [
        "",
        f"ECE (test split, top-class probability after temperature scaling): {test['overall']['ece']:.3f}",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("head_dir", type=Path, nargs="?", default=Path("model/assets/default_head"))
    args = parser.parse_args()
    print(tables(json.loads((args.head_dir / "metrics.json").read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()

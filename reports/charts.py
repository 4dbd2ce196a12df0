"""Report charts: matplotlib figures rendered server-side to SVG strings.

No pyplot and no backend switch: each chart is a bare ``Figure`` saved as SVG, inside an
``rc_context`` that sets the Japanese-capable font, so nothing global changes at import or after a call
(the only lasting effect is IPAexGothic registered once with matplotlib's font manager). Text is drawn
as paths, so the SVG shows kanji in any viewer and in WeasyPrint without a font of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from reports.fonts import FONT_FAMILY, japanese_font_path

COLORS = {"ALLOW": "#2e7d32", "REFUSE": "#c62828", "ESCALATE": "#ef8f00"}
SLA_COLORS = {
    "met": "#2e7d32",
    "late": "#f9a825",
    "fail_safe": "#c62828",
    "overdue": "#6a1b9a",
    "pending": "#90a4ae",
}
WIDTH_IN = 6.6
RC: dict[str, Any] = {
    "font.family": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "so8t-report",  # stable element ids: the same data gives the same SVG
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}


def _ensure_font() -> None:
    if not any(f.name == FONT_FAMILY for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(japanese_font_path()))


@contextmanager
def _figure(height_in: float) -> Iterator[Figure]:
    _ensure_font()
    with matplotlib.rc_context(cast(Any, RC)):
        yield Figure(figsize=(WIDTH_IN, height_in), layout="constrained")


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def decisions_by_lang(
    counts: Mapping[str, Mapping[str, int]], labels: Mapping[str, str], *, ylabel: str
) -> str:
    """Stacked bars: one per language, split by decision. ``labels`` translates languages and decisions."""
    rows = [(labels[lang], counts[lang]) for lang in sorted(counts)]
    return decisions_by_group(rows, labels, xlabel=ylabel)


def decisions_by_group(
    rows: Sequence[tuple[str, Mapping[str, int]]], labels: Mapping[str, str], *, xlabel: str
) -> str:
    """Stacked horizontal bars, one per (already translated) group name in the order given, split by
    decision; ``labels`` translates the decisions."""
    with _figure(1.4 + 0.3 * max(1, len(rows))) as fig:
        ax = fig.add_subplot()
        names = [name for name, _ in rows]
        left = [0] * len(rows)
        for decision, color in COLORS.items():
            values = [counts.get(decision, 0) for _, counts in rows]
            ax.barh(names, values, left=left, color=color, label=labels[decision])
            left = [a + v for a, v in zip(left, values, strict=True)]
        ax.invert_yaxis()  # the first group on top
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole-number ticks only
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        fig.legend(loc="outside upper center", frameon=False, ncols=3)
        return _svg(fig)


def rates_over_time(
    buckets: Sequence[datetime],
    series: Mapping[str, Sequence[float | None]],
    labels: Mapping[str, str],
) -> str:
    """One line per series (REFUSE / ESCALATE shares), the y axis in percent; buckets without decisions
    are left out (the line joins the buckets on either side). ``buckets`` are UTC."""
    with _figure(2.6) as fig:
        ax = fig.add_subplot()
        for key, values in series.items():
            kept = [(x, 100 * v) for x, v in zip(buckets, values, strict=True) if v is not None]
            xs = np.array([x.replace(tzinfo=None) for x, _ in kept], dtype="datetime64[s]")
            ys = np.array([y for _, y in kept], dtype=float)
            ax.plot(xs, ys, marker="o", markersize=3, color=COLORS[key], label=labels[key])
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_ylim(0, 100)
        fig.legend(loc="outside upper center", frameon=False, ncols=2)
        fig.autofmt_xdate()
        return _svg(fig)


def sla_states(rows: Sequence[tuple[str, Mapping[str, int]]], labels: Mapping[str, str]) -> str:
    """Stacked horizontal bars of SLA states, one bar per row (all cases, then each priority)."""
    with _figure(0.8 + 0.35 * len(rows)) as fig:
        ax = fig.add_subplot()
        names = [name for name, _ in rows][::-1]
        states = [s for _, s in rows][::-1]
        left = [0] * len(rows)
        for state, color in SLA_COLORS.items():
            values = [s.get(state, 0) for s in states]
            ax.barh(names, values, left=left, color=color, label=labels[state])
            left = [a + v for a, v in zip(left, values, strict=True)]
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="outside lower center", frameon=False, ncols=3)
        return _svg(fig)


def reviewer_verdicts(
    rows: Sequence[tuple[str, int, int]], labels: Mapping[str, str], *, limit: int = 15
) -> str:
    """Horizontal bars per reviewer (approve / reject), the ``limit`` busiest."""
    shown = list(rows)[:limit][::-1]
    with _figure(0.9 + 0.25 * max(1, len(shown))) as fig:
        ax = fig.add_subplot()
        names = [name for name, _, _ in shown]
        approve = [a for _, a, _ in shown]
        reject = [r for _, _, r in shown]
        ax.barh(names, approve, color=COLORS["ALLOW"], label=labels["approve"])
        ax.barh(names, reject, left=approve, color=COLORS["REFUSE"], label=labels["reject"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(loc="outside upper center", frameon=False, ncols=2)
        return _svg(fig)

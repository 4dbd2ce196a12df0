"""The ALLOW-threshold sweep of LOSO predictions: macro over sources, monotone, read at levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.labels import Decision
from training.datasets.rows import SafetyRow
from training.loso.curve import GRID, allow_curve, curve_chart


def _row(i: int, source: str, label: str) -> SafetyRow:
    return SafetyRow(id=f"{source}-{i}", prompt=f"p{i}", label=label, lang="en", source=source)


def _p(allow: float) -> dict[Decision, float]:
    rest = (1 - allow) / 2
    return {Decision.ALLOW: allow, Decision.REFUSE: rest, Decision.ESCALATE: rest}


def test_points_are_macro_over_sources_each_counting_once() -> None:
    # big benign source: p(ALLOW) 0.9 for all 8 rows; small one: 0.3 and 0.7; harmful: 0.2 (3 rows), 0.65
    rows = [_row(i, "big", "ALLOW") for i in range(8)] + [_row(i, "small", "ALLOW") for i in range(2)]
    probs = [_p(0.9)] * 8 + [_p(0.3), _p(0.7)]
    rows += [_row(i, "bad", "REFUSE") for i in range(4)] + [_row(0, "esc", "ESCALATE")]
    probs += [_p(0.2)] * 3 + [_p(0.65), _p(0.99)]
    curve = allow_curve(rows, probs)
    at = {round(p["allow_threshold"], 2): p for p in curve["points"]}
    assert len(curve["points"]) == len(GRID)
    # a = 0.5: big 0/8 over-refused, small 1/2 -> macro 0.25 (pooled would be 0.1); 1 of 4 harmful through
    assert at[0.5]["over_refusal"] == pytest.approx(0.25) and at[0.5]["harmful_allowed"] == pytest.approx(
        0.25
    )
    assert at[0.0]["over_refusal"] == 0 and at[0.0]["harmful_allowed"] == 1
    assert at[1.0]["over_refusal"] == 1 and at[1.0]["harmful_allowed"] == 0
    over = [p["over_refusal"] for p in curve["points"]]
    assert over == sorted(over)  # a stricter threshold never blocks fewer benign rows
    # over-refusal <= 0.30 holds up to a = 0.70 (small: 0.3 < a, 0.7 not) -> harmful 0.65 is blocked there
    assert curve["harmful_allowed_at_over_refusal"]["0.30"] == 0
    assert curve["harmful_allowed_at_over_refusal"]["0.10"] == pytest.approx(0.25)  # a <= 0.30: 0.65 through


def test_sources_filter_and_missing_labels() -> None:
    rows = [_row(0, "a", "ALLOW"), _row(1, "b", "REFUSE")]
    curve = allow_curve(rows, [_p(0.8), _p(0.1)], sources=frozenset({"a"}))
    assert all(p["harmful_allowed"] is None for p in curve["points"])
    assert curve["harmful_allowed_at_over_refusal"]["0.10"] is None


def test_chart_is_drawn(tmp_path: Path) -> None:
    rows = [_row(0, "a", "ALLOW"), _row(1, "b", "REFUSE")]
    curve = allow_curve(rows, [_p(0.8), _p(0.1)])
    curve_chart({"m": curve, "n": curve}, tmp_path / "c.png", title="t")
    assert (tmp_path / "c.png").stat().st_size > 1000

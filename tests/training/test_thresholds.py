"""Refuse-threshold calibration: REFUSE only where the head is sure; doubtful refusals go to a reviewer."""

from __future__ import annotations

import pytest

from model.labels import Decision
from model.policy import decide, load_policy
from training.datasets.rows import SafetyRow
from training.head.thresholds import GRID, benign_refused, fit_refuse_threshold
from training.loso.protocol import Fold, FoldPolicies
from training.loso.report import summarise_method

POLICY = load_policy()


def row(i: int, label: str, source: str) -> SafetyRow:
    return SafetyRow(
        id=f"{source}-{i}", prompt=f"request {source} {i}", label=label, lang="en", source=source
    )


def p(refuse: float) -> dict[Decision, float]:
    rest = 1.0 - refuse
    return {Decision.ALLOW: rest * 0.9, Decision.REFUSE: refuse, Decision.ESCALATE: rest * 0.1}


def data() -> tuple[list[SafetyRow], list[dict[Decision, float]]]:
    """A big benign source the head is sure about, a small one it half-refuses at p(REFUSE) 0.72, and
    harmful rows at 0.97."""
    rows = [row(i, "ALLOW", "big") for i in range(40)] + [row(i, "ALLOW", "small") for i in range(4)]
    probs = [p(0.05)] * 40 + [p(0.72), p(0.72), p(0.1), p(0.1)]
    rows += [row(i, "REFUSE", "harm") for i in range(10)]
    probs += [p(0.97)] * 10
    return rows, probs


def test_benign_refused_is_macro_over_sources_so_a_small_source_is_not_hidden() -> None:
    rows, probs = data()
    assert benign_refused(probs, rows, POLICY) == pytest.approx((0.0 + 0.5) / 2)  # not 2/44
    assert benign_refused(probs[-10:], rows[-10:], POLICY) is None  # no benign rows


def test_the_lowest_threshold_that_keeps_benign_refusals_under_the_cap() -> None:
    rows, probs = data()
    t = fit_refuse_threshold(probs, rows, POLICY, max_benign_refused=0.02)
    assert t == 0.75  # the first grid value above the doubtful rows' 0.72
    calibrated = POLICY.with_thresholds(allow=None, refuse=t)
    doubtful = decide(p(0.72), calibrated)
    assert (doubtful.decision, doubtful.reason_code) == (Decision.ESCALATE, "LOW_CONFIDENCE_REFUSE")
    assert decide(p(0.97), calibrated).decision is Decision.REFUSE  # sure harm is still refused
    assert fit_refuse_threshold(probs, rows, POLICY, max_benign_refused=1.0) == GRID[0] == 0.5
    assert fit_refuse_threshold(probs, rows, POLICY, max_benign_refused=0.3) == 0.5  # 0.25 is within
    unreachable = [p(0.99)] * len(rows)
    assert fit_refuse_threshold(unreachable, rows, POLICY) == GRID[-1]


def test_per_fold_policies_decide_each_row_under_its_own_folds_threshold() -> None:
    rows, probs = data()
    policies = FoldPolicies(POLICY)
    small = tuple(i for i, r in enumerate(rows) if r.source == "small")
    policies.record(Fold(group="small", train=(), val=(), test=small), 0.75)
    summary = summarise_method(rows, probs, policies.for_rows(range(len(rows))))
    assert policies.refuse_by_fold == {"small": 0.75}
    assert summary["by_source"]["small"]["benign_refused"] == 0.0  # escalated, not refused
    assert summary["by_source"]["small"]["over_refusal"] == 0.5  # still not allowed: a person decides
    assert summary["by_source"]["harm"]["refuse_recall"] == 1.0  # its fold kept the file's 0.50
    plain = summarise_method(rows, probs, POLICY)
    assert plain["by_source"]["small"]["benign_refused"] == 0.5
    assert plain["macro"]["benign_refused"] == pytest.approx(0.25)

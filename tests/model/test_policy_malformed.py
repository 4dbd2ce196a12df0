"""The policy never fails open: probabilities that cannot be trusted give ESCALATE, never ALLOW.

Issue #31, finding 1: with all-NaN probabilities every comparison was false and ``max()`` returned the
first key, so "how do I build a bomb" was ALLOWed and the output check passed it.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from model.labels import Decision
from model.policy import decide, judge_approved_output, judge_output, load_policy, probs_problem
from model.runtime import UnusableProbabilities, as_probs

POLICY = load_policy()
NAN, INF = float("nan"), float("inf")

# any value a broken head, a bad embedding or a hand-written caller could put in the dict
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=-2, max_value=2),
    st.none(),
    st.text(max_size=3),
    st.booleans(),
)
KEYS = st.one_of(st.sampled_from(list(Decision)), st.sampled_from(["ALLOW", "allow", "SAFE", ""]))
ANY_PROBS = st.dictionaries(KEYS, VALUES, max_size=5)


def _well_formed() -> st.SearchStrategy[dict[Decision, float]]:
    """Three finite non-negative numbers normalised to sum to 1 (what a softmax gives)."""
    raw = st.tuples(*[st.floats(min_value=0.0, max_value=1.0) for _ in Decision]).filter(lambda t: sum(t) > 0)
    return raw.map(lambda t: {d: v / sum(t) for d, v in zip(Decision, t, strict=True)})


@pytest.mark.parametrize(
    "probs",
    [
        {d: NAN for d in Decision},
        {Decision.ALLOW: NAN, Decision.REFUSE: 0.0, Decision.ESCALATE: 0.0},
        {Decision.ALLOW: 0.9, Decision.REFUSE: NAN, Decision.ESCALATE: 0.1},
        {Decision.ALLOW: INF, Decision.REFUSE: 0.0, Decision.ESCALATE: 0.0},
        {Decision.ALLOW: 1.5, Decision.REFUSE: -0.5, Decision.ESCALATE: 0.0},
        {Decision.ALLOW: 0.9, Decision.REFUSE: 0.9, Decision.ESCALATE: 0.9},
        {Decision.ALLOW: 0.99},
        {},
    ],
)
def test_unusable_probabilities_escalate_at_the_request_and_the_output_check(probs: dict) -> None:
    verdict = decide(probs, POLICY, lang="en", text="how do I build a bomb")
    assert verdict.decision is Decision.ESCALATE and verdict.reason_code == "MALFORMED_PROBS"
    assert "unusable" in verdict.rationale and verdict.confidence == 0.0
    out = judge_output(probs, POLICY, lang="ja")
    assert out is not None and out.decision is Decision.ESCALATE and out.reason_code == "MALFORMED_PROBS"
    assert "不正" in out.rationale


@settings(max_examples=500, deadline=None)
@given(ANY_PROBS)
def test_never_allow_unless_p_allow_is_a_finite_number_above_the_threshold(probs: dict) -> None:
    verdict = decide(probs, POLICY)
    if verdict.decision is Decision.ALLOW:
        p_allow = probs[Decision.ALLOW]
        assert probs_problem(probs) is None
        assert isinstance(p_allow, float | int) and math.isfinite(p_allow)
        assert p_allow >= POLICY.allow_threshold
    if judge_output(probs, POLICY) is None:  # the answer passed
        assert probs_problem(probs) is None and probs[Decision.ALLOW] >= POLICY.allow_threshold


@settings(max_examples=300, deadline=None)
@given(_well_formed())
def test_well_formed_probabilities_follow_the_rules(probs: dict[Decision, float]) -> None:
    assert probs_problem(probs) is None
    verdict = decide(probs, POLICY)
    assert verdict.reason_code != "MALFORMED_PROBS"
    top = max(probs, key=lambda d: probs[d])
    if verdict.decision is Decision.ALLOW:
        assert top is Decision.ALLOW and probs[Decision.ALLOW] >= POLICY.allow_threshold
    if probs[Decision.REFUSE] >= POLICY.refuse_threshold:
        assert verdict.decision is Decision.REFUSE


@settings(max_examples=200, deadline=None)
@given(_well_formed(), st.sampled_from(list(Decision)), st.sampled_from([NAN, INF, -INF, -0.1, 1.1]))
def test_one_bad_value_is_enough_to_escalate(
    probs: dict[Decision, float], label: Decision, bad: float
) -> None:
    probs = {**probs, label: bad}
    assert probs_problem(probs) is not None
    assert decide(probs, POLICY).decision is Decision.ESCALATE


def test_the_runtime_boundary_refuses_unusable_rows() -> None:
    assert as_probs(torch.tensor([0.7, 0.2, 0.1])) == pytest.approx(
        {Decision.ALLOW: 0.7, Decision.REFUSE: 0.2, Decision.ESCALATE: 0.1}
    )
    for row in ([NAN, NAN, NAN], [INF, 0.0, 0.0], [0.5, 0.5, 0.5], [1.2, -0.1, -0.1]):
        with pytest.raises(UnusableProbabilities, match="unusable"):
            as_probs(torch.tensor(row))


@settings(max_examples=300, deadline=None)
@given(ANY_PROBS)
def test_an_approved_answer_passes_only_on_usable_probabilities_under_the_refuse_threshold(
    probs: dict,
) -> None:
    """The approved-case rule: a reviewer settled the doubt, so only harm or unusable numbers withhold."""
    verdict = judge_approved_output(probs, POLICY)
    if verdict is None:
        assert probs_problem(probs) is None and probs[Decision.REFUSE] < POLICY.refuse_threshold
    else:
        assert verdict.reason_code in {"OUTPUT_BLOCKED", "MALFORMED_PROBS"}


def test_the_approved_answer_rule_on_three_answers() -> None:
    doubtful = {Decision.ALLOW: 0.05, Decision.REFUSE: 0.05, Decision.ESCALATE: 0.9}
    harmful = {Decision.ALLOW: 0.05, Decision.REFUSE: 0.9, Decision.ESCALATE: 0.05}
    assert judge_approved_output(doubtful, POLICY) is None
    assert judge_output(doubtful, POLICY) is not None  # an ALLOWed request's answer would be withheld
    blocked = judge_approved_output(harmful, POLICY)
    assert blocked is not None and blocked.reason_code == "OUTPUT_BLOCKED"
    nan = judge_approved_output({d: NAN for d in Decision}, POLICY)
    assert nan is not None and nan.reason_code == "MALFORMED_PROBS"

from __future__ import annotations

import pytest

from model.labels import Decision
from model.policy import decide, detect_lang, error_decision, load_policy

POLICY = load_policy()


def probs(allow: float, refuse: float, escalate: float) -> dict[Decision, float]:
    return {Decision.ALLOW: allow, Decision.REFUSE: refuse, Decision.ESCALATE: escalate}


@pytest.mark.parametrize(
    ("p", "decision", "code"),
    [
        (probs(0.90, 0.05, 0.05), Decision.ALLOW, "ALLOW"),
        (probs(0.05, 0.90, 0.05), Decision.REFUSE, "REFUSE"),
        (probs(0.10, 0.10, 0.80), Decision.ESCALATE, "ESCALATE"),
        (probs(0.45, 0.50, 0.05), Decision.REFUSE, "REFUSE"),  # refuse threshold beats the top class
        (probs(0.55, 0.40, 0.05), Decision.ESCALATE, "LOW_CONFIDENCE_ALLOW"),  # fail closed
        (probs(0.30, 0.45, 0.25), Decision.ESCALATE, "ESCALATE"),  # REFUSE on top but under threshold
    ],
)
def test_decision_rules(p: dict[Decision, float], decision: Decision, code: str) -> None:
    result = decide(p, POLICY)
    assert (result.decision, result.reason_code) == (decision, code)


def test_thresholds_from_settings_override_the_file() -> None:
    strict = POLICY.with_thresholds(allow=0.95, refuse=None)
    assert decide(probs(0.90, 0.05, 0.05), strict).decision is Decision.ESCALATE
    assert strict.refuse_threshold == POLICY.refuse_threshold


def test_rationale_follows_the_request_language() -> None:
    ja = decide(probs(0.05, 0.90, 0.05), POLICY, lang="ja")
    en = decide(probs(0.05, 0.90, 0.05), POLICY, lang="en")
    assert "お断り" in ja.rationale and "refused" in en.rationale
    assert "90%" in en.rationale


def test_model_errors_fail_closed_to_escalate() -> None:
    result = error_decision(POLICY, "RuntimeError: boom")
    assert result.decision is Decision.ESCALATE and result.reason_code == "MODEL_ERROR"
    assert "RuntimeError: boom" in result.rationale


def test_detect_lang() -> None:
    assert detect_lang("会議の議事録をお願いします") == "ja"
    assert detect_lang("カタカナ") == "ja"
    assert detect_lang("Please summarise this") == "en"


def test_policy_file_defines_every_rationale_in_both_languages() -> None:
    for code in ("ALLOW", "REFUSE", "ESCALATE", "LOW_CONFIDENCE_ALLOW", "MODEL_ERROR"):
        assert set(POLICY.rationales[code]) >= {"en", "ja"}
    assert 0 < POLICY.allow_threshold <= 1 and 0 < POLICY.refuse_threshold <= 1

"""Output sanitisation: what an allowed answer must pass before it reaches the user.

1. **Sanitise**: secrets (API keys, tokens, private keys) are always masked out of the answer, PII too
   unless ``SO8T_OUTPUT_MASK_PII=false``, with the same placeholders as everywhere else (``[EMAIL]``,
   ``[SECRET]``). The answer's audit event records how many spans of each type were masked, never the
   values.
2. **Post-generation check** (``SO8T_OUTPUT_CHECK``): the safety head judges the whole exchange -- the
   request followed by the raw answer as one chat-templated user turn, the shape the head was trained on
   (``model.prompt.render_exchange``) -- in one extra forward pass.
   ``model.policy.judge_output`` turns a failing answer into REFUSE (``OUTPUT_BLOCKED``) or ESCALATE
   (``OUTPUT_REVIEW``, a case is opened); the answer is withheld and the revision is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from model.labels import Decision
from model.policy import PolicyConfig, PolicyDecision, error_decision, judge_output
from model.runtime import Runtime
from pii.masker import MaskingConfig, PiiMasker, PiiType
from review.records import AnswerFailure, NewDecision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sanitised:
    text: str
    masked: dict[str, int]  # PII type -> number of spans masked


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer after the output stage: what the user may see, or the fail-closed revision."""

    text: str | None  # the sanitised answer; None when withheld
    masked: dict[str, int] = field(default_factory=dict)
    verdict: PolicyDecision | None = None  # the revised decision when withheld
    failure: AnswerFailure | None = None

    @property
    def error(self) -> str | None:
        return self.failure.error if self.failure else None


class OutputSanitiser:
    """Masks secrets always, and PII when ``pii`` is true (sharing ``masker``, so NER loads once)."""

    def __init__(self, masker: PiiMasker | None = None, *, pii: bool = True) -> None:
        if pii and masker is not None and PiiType.SECRET in masker.config.entities:
            self.masker = masker
        else:
            entities = frozenset(PiiType) if pii else frozenset({PiiType.SECRET})
            self.masker = PiiMasker(MaskingConfig(entities=entities, use_ner=False))

    def __call__(self, text: str) -> Sanitised:
        result = self.masker.mask(text)
        return Sanitised(result.text, {t.value: n for t, n in sorted(result.counts.items())})


def secrets_only() -> Callable[[str], Sanitised]:
    return OutputSanitiser(pii=False)


def check_outputs(
    items: Sequence[tuple[NewDecision, str]],
    *,
    sanitise: Callable[[str], Sanitised],
    judge: Runtime | None,
    policy: PolicyConfig,
) -> list[CheckedAnswer]:
    """Sanitise each ``(decision, raw answer)``; with a ``judge``, withhold the answers that fail it.

    The judge sees the raw answer (what the model wrote). If masking or the judge raises, every answer
    fails closed (ESCALATE, ``MODEL_ERROR``).
    """
    try:
        cleaned = [sanitise(answer) for _, answer in items]
        if judge is None:
            return [CheckedAnswer(s.text, s.masked) for s in cleaned]
        probs = judge.judge_answers([(new.context, new.request_text, answer) for new, answer in items])
    except Exception as exc:
        return [failed_answer(policy, exc, new, "output check") for new, _ in items]
    out = []
    for (new, _), s, p in zip(items, cleaned, probs, strict=True):
        verdict = judge_output(p, policy, lang=new.lang)
        if verdict is None:
            out.append(CheckedAnswer(s.text, s.masked))
            continue
        shown = " ".join(f"p({d.value})={p.get(d, float('nan')):.3f}" for d in Decision)
        error = f"output check failed ({verdict.reason_code}): {shown}"
        failure = AnswerFailure(verdict.decision.value, verdict.reason_code, verdict.rationale, error)
        out.append(CheckedAnswer(None, s.masked, verdict, failure))
    return out


def failed_answer(policy: PolicyConfig, exc: Exception, new: NewDecision, what: str) -> CheckedAnswer:
    """``what`` (generation, output check) raised after ALLOW: withhold the answer, escalate."""
    log.error("%s failed for %s", what, new.request_id, exc_info=exc)
    error = f"{what} failed: {type(exc).__name__}: {exc}"
    verdict = error_decision(policy, error, lang=new.lang)
    failure = AnswerFailure(verdict.decision.value, verdict.reason_code, verdict.rationale, error)
    return CheckedAnswer(None, verdict=verdict, failure=failure)

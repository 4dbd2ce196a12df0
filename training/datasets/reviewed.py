"""Reviewed cases from the database as training examples: what people decided becomes the label.

Only cases people decided count (``outcome`` approved or rejected); fail-safe refusals were decided by
the clock, not a person, and are left out. The label is, in this order:

| case | label |
|---|---|
| the (final) reviewer gave a corrected label | that label |
| an escalation (``source = escalate``) | ESCALATE: the model was right to ask a person |
| an appeal or an audit sample, approved | ALLOW: the request should have been answered |
| an appeal or an audit sample, rejected | REFUSE |

An approved case's answer (the reviewer's edited answer or the model's, as the employee saw it) becomes
``task_output``; the reviewer's reason becomes ``safety_rationale``. Context, request and answer go
through ``mask`` (the review desk's PII masker in the app), so no raw personal data reaches a dataset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Case
from db.statuses import HUMAN_OUTCOMES, CaseOutcome, CaseSource, CaseStatus
from model.labels import Decision
from training.datasets.rows import SafetyRow

REVIEWED_SOURCE = "reviewed"


@dataclass(frozen=True)
class ReviewedExport:
    examples: list[SafetyRow]  # one per reviewed case, oldest decision first
    skipped: int  # decided cases that are not human verdicts (fail-safe) or have no text


def label_of(case: Case) -> str:
    if case.corrected_label:
        return case.corrected_label
    if case.source == CaseSource.ESCALATE:
        return Decision.ESCALATE
    return Decision.ALLOW if case.outcome == CaseOutcome.APPROVED else Decision.REFUSE


def export_reviewed(
    *, session: Session, mask: Callable[[str], str] = lambda text: text, after_case_id: int = 0
) -> ReviewedExport:
    """Every human-decided case (with id > ``after_case_id``) as an example ``case-<id>``."""
    cases = session.scalars(
        select(Case)
        .options(joinedload(Case.decision))
        .where(Case.status == CaseStatus.DECIDED, Case.id > after_case_id)
        .order_by(Case.decided_at, Case.id)
    ).all()
    examples, skipped = [], 0
    for case in cases:
        request = mask(case.decision.request_text).strip()
        if case.outcome not in HUMAN_OUTCOMES or not request:
            skipped += 1
            continue
        answer = (
            case.final_response if case.outcome == CaseOutcome.APPROVED and not case.answer_pending else None
        )
        examples.append(
            SafetyRow(
                id=f"case-{case.id}",
                prompt=request,
                label=Decision(label_of(case)),
                lang=case.lang,
                source=REVIEWED_SOURCE,
                context=mask(case.decision.context or ""),
                task_output=mask(answer or ""),
                safety_rationale=case.verdict_reason or "",
                category=case.category or "",
                case_id=case.id,
            )
        )
    return ReviewedExport(examples=examples, skipped=skipped)

"""What the review desk shows: pydantic views built from cases and decisions (request text masked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field

from db.models import Case, DecisionRecord
from db.statuses import CaseStatus
from model.labels import Decision
from review.queue import Priority

EXCERPT_CHARS = 160


class CaseSummary(BaseModel):
    id: int
    status: str
    source: str
    priority: int
    category: str | None
    lang: str
    model_decision: str
    excerpt: str
    created_at: str
    age_minutes: int
    sla_due_at: str
    sla_seconds_left: int
    overdue: bool
    claimed_by: str | None
    needs_senior: bool
    reviews: int
    required_reviews: int
    outcome: str | None


class ReviewView(BaseModel):
    reviewer: str
    verdict: str
    reason: str
    corrected_label: str | None
    senior: bool
    created_at: str


class CaseDetail(CaseSummary):
    request_id: str
    user: str
    context: str
    history: list[dict[str, str]] = Field(
        default_factory=list,
        description="A conversation's earlier turns the model judged with (role, content), PII-masked",
    )
    conversation_turn: int | None = None  # the case's turn in its conversation (None: a single request)
    request: str
    reason_code: str
    confidence: float
    probabilities: dict[str, float]
    rationale: str
    flags: list[str]
    model_version: str
    appeal_text: str | None
    lease_expires_at: str | None
    verdict_reason: str | None
    corrected_label: str | None
    final_response: str | None
    answer_pending: bool
    answer_error: str | None = None  # why the model's answer was withheld or failed (while pending)
    decided_by: str | None
    your_review: ReviewView | None
    visible_reviews: list[ReviewView]  # blind: other reviewers' verdicts only once the case is decided


class PrecedentView(BaseModel):
    case_id: int
    similarity: float
    excerpt: str
    model_decision: str
    outcome: str | None
    verdict_reason: str | None
    corrected_label: str | None


def precedent_view(case: Case, similarity: float, mask: Callable[[str], str]) -> PrecedentView:
    return PrecedentView(
        case_id=case.id,
        similarity=round(similarity, 4),
        excerpt=_excerpt(case.decision.request_text, mask),
        model_decision=case.decision.decision,
        outcome=case.outcome,
        verdict_reason=case.verdict_reason,
        corrected_label=case.corrected_label,
    )


class RawText(BaseModel):
    """Unmasked text, shown only after an audited break-glass request."""

    case_id: int
    context: str
    request: str


class QueueStats(BaseModel):
    open: int
    claimed: int
    decided: int
    overdue: int
    open_by_priority: dict[str, int]

    @classmethod
    def from_rows(cls, rows: list[tuple[str, int, int]], *, overdue: int) -> QueueStats:
        totals = {s.value: 0 for s in CaseStatus}
        by_priority = {p.label: 0 for p in Priority}
        names = {p.value: p.label for p in Priority}
        for status, priority, count in rows:
            totals[status] = totals.get(status, 0) + count
            if status == CaseStatus.OPEN:
                by_priority[names.get(priority, Priority.NORMAL.label)] += count
        return cls(**totals, overdue=overdue, open_by_priority=by_priority)


class Outcome(BaseModel):
    """What the employee sees about one of their requests."""

    request_id: str
    decision: str
    created_at: str
    excerpt: str
    case_id: int | None
    case_status: str | None
    outcome: str | None  # approved | rejected | fail_safe
    response: str | None  # the answer or the refusal the employee is shown
    answer_pending: bool
    can_appeal: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _excerpt(text: str, mask: Callable[[str], str]) -> str:
    masked = mask(text)
    return masked if len(masked) <= EXCERPT_CHARS else masked[: EXCERPT_CHARS - 1] + "…"


def case_summary(case: Case, now: datetime, mask: Callable[[str], str]) -> CaseSummary:
    return CaseSummary(**_summary_fields(case, now, mask))


def _summary_fields(case: Case, now: datetime, mask: Callable[[str], str]) -> dict[str, object]:
    left = int((case.sla_due_at - now).total_seconds())
    return {
        "id": case.id,
        "status": case.status,
        "source": case.source,
        "priority": case.priority,
        "category": case.category,
        "lang": case.lang,
        "model_decision": case.decision.decision,
        "excerpt": _excerpt(case.decision.request_text, mask),
        "created_at": case.created_at.isoformat(),
        "age_minutes": int((now - case.created_at).total_seconds() // 60),
        "sla_due_at": case.sla_due_at.isoformat(),
        "sla_seconds_left": left,
        "overdue": case.status != CaseStatus.DECIDED and left < 0,
        "claimed_by": case.claimed_by,
        "needs_senior": case.needs_senior,
        "reviews": len([r for r in case.reviews if not r.senior]),
        "required_reviews": case.required_reviews,
        "outcome": case.outcome,
    }


def case_detail(case: Case, *, viewer: str, now: datetime, mask: Callable[[str], str]) -> CaseDetail:
    d = case.decision
    reviews = [
        ReviewView(
            reviewer=r.reviewer,
            verdict=r.verdict,
            reason=r.reason,
            corrected_label=r.corrected_label,
            senior=r.senior,
            created_at=r.created_at.isoformat(),
        )
        for r in case.reviews
    ]
    mine = next((r for r in reviews if r.reviewer == viewer), None)
    # Blind double review: until the case is decided, a reviewer sees no one else's verdict, except a
    # senior resolving a disagreement, who needs to see both sides.
    visible = (
        reviews
        if case.status == CaseStatus.DECIDED or case.needs_senior
        else [r for r in reviews if r is mine]
    )
    return CaseDetail(
        **_summary_fields(case, now, mask),
        request_id=d.request_id,
        user=d.user_name,
        context=mask(d.context),
        history=[{"role": m.get("role", ""), "content": mask(m.get("content", ""))} for m in d.history or []],
        conversation_turn=d.turn,
        request=mask(d.request_text),
        reason_code=d.reason_code,
        confidence=d.confidence,
        probabilities=d.probabilities,
        rationale=d.rationale,
        flags=list(d.flags),
        model_version=d.model_version,
        appeal_text=mask(case.appeal_text) if case.appeal_text else None,
        lease_expires_at=_iso(case.lease_expires_at),
        verdict_reason=case.verdict_reason,
        corrected_label=case.corrected_label,
        final_response=case.final_response,
        answer_pending=case.answer_pending,
        decided_by=case.decided_by,
        your_review=mine,
        visible_reviews=visible,
    )


def outcome_of(row: DecisionRecord) -> Outcome:
    case = row.case
    if case is not None and case.status == CaseStatus.DECIDED:
        response = case.final_response
    elif row.decision in (Decision.ALLOW, Decision.REFUSE):
        response = row.task_response if row.decision == Decision.ALLOW else row.rationale
    else:
        response = None
    return Outcome(
        request_id=row.request_id,
        decision=row.decision,
        created_at=row.created_at.isoformat(),
        excerpt=_excerpt(row.request_text, lambda t: t),
        case_id=case.id if case else None,
        case_status=case.status if case else None,
        outcome=case.outcome if case else None,
        response=response,
        answer_pending=bool(case and case.answer_pending),
        can_appeal=row.decision == Decision.REFUSE and case is None,
    )

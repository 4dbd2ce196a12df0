"""Deciding cases: verdicts (single or blind double review), the employee's outcome, appeals, answers.

A case needs ``required_reviews`` independent verdicts. When they agree, the case is decided; when they
differ, it goes back to the queue for a senior reviewer, whose verdict is final. A decided case is
immutable: a second decision is a ``ReviewError``. On approve the employee gets the reviewer's edited
answer, or (``answer_pending``) the model's answer generated after the decision by the app layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.models import VERDICTS, Case, CaseReview, DecisionRecord
from db.statuses import CaseOutcome, CaseSource, CaseStatus
from model.labels import LABELS, Decision
from review.queue import CaseNotFoundError, QueueConfig, ReviewError, enqueue, held_case

MIN_REASON_CHARS = 3
MAX_REASON_CHARS = 2000
MAX_ANSWER_CHARS = 20000

REJECTED_TEXT = {
    "en": "A reviewer declined this request. Reason: {reason}",
    "ja": "レビュー担当者がこの依頼をお断りしました。理由：{reason}",
}
FAIL_SAFE_TEXT = {
    "en": "No reviewer decided this request in time, so it was refused by default (fail-safe). "
    "You can ask again or contact the review desk.",
    "ja": "期限内にレビュー担当者の判断がなかったため、既定の安全側の対応としてお断りしました。"
    "再度ご依頼いただくか、レビュー窓口にお問い合わせください。",
}


@dataclass(frozen=True)
class Verdict:
    verdict: str  # approve | reject
    reason: str
    corrected_label: str | None = None
    edited_answer: str | None = None

    def checked(self) -> Verdict:
        """The verdict with whitespace trimmed, or a ``ReviewError`` saying what is wrong."""
        reason = self.reason.strip()
        if self.verdict not in VERDICTS:
            raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {self.verdict!r}")
        if not MIN_REASON_CHARS <= len(reason) <= MAX_REASON_CHARS:
            raise ReviewError(f"give a reason ({MIN_REASON_CHARS} to {MAX_REASON_CHARS} characters)")
        label = self.corrected_label or None
        if label is not None and label not in LABELS:
            raise ReviewError(f"corrected label must be one of {', '.join(LABELS)}")
        answer = (self.edited_answer or "").strip() or None
        if answer is not None and self.verdict != "approve":
            raise ReviewError("an edited answer only goes with approve")
        if answer is not None and len(answer) > MAX_ANSWER_CHARS:
            raise ReviewError(f"the edited answer is longer than {MAX_ANSWER_CHARS} characters")
        return Verdict(self.verdict, reason, label, answer)


@dataclass(frozen=True)
class DecideResult:
    case: Case
    final: bool  # the case is now decided (the employee sees the outcome)
    disagreement: bool = False  # verdicts differed: the case waits for a senior reviewer


def decide(
    *,
    session: Session,
    case_id: int,
    reviewer: str,
    verdict: Verdict,
    now: datetime,
    is_senior: bool = False,
) -> DecideResult:
    """Record ``reviewer``'s verdict on a case they hold (flushed; the caller commits)."""
    verdict = verdict.checked()
    case = held_case(session=session, case_id=case_id, reviewer=reviewer, now=now)
    senior_call = case.needs_senior and is_senior
    reviews = list(session.scalars(select(CaseReview).where(CaseReview.case_id == case.id)))
    # the case row is locked (held_case), so this check cannot race; the unique key is the backstop
    if any(r.reviewer == reviewer for r in reviews):
        raise ReviewError(f"you already gave a verdict on case {case_id}")
    review = CaseReview(
        case_id=case.id,
        reviewer=reviewer,
        verdict=verdict.verdict,
        reason=verdict.reason,
        corrected_label=verdict.corrected_label,
        edited_answer=verdict.edited_answer,
        senior=senior_call,
        created_at=now,
    )
    session.add(review)
    reviews.append(review)
    peers = [r for r in reviews if not r.senior]
    base = {"verdict": verdict.verdict, "reason": verdict.reason, "corrected_label": verdict.corrected_label}
    if senior_call or (len(peers) >= case.required_reviews and len({r.verdict for r in peers}) == 1):
        _finish(session=session, case=case, reviewer=reviewer, verdict=verdict, now=now, senior=senior_call)
        return DecideResult(case=case, final=True)
    case.status, case.claimed_by, case.claimed_at, case.lease_expires_at = CaseStatus.OPEN, None, None, None
    case.updated_at = now
    disagreement = len(peers) >= case.required_reviews
    if disagreement:
        case.needs_senior = True
    append_event(
        session=session,
        event_type="case.disagreement" if disagreement else "case.review_recorded",
        actor=reviewer,
        actor_role="reviewer",
        request_id=case.decision.request_id,
        case_id=case.id,
        payload={**base, "reviews": len(peers), "required": case.required_reviews},
        now=now,
    )
    return DecideResult(case=case, final=False, disagreement=disagreement)


def _finish(
    *, session: Session, case: Case, reviewer: str, verdict: Verdict, now: datetime, senior: bool
) -> None:
    case.status = CaseStatus.DECIDED
    case.outcome = CaseOutcome.APPROVED if verdict.verdict == "approve" else CaseOutcome.REJECTED
    case.verdict_reason = verdict.reason
    case.corrected_label = verdict.corrected_label
    case.decided_by, case.decided_at, case.updated_at = reviewer, now, now
    case.claimed_by, case.lease_expires_at = None, None
    if verdict.verdict == "reject":
        case.final_response = REJECTED_TEXT.get(case.lang, REJECTED_TEXT["en"]).format(reason=verdict.reason)
    elif verdict.edited_answer is not None:
        case.final_response = verdict.edited_answer
    else:
        case.answer_pending = True  # the app generates the model's answer now
    append_event(
        session=session,
        event_type="case.decided",
        actor=reviewer,
        actor_role="reviewer",
        request_id=case.decision.request_id,
        case_id=case.id,
        payload={
            "outcome": case.outcome,
            "verdict": verdict.verdict,
            "reason": verdict.reason,
            "corrected_label": verdict.corrected_label,
            "edited_answer": verdict.edited_answer is not None,
            "senior": senior,
            "model_decision": case.decision.decision,
        },
        now=now,
    )


def record_case_answer(
    *,
    session: Session,
    case_id: int,
    answer: str | None,
    error: str | None,
    now: datetime,
    written_by: str | None = None,
) -> Case:
    """Store the answer for an approved case waiting for one: the model's (``written_by`` None), or one a
    reviewer wrote after the model's failed; or audit why the model's could not be given (``error``)."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise CaseNotFoundError(f"case {case_id} does not exist")
    if not case.answer_pending:
        raise ReviewError(f"case {case_id} is not waiting for an answer")
    if error is None:
        case.final_response, case.answer_pending, case.updated_at = answer or "", False, now
    append_event(
        session=session,
        event_type="case.answered" if error is None else "case.answer_failed",
        actor=written_by or "system",
        actor_role="reviewer" if written_by else "system",
        request_id=case.decision.request_id,
        case_id=case.id,
        payload=(
            {"chars": len(answer or ""), "written_by": "reviewer" if written_by else "model"}
            if error is None
            else {"error": error}
        ),
        now=now,
    )
    return case


def appeal(
    *, session: Session, request_id: str, user: str, text: str, now: datetime, config: QueueConfig
) -> Case:
    """An employee contests a refusal of their own request; it becomes a review case."""
    reason = text.strip()
    if not MIN_REASON_CHARS <= len(reason) <= MAX_REASON_CHARS:
        raise ReviewError(f"say why the refusal was wrong ({MIN_REASON_CHARS} to {MAX_REASON_CHARS} chars)")
    row = session.scalar(select(DecisionRecord).where(DecisionRecord.request_id == request_id))
    if row is None or row.user_name != user:
        raise CaseNotFoundError(f"you have no request {request_id}")
    if row.decision != Decision.REFUSE:
        raise ReviewError("only refused requests can be appealed")
    if session.scalar(select(Case.id).where(Case.decision_id == row.id)) is not None:
        raise ReviewError("this request is already with the review desk")
    return enqueue(
        session=session,
        decision=row,
        now=now,
        config=config,
        source=CaseSource.APPEAL,
        appeal_text=reason,
        actor=user,
        actor_role="employee",
    )

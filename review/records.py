"""Recording a decision: the decision row, its audit event and (on ESCALATE) a case, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from audit.log import append_event
from db.models import DecisionRecord
from db.statuses import CaseSource
from model.labels import Decision
from review.conversations import history_sha256, next_turn
from review.queue import QueueConfig, enqueue


@dataclass(frozen=True)
class NewDecision:
    request_id: str
    user_name: str
    user_role: str
    context: str
    request_text: str
    decision: str
    reason_code: str
    confidence: float
    probabilities: dict[str, float]
    rationale: str
    task_response: str | None
    model_version: str
    policy_version: str
    latency_ms: float
    flags: list[str] = field(default_factory=list)
    error: str | None = None
    category: str | None = None
    lang: str = "en"
    excerpt: str = ""  # PII-masked, shortened request for the audit event (the row keeps the full text)
    conversation_id: int | None = None  # a turn of this conversation (its number is allotted on record)
    history: list[dict[str, str]] = field(default_factory=list)  # the earlier turns the head judged with


@dataclass(frozen=True)
class RecordedDecision:
    decision_id: int
    case_id: int | None
    audit_seq: int


def record_decision(
    *, session: Session, new: NewDecision, now: datetime, queue: QueueConfig
) -> RecordedDecision:
    """Write the decision, its audit event and any case (flushed; the caller commits)."""
    # the role and the masked excerpt go to the audit event, not the decision row
    columns = {k: v for k, v in asdict(new).items() if k not in ("user_role", "excerpt")}
    turn = None
    if new.conversation_id is not None:
        turn = next_turn(
            session=session, conversation_id=new.conversation_id, now=now, first_request=new.request_text
        )
    row = DecisionRecord(**columns, turn=turn, created_at=now)
    session.add(row)
    session.flush()
    conversation = (
        {
            "conversation_id": new.conversation_id,
            "turn": turn,
            "history_messages": len(new.history),
            "history_sha256": history_sha256(new.history),
        }
        if new.conversation_id is not None or new.history
        else {}
    )
    event = append_event(
        session=session,
        event_type="decision",
        actor=new.user_name,
        actor_role=new.user_role,
        request_id=new.request_id,
        payload={
            "decision": new.decision,
            "reason_code": new.reason_code,
            "confidence": round(new.confidence, 6),
            "probabilities": {k: round(v, 6) for k, v in sorted(new.probabilities.items())},
            "rationale": new.rationale,
            "model_version": new.model_version,
            "policy_version": new.policy_version,
            "input_sha256": _sha256(f"{new.context}\x00{new.request_text}"),
            "input_excerpt": new.excerpt,
            "flags": list(new.flags),
            "error": new.error,
            "category": new.category,
            "lang": new.lang,
            **conversation,
        },
        now=now,
    )
    case_id = None
    if new.decision == Decision.ESCALATE:
        case_id = enqueue(session=session, decision=row, now=now, config=queue).id
    elif queue.sampled(new.request_id):  # audit sample: reviewed later; the employee's result is unchanged
        enqueue(session=session, decision=row, now=now, config=queue, source=CaseSource.SAMPLING)
    return RecordedDecision(decision_id=row.id, case_id=case_id, audit_seq=event.seq)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerFailure:
    """Generation or the output check failed after ALLOW: the decision is revised to this (fail closed)."""

    decision: str
    reason_code: str
    rationale: str
    error: str


def record_answer(
    *,
    session: Session,
    decision_id: int,
    answer: str | None,
    failure: AnswerFailure | None,
    latency_ms: float,
    now: datetime,
    queue: QueueConfig,
    masked: dict[str, int] | None = None,
) -> int | None:
    """Record what happened after an ALLOW decision: the answer, or the revised decision and its case.

    ``masked`` counts the PII / secret spans masked out of the answer by type (counts only, never values).
    Returns the id of the case opened for a failed answer, else None (flushed; the caller commits).
    """
    row = session.get(DecisionRecord, decision_id)
    if row is None:
        raise LookupError(f"decision {decision_id} does not exist")
    row.latency_ms = latency_ms
    counts = {k: v for k, v in sorted((masked or {}).items())}
    if failure is None:
        row.task_response = answer
        append_event(
            session=session,
            event_type="answer",
            actor="system",
            actor_role="system",
            request_id=row.request_id,
            payload={
                "response_sha256": _sha256(answer or ""),
                "response_chars": len(answer or ""),
                "masked": counts,
            },
            now=now,
        )
        return None
    row.decision, row.reason_code, row.rationale, row.error = (
        failure.decision,
        failure.reason_code,
        failure.rationale,
        failure.error,
    )
    row.confidence = 0.0
    append_event(
        session=session,
        event_type="decision.revised",
        actor="system",
        actor_role="system",
        request_id=row.request_id,
        payload={
            "decision": failure.decision,
            "reason_code": failure.reason_code,
            "error": failure.error,
            "masked": counts,
        },
        now=now,
    )
    if failure.decision == Decision.ESCALATE:
        return enqueue(session=session, decision=row, now=now, config=queue).id
    return None

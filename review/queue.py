"""Review queue: ESCALATE decisions become cases that reviewers work through."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, DecisionRecord
from review.audit import append_event

HIGH, NORMAL = 1, 2


def priority_for(probabilities: dict[str, float], reason_code: str) -> int:
    """High priority when the model saw a real chance of harm or could not judge at all."""
    if reason_code == "MODEL_ERROR" or probabilities.get("REFUSE", 0.0) >= 0.3:
        return HIGH
    return NORMAL


def enqueue(
    *, session: Session, decision: DecisionRecord, now: datetime, sla: timedelta, actor: str = "system"
) -> Case:
    """Open a case for ``decision`` and audit it (flushed, not committed)."""
    case = Case(
        decision_id=decision.id,
        status="open",
        priority=priority_for(decision.probabilities, decision.reason_code),
        created_at=now,
        updated_at=now,
        sla_due_at=now + sla,
    )
    session.add(case)
    session.flush()
    append_event(
        session=session,
        event_type="case.opened",
        actor=actor,
        actor_role="system",
        request_id=decision.request_id,
        case_id=case.id,
        payload={"priority": case.priority, "sla_due_at": case.sla_due_at.isoformat(), "source": "escalate"},
        now=now,
    )
    return case


def get_case(*, session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def open_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Case).where(Case.status == "open")) or 0)

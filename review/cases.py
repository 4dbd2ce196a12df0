"""Reading cases and decisions: the review desk's listings, counts and look-ups (read only).

Each function takes the caller's ``session=`` and runs its queries there; none commits. The desk facade
(``app/desks/review.py``) checks roles, owns the transactions and turns the rows into views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from db.models import AuditEvent, Case, DecisionRecord
from db.statuses import CaseStatus
from review.queue import CaseNotFoundError

MAX_LIST = 500  # the most cases one listing returns, whatever ``limit`` asks


@dataclass(frozen=True)
class CaseListFilters:
    """Which cases a listing shows; ``None`` means any."""

    status: str | None = CaseStatus.OPEN
    priority: int | None = None
    category: str | None = None
    lang: str | None = None
    source: str | None = None
    older_than_minutes: int | None = None
    limit: int = 50
    offset: int = 0


def list_cases(*, session: Session, filters: CaseListFilters, now: datetime) -> list[Case]:
    """Cases matching ``filters``, most urgent first (priority, then oldest), with their decisions."""
    query = select(Case).join(Case.decision)
    for column, value in (
        (Case.status, filters.status),
        (Case.priority, filters.priority),
        (Case.category, filters.category),
        (Case.lang, filters.lang),
        (Case.source, filters.source),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.older_than_minutes is not None:
        query = query.where(Case.created_at <= now - timedelta(minutes=filters.older_than_minutes))
    query = query.order_by(Case.priority, Case.id).limit(min(filters.limit, MAX_LIST)).offset(filters.offset)
    return list(session.scalars(query))


def count_by_status(*, session: Session) -> list[tuple[str, int, int]]:
    """``(status, priority, cases)`` for every status and priority that has cases."""
    rows = session.execute(
        select(Case.status, Case.priority, func.count()).group_by(Case.status, Case.priority)
    )
    return [(str(status), int(priority), int(n)) for status, priority, n in rows]


def count_overdue(*, session: Session, now: datetime) -> int:
    """Undecided cases past their SLA deadline at ``now``."""
    query = select(func.count()).where(Case.status != CaseStatus.DECIDED, Case.sla_due_at < now)
    return int(session.scalar(query) or 0)


def case_with_decision(*, session: Session, case_id: int) -> Case:
    """The case and its decision row; ``CaseNotFoundError`` if there is no such case."""
    case = session.get(Case, case_id, options=[joinedload(Case.decision, innerjoin=True)])
    if case is None:
        raise CaseNotFoundError(f"case {case_id} does not exist")
    return case


def decision_by_request(*, session: Session, request_id: str) -> DecisionRecord | None:
    """The decision recorded for ``request_id`` (with its case, if it has one)."""
    return session.scalar(select(DecisionRecord).where(DecisionRecord.request_id == request_id))


def latest_decisions(*, session: Session, user: str, limit: int) -> list[DecisionRecord]:
    """``user``'s latest ``limit`` decisions, newest first."""
    return list(
        session.scalars(
            select(DecisionRecord)
            .where(DecisionRecord.user_name == user)
            .order_by(DecisionRecord.id.desc())
            .limit(limit)
        )
    )


def last_answer_failure(*, session: Session, case_id: int) -> str | None:
    """Why the model's answer to an approved case was last withheld or failed (the ``case.answer_failed``
    event's error), if it was."""
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.event_type == "case.answer_failed")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return str(event.payload.get("error", "")) if event is not None else None

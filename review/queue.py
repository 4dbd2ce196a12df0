"""Review queue: cases enter (ESCALATE, appeal, audit sample) and reviewers claim them under a lease.

``claim_next`` hands each open case to exactly one reviewer at a time. On PostgreSQL the candidate row
is picked, claimed and returned by one ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)
RETURNING`` so concurrent reviewers skip each other's rows instead of waiting; SQLite (one writer at a
time) runs the same statement under its write lock. A lease that runs out returns the case to the
queue. Every state change appends an audit event in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, joinedload

from audit.log import append_event
from db.models import Case, CaseReview, DecisionRecord
from db.statuses import CaseSource, CaseStatus
from model.labels import Decision


class Priority(IntEnum):
    """``cases.priority``: lower is more urgent (the queue orders by it)."""

    HIGH = 1
    NORMAL = 2
    LOW = 3

    @property
    def label(self) -> str:
        """The name the desk shows: high / normal / low."""
        return self.name.lower()


HIGH, NORMAL, LOW = Priority.HIGH, Priority.NORMAL, Priority.LOW


class ReviewError(Exception):
    """A review action that cannot be done; the message is meant for the reviewer."""


class CaseNotFoundError(ReviewError):
    pass


@dataclass(frozen=True)
class QueueConfig:
    """Review-desk rules, built once from settings."""

    sla: dict[int, timedelta] = field(
        default_factory=lambda: {
            HIGH: timedelta(hours=1),
            NORMAL: timedelta(hours=4),
            LOW: timedelta(hours=24),
        }
    )
    lease: timedelta = timedelta(minutes=15)
    # after the SLA deadline passes by this much, the fail-safe default (REFUSE) is applied
    fail_safe_after: timedelta = timedelta(hours=4)
    double_review_categories: frozenset[str] = frozenset()
    reviews_required: int = 2  # for categories that need double review
    sample_rate: float = 0.0  # share of ALLOW / REFUSE decisions sent to the desk as low-priority samples

    def sampled(self, request_id: str) -> bool:
        """Deterministic audit sampling: the same request id always gets the same answer."""
        if self.sample_rate <= 0.0:
            return False
        bucket = int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return bucket < self.sample_rate

    def sla_for(self, priority: int) -> timedelta:
        return self.sla.get(priority, self.sla[NORMAL])

    def required_for(self, category: str | None) -> int:
        if category is not None and category in self.double_review_categories:
            return max(2, self.reviews_required)
        return 1


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer asks for; ``None`` means any."""

    priority: int | None = None
    category: str | None = None
    lang: str | None = None
    source: str | None = None


def priority_for(
    probabilities: dict[str, float], reason_code: str, source: str = CaseSource.ESCALATE
) -> Priority:
    """High when the model saw a real chance of harm or could not judge; samples are low priority."""
    if source == CaseSource.SAMPLING:
        return Priority.LOW
    if reason_code == "MODEL_ERROR" or probabilities.get(Decision.REFUSE, 0.0) >= 0.3:
        return Priority.HIGH
    return Priority.NORMAL


def enqueue(
    *,
    session: Session,
    decision: DecisionRecord,
    now: datetime,
    config: QueueConfig,
    source: str = CaseSource.ESCALATE,
    appeal_text: str | None = None,
    actor: str = "system",
    actor_role: str = "system",
) -> Case:
    """Open a case for ``decision`` and audit it (flushed, not committed)."""
    priority = priority_for(decision.probabilities, decision.reason_code, source)
    case = Case(
        decision_id=decision.id,
        source=source,
        status=CaseStatus.OPEN,
        priority=priority,
        category=decision.category,
        lang=decision.lang,
        required_reviews=config.required_for(decision.category),
        needs_senior=False,
        appeal_text=appeal_text,
        answer_pending=False,
        created_at=now,
        updated_at=now,
        sla_due_at=now + config.sla_for(priority),
    )
    session.add(case)
    session.flush()
    append_event(
        session=session,
        event_type="case.opened",
        actor=actor,
        actor_role=actor_role,
        request_id=decision.request_id,
        case_id=case.id,
        payload={
            "source": source,
            "priority": priority,
            "category": case.category,
            "required_reviews": case.required_reviews,
            "sla_due_at": case.sla_due_at.isoformat(),
        },
        now=now,
    )
    return case


def _claimable(reviewer: str, is_senior: bool, filters: QueueFilters) -> list[object]:
    """WHERE terms for cases this reviewer may take: open, not their own request (no one reviews
    themselves), not already reviewed by them (blind double review needs independent reviewers), and
    senior-only cases only for seniors."""
    terms: list[object] = [
        Case.status == CaseStatus.OPEN,
        ~exists().where(DecisionRecord.id == Case.decision_id, DecisionRecord.user_name == reviewer),
        ~exists().where(CaseReview.case_id == Case.id, CaseReview.reviewer == reviewer),
    ]
    if not is_senior:
        terms.append(Case.needs_senior.is_(False))
    for column, value in (
        (Case.priority, filters.priority),
        (Case.category, filters.category),
        (Case.lang, filters.lang),
        (Case.source, filters.source),
    ):
        if value is not None:
            terms.append(column == value)
    return terms


def release_expired_leases(*, session: Session, now: datetime) -> int:
    """Return cases whose lease ran out to the queue; the number returned."""
    expired = list(
        session.execute(
            select(Case.id, Case.claimed_by).where(
                Case.status == CaseStatus.CLAIMED, Case.lease_expires_at < now
            )
        )
    )
    for case_id, holder in expired:
        done = session.execute(
            update(Case)
            .where(Case.id == case_id, Case.status == CaseStatus.CLAIMED, Case.lease_expires_at < now)
            .values(
                status=CaseStatus.OPEN,
                claimed_by=None,
                claimed_at=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            append_event(
                session=session,
                event_type="case.lease_expired",
                actor="system",
                actor_role="system",
                case_id=case_id,
                payload={"reviewer": holder},
                now=now,
            )
    return len(expired)


def claim_next(
    *,
    session: Session,
    reviewer: str,
    now: datetime,
    config: QueueConfig,
    is_senior: bool = False,
    filters: QueueFilters | None = None,
) -> Case | None:
    """Lease the most urgent open case to ``reviewer`` (best priority, then oldest); None if none."""
    release_expired_leases(session=session, now=now)
    terms = _claimable(reviewer, is_senior, filters or QueueFilters())
    pick = select(Case.id).where(*terms).order_by(Case.priority, Case.id).limit(1)  # type: ignore[arg-type]
    if session.get_bind().dialect.name == "postgresql":
        # concurrent reviewers skip each other's candidate rows instead of queueing behind them
        pick = pick.with_for_update(skip_locked=True, of=Case)
    # One statement picks, claims and returns the row. On PostgreSQL the picked row is locked (and
    # re-checked) before the update; SQLite runs the whole statement under its single write lock. The
    # status term is the backstop either way: a case already taken is never taken twice.
    case = session.scalars(
        update(Case)
        .where(Case.id == pick.scalar_subquery(), Case.status == CaseStatus.OPEN)
        .values(
            status=CaseStatus.CLAIMED,
            claimed_by=reviewer,
            claimed_at=now,
            lease_expires_at=now + config.lease,
            updated_at=now,
        )
        .returning(Case)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if case is None:
        return None
    # the audit append comes last: it holds the chain-head lock until the caller commits
    append_event(
        session=session,
        event_type="case.claimed",
        actor=reviewer,
        actor_role="reviewer",
        case_id=case.id,
        payload={"lease_expires_at": (now + config.lease).isoformat()},
        now=now,
    )
    return case


def release(*, session: Session, case_id: int, reviewer: str, now: datetime) -> Case:
    """Give a claimed case back to the queue before deciding it."""
    case = held_case(session=session, case_id=case_id, reviewer=reviewer, now=now)
    case.status, case.claimed_by, case.claimed_at, case.lease_expires_at = CaseStatus.OPEN, None, None, None
    case.updated_at = now
    append_event(
        session=session,
        event_type="case.released",
        actor=reviewer,
        actor_role="reviewer",
        case_id=case.id,
        payload={},
        now=now,
    )
    return case


def held_case(*, session: Session, case_id: int, reviewer: str, now: datetime) -> Case:
    """The case, if ``reviewer`` holds a live lease on it; otherwise a clear ``ReviewError``."""
    case = session.get(
        Case,
        case_id,
        with_for_update={"of": Case},
        populate_existing=True,
        options=[joinedload(Case.decision, innerjoin=True)],
    )
    if case is None:
        raise CaseNotFoundError(f"case {case_id} does not exist")
    if case.status == CaseStatus.DECIDED:
        raise ReviewError(
            f"case {case_id} was already decided ({case.outcome}) by {case.decided_by}; decided cases "
            "cannot be changed"
        )
    if case.status != CaseStatus.CLAIMED or case.claimed_by != reviewer:
        raise ReviewError(f"case {case_id} is not claimed by you; claim it first")
    if case.lease_expires_at is not None and case.lease_expires_at <= now:
        raise ReviewError(f"your lease on case {case_id} expired; claim it again")
    return case


def get_case(*, session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def open_count(*, session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Case).where(Case.status == CaseStatus.OPEN)) or 0
    )

"""SLA sweep: mark overdue cases, and past the hard limit apply the fail-safe default (REFUSE).

Run periodically (the server does it every minute; ``so8t review sweep`` does it once for a scheduler).
A fail-safe outcome is recorded as the system's, never as a human decision.

With several replicas on one PostgreSQL database every replica's sweeper ticks, but a pass runs in one
at a time: it first takes the cluster lock ``LockKey.SLA_SWEEP`` for its transaction (db/locks.py); a
pass that does not get it does nothing and says so (``SweepResult.skipped``). The next tick tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.locks import LockKey, try_cluster_lock
from db.models import Case
from db.statuses import UNDECIDED, CaseOutcome, CaseStatus
from model.labels import Decision
from review.queue import QueueConfig, release_expired_leases
from review.verdicts import FAIL_SAFE_TEXT

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    leases_released: int
    marked_overdue: int
    failed_safe: int
    skipped: bool = False  # another replica's pass held the sweep lock: this one did nothing


SKIPPED = SweepResult(leases_released=0, marked_overdue=0, failed_safe=0, skipped=True)


def sweep(*, session: Session, now: datetime, config: QueueConfig, batch: int = SWEEP_BATCH) -> SweepResult:
    """One pass (flushed; the caller commits). At most ``batch`` cases of each kind per pass.

    Call it first in its transaction: it takes the cluster sweep lock, held until the caller commits or
    rolls back, and returns ``SKIPPED`` at once if another pass holds it."""
    if not try_cluster_lock(session, LockKey.SLA_SWEEP):
        return SKIPPED
    released = release_expired_leases(session=session, now=now)
    undecided = Case.status.in_(UNDECIDED)
    overdue = list(
        session.scalars(
            select(Case)
            .where(undecided, Case.sla_due_at < now, Case.overdue_at.is_(None))
            .order_by(Case.sla_due_at)
            .limit(batch)
        )
    )
    for case in overdue:
        case.overdue_at, case.updated_at = now, now
        append_event(
            session=session,
            event_type="case.overdue",
            actor="system",
            actor_role="system",
            request_id=case.decision.request_id,
            case_id=case.id,
            payload={"sla_due_at": case.sla_due_at.isoformat()},
            now=now,
        )
    expired = list(
        session.scalars(
            select(Case)
            .where(undecided, Case.sla_due_at < now - config.fail_safe_after)
            .order_by(Case.sla_due_at)
            .limit(batch)
        )
    )
    for case in expired:
        case.status, case.outcome = CaseStatus.DECIDED, CaseOutcome.FAIL_SAFE
        case.decided_by, case.decided_at, case.updated_at = "system", now, now
        case.claimed_by, case.lease_expires_at = None, None
        case.verdict_reason = "SLA hard limit passed without a human decision"
        case.final_response = FAIL_SAFE_TEXT.get(case.lang, FAIL_SAFE_TEXT["en"])
        append_event(
            session=session,
            event_type="case.fail_safe",
            actor="system",
            actor_role="system",
            request_id=case.decision.request_id,
            case_id=case.id,
            payload={
                "applied": Decision.REFUSE,
                "sla_due_at": case.sla_due_at.isoformat(),
                "hard_limit_minutes": int(config.fail_safe_after.total_seconds() // 60),
            },
            now=now,
        )
    return SweepResult(leases_released=released, marked_overdue=len(overdue), failed_safe=len(expired))

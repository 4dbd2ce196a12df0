"""Cluster-wide locks: work that must run in one replica at a time, whatever the number of replicas.

On PostgreSQL a lock is a transaction-level advisory lock (``pg_try_advisory_xact_lock``) on a fixed
64-bit key: taken without waiting, held until the caller's transaction ends (commit or rollback, also when
the process dies: the server ends the session), never released by hand. On SQLite there is nothing to
take: the app runs on SQLite in one process only, and SQLite lets one writer in at a time anyway.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session


class LockKey(IntEnum):
    """The advisory-lock keys the app uses (signed 64-bit; one registry, so two uses never share one).
    The values are fixed: replicas of different versions must agree on them."""

    SLA_SWEEP = 1464413132557186952  # sha256("so8t:review.sla.sweep")[:8]
    FIRST_ADMIN = 3352753378672940465  # sha256("so8t:app.first_admin")[:8], signed


def cluster_lock(session: Session, key: int) -> None:
    """Wait for the cluster lock ``key`` and hold it for the session's transaction (for short work that
    every replica must do once, in turn: the first one does it, the others then find it done)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(int(key))))


def try_cluster_lock(session: Session, key: int) -> bool:
    """Take the cluster lock ``key`` for the session's transaction; False (at once) if another holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(int(key)))))

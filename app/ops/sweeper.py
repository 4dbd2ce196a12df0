"""The server's background upkeep: a daemon thread that, every N seconds, replays the audit spool into the
database when it answers again (review/spool.py) and runs the SLA sweep (``review.sla.sweep``).

Every replica runs one; on PostgreSQL the sweep itself takes a cluster-wide lock, so a tick whose pass
finds another replica's pass running skips (a debug line) and the next tick tries again. The spool is
per replica (its own file), replayed by its own replica only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.ops.interval import IntervalThread
from audit.log import AuditChainError
from review.queue import QueueConfig
from review.sla import SweepResult, sweep
from review.spool import AuditSpool, ReplayResult

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: QueueConfig,
        interval_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        spool: AuditSpool | None = None,
        on_db_error: Callable[[str], None] = lambda operation: None,  # metrics: told "sweep" on a failure
    ) -> None:
        self.sessions, self.config, self.clock = sessions, config, clock
        self.spool = spool
        self.on_db_error = on_db_error
        self._thread = IntervalThread(
            name="so8t-sla-sweep", interval_s=interval_s, tick=self._tick, first=self.replay_spool
        )

    def run_once(self) -> SweepResult | None:
        try:
            with self.sessions.begin() as s:
                result = sweep(session=s, now=self.clock(), config=self.config)
        except (SQLAlchemyError, AuditChainError):
            log.exception("SLA sweep failed; will retry")
            self.on_db_error("sweep")
            return None
        if result.skipped:
            log.debug("SLA sweep skipped: the cluster sweep lock is held (another replica is sweeping)")
        elif result.marked_overdue or result.failed_safe or result.leases_released:
            log.info(
                "SLA sweep: %d leases released, %d overdue, %d fail-safe",
                result.leases_released,
                result.marked_overdue,
                result.failed_safe,
            )
        return result

    def replay_spool(self) -> ReplayResult | None:
        """Replay spooled audit records, if any (a failure is logged and retried next time)."""
        if self.spool is None or not self.spool.pending():
            return None
        try:
            return self.spool.replay(sessions=self.sessions, queue=self.config)
        except OSError:
            log.exception("audit spool replay failed; will retry")
            return None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def _tick(self) -> None:
        self.replay_spool()  # what could not be recorded during an outage, before the sweep
        self.run_once()

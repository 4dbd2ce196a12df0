"""The server's SLA sweep: a daemon thread that runs ``review.sla.sweep`` every N seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from review.audit import AuditChainError
from review.queue import QueueConfig
from review.sla import SweepResult, sweep

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: QueueConfig,
        interval_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions, self.config, self.interval_s, self.clock = sessions, config, interval_s, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> SweepResult | None:
        try:
            with self.sessions.begin() as s:
                result = sweep(session=s, now=self.clock(), config=self.config)
        except (SQLAlchemyError, AuditChainError):
            log.exception("SLA sweep failed; will retry")
            return None
        if result.marked_overdue or result.failed_safe or result.leases_released:
            log.info(
                "SLA sweep: %d leases released, %d overdue, %d fail-safe",
                result.leases_released,
                result.marked_overdue,
                result.failed_safe,
            )
        return result

    def start(self) -> None:
        if self.interval_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="so8t-sla-sweep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.run_once()

"""A daemon thread that calls one function every N seconds until stopped (the SLA sweeper and the model
switch both run one); ``interval_s <= 0`` means never start."""

from __future__ import annotations

import threading
from collections.abc import Callable


class IntervalThread:
    def __init__(
        self, *, name: str, interval_s: float, tick: Callable[[], object], first: Callable[[], object] | None
    ) -> None:
        """``tick`` runs after each interval; ``first``, if given, once as soon as the thread starts."""
        self.name, self.interval_s, self.tick, self.first = name, interval_s, tick, first
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self.interval_s <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

    def _loop(self) -> None:
        if self.first is not None:
            self.first()
        while not self._stop.wait(self.interval_s):
            self.tick()

"""When training stops: early stopping on a validation score, and SIGINT / SIGTERM as a polite request."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingInterrupted(RuntimeError):
    """Training stopped on a signal; ``checkpoint`` is where it was saved (resume from there)."""

    def __init__(self, signum: int, checkpoint: Path | None) -> None:
        name = signal.Signals(signum).name
        where = f"; checkpoint saved to {checkpoint}" if checkpoint else ""
        super().__init__(f"training interrupted by {name}{where}")
        self.signum, self.checkpoint = signum, checkpoint


class StopRequest:
    """While active, SIGINT / SIGTERM only set ``signum``; the loop saves at its next safe point and
    stops. A second signal is handled by the previous handler at once (e.g. KeyboardInterrupt).

    Signal handlers can only be installed from the main thread; elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:  # asked twice: the previous handler acts now (no safe point)
            self.__exit__()
            signal.raise_signal(signum)
            return
        self.signum = signum
        log.warning("%s received: saving a checkpoint at the next safe point", signal.Signals(signum).name)

    @property
    def requested(self) -> bool:
        return self.signum is not None


@dataclass
class EarlyStopping:
    """Stop after ``patience`` validation runs without beating the best score by more than ``min_delta``."""

    patience: int
    min_delta: float = 0.0
    best: float | None = None
    best_step: int = 0
    bad_evals: int = 0

    def update(self, score: float, step: int) -> bool:
        """Record a validation score; True when it is the new best."""
        if self.best is None or score > self.best + self.min_delta:
            self.best, self.best_step, self.bad_evals = score, step, 0
            return True
        self.bad_evals += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.bad_evals >= self.patience

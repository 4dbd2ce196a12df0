"""The shared background-thread loop of the SLA sweeper and the model switch."""

from __future__ import annotations

import threading
import time

from app.ops.interval import IntervalThread


def test_runs_first_once_then_ticks_until_stopped() -> None:
    calls: list[str] = []
    ticked = threading.Event()

    def tick() -> None:
        calls.append("tick")
        if calls.count("tick") >= 3:
            ticked.set()

    thread = IntervalThread(name="t", interval_s=0.01, tick=tick, first=lambda: calls.append("first"))
    thread.start()
    thread.start()  # a second start is a no-op, not a second thread
    assert ticked.wait(5)
    thread.stop()
    assert not thread.running
    assert calls[0] == "first" and calls.count("first") == 1
    n = len(calls)
    time.sleep(0.05)
    assert len(calls) == n  # stopped: nothing runs any more


def test_a_zero_interval_never_starts() -> None:
    thread = IntervalThread(name="t", interval_s=0, tick=lambda: None, first=None)
    thread.start()
    assert not thread.running
    thread.stop()  # stopping a thread that never ran is fine

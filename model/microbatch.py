"""Micro-batching of prefills for concurrent requests (nanoGPT-style: one small idea per module).

Web requests arrive on many threads. Without batching, each prefill waits for the model lock and runs
alone. ``PrefillBatcher`` puts them on a queue instead: a worker thread takes the first waiting request,
gathers whatever else arrives within ``window_ms`` (up to ``max_batch``), and runs them as one batched
prefill (``Runtime.prefill_many``, either backend). Each caller gets its own ``Prefill``, with its own
slice of the KV cache, and decodes from it as usual. A lone request pays at most ``window_ms`` extra;
under load, several requests share one forward. If a batch fails (for example one prompt is over the
token limit), its prompts are retried one by one, so each caller gets its own result or its own error.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from model.runtime import Prefill, Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchingConfig:
    max_batch: int = 8  # prompts per forward
    window_ms: float = 5.0  # how long the worker waits for more requests after the first


@dataclass(frozen=True)
class _Job:
    pair: tuple[str, str]
    result: Future[Prefill]


class PrefillBatcher:
    """``prefill(context, request)`` with the same result as ``Runtime.prefill``, batched."""

    def __init__(self, runtime: Runtime, config: BatchingConfig) -> None:
        self.runtime, self.config = runtime, config
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # forwards run (for tests and benchmarks)
        self.prompts = 0

    def prefill(self, context: str, user_request: str) -> Prefill:
        self._ensure_started()
        job = _Job((context, user_request), Future())
        self._jobs.put(job)
        return job.result.result()

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="so8t-prefill-batcher", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            jobs = [first]
            deadline = time.perf_counter() + self.config.window_ms / 1000
            while len(jobs) < self.config.max_batch:
                remaining = deadline - time.perf_counter()
                try:
                    job = self._jobs.get(timeout=remaining) if remaining > 0 else self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:  # closing: finish this batch, then stop
                    self._run(jobs)
                    return
                jobs.append(job)
            self._run(jobs)

    def _run(self, jobs: list[_Job]) -> None:
        self.batches += 1
        self.prompts += len(jobs)
        try:
            results = self.runtime.prefill_many([job.pair for job in jobs])
        except Exception as exc:
            if len(jobs) == 1:
                jobs[0].result.set_exception(exc)
                return
            log.info("batched prefill of %d failed (%s); retrying one by one", len(jobs), type(exc).__name__)
            for job in jobs:
                self._run([job])
            return
        for job, result in zip(jobs, results, strict=True):
            job.result.set_result(result)


def batcher_for(runtime: Runtime, max_batch: int, window_ms: float) -> PrefillBatcher | None:
    """The micro-batcher a server puts in front of ``runtime``; None (one by one) when ``max_batch`` <= 1."""
    return PrefillBatcher(runtime, BatchingConfig(max_batch, window_ms)) if max_batch > 1 else None

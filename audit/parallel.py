"""``verify_chain`` over several processes: each checks one seq range, the ranges are then stitched.

Every event's hash depends only on its own fields and its stored ``prev_hash``, so ranges can be checked
independently: a worker starts its range from the ``prev_hash`` stored in the range's first event, and
the stitch then checks that this value is the hash the previous range ended with. The result is the
same ``ChainCheck`` a serial walk gives (the first broken link, compared with the chain head); the
speed-up is at most the number of cores the machine can spare (the database works for each worker too).
Workers are started with ``spawn``: a script calling this must do so under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from audit.chain import GENESIS_HASH, ChainCheck, describe_link_target, seq_break
from audit.log import chain_head, check_against_head, verify_chain, verify_range
from db.engine import make_engine
from db.models import AuditEvent

MIN_PER_WORKER = 50_000  # below this a process costs more than it saves


@dataclass(frozen=True)
class RangeCheck:
    first: int
    last: int
    entry_prev: str | None  # prev_hash stored in the range's first event (None: that event is missing)
    check: ChainCheck


def verify_chain_parallel(
    *,
    engine: Engine,
    workers: int,
    progress: Callable[[int], object] | None = None,
    executor: Executor | None = None,
    client_digests: bool = False,
) -> ChainCheck:
    """``verify_chain`` split over ``workers`` processes (serial when the chain is short).

    ``executor``: a process pool to reuse (by default one is started, with spawn, and shut down).
    """
    with Session(engine) as session:
        head = chain_head(session=session)
        if head is None or workers <= 1 or head.length < 2 * MIN_PER_WORKER:
            return verify_chain(session=session, progress=progress, client_digests=client_digests)
    size = -(-head.length // min(workers, head.length // MIN_PER_WORKER))
    ranges = [(lo, min(lo + size - 1, head.length)) for lo in range(1, head.length + 1, size)]
    url = engine.url.render_as_string(hide_password=False)
    pool = executor or ProcessPoolExecutor(len(ranges), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = [pool.submit(check_range, url, lo, hi, client_digests) for lo, hi in ranges]
        for future in as_completed(futures):
            if progress is not None:
                progress(future.result().check.checked)
        results = [f.result() for f in futures]
    finally:
        if executor is None:
            pool.shutdown()
    with Session(engine) as session:
        return check_against_head(session=session, check=stitch(session, results), head=head)


def check_range(url: str, first: int, last: int, client_digests: bool = False) -> RangeCheck:
    """One worker's share (runs in a child process with its own engine)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            entry = session.scalar(select(AuditEvent.prev_hash).where(AuditEvent.seq == first))
            start = GENESIS_HASH if first == 1 else (entry or GENESIS_HASH)
            check = verify_range(
                session=session, first=first, last=last, start_prev=start, client_digests=client_digests
            )
        return RangeCheck(first, last, entry, check)
    finally:
        engine.dispose()


def stitch(session: Session, results: list[RangeCheck]) -> ChainCheck:
    """The serial walk's answer from the ranges' answers: the first break in seq order."""
    prev, checked = GENESIS_HASH, 0
    for i, r in enumerate(results):
        if r.first > 1 and r.entry_prev is not None and r.entry_prev != prev:
            event_id = session.scalar(select(AuditEvent.id).where(AuditEvent.seq == r.first))
            problem = f"prev_hash of seq {r.first} does not match the hash of seq {r.first - 1}"
            broken = ChainCheck(
                False, checked + 1, prev, r.first, problem, event_id, "link", prev, r.entry_prev
            )
            target = session.scalar(select(AuditEvent.seq).where(AuditEvent.hash == r.entry_prev))
            return describe_link_target(broken, target)
        if not r.check.ok:
            intact = prev if r.check.broken_seq == r.first else r.check.head_hash
            return replace(r.check, checked=checked + r.check.checked, head_hash=intact)
        if r.check.checked:
            prev = r.check.head_hash
        checked += r.check.checked
        expected = r.first + r.check.checked
        if expected <= r.last and i + 1 < len(results):  # the range's last events are gone
            found = session.execute(
                select(AuditEvent.seq, AuditEvent.id).where(AuditEvent.seq > r.last).order_by(AuditEvent.seq)
            ).first()
            if found is not None:
                return seq_break(checked + 1, prev, expected, found.seq, found.id)
    return ChainCheck(True, checked, prev)

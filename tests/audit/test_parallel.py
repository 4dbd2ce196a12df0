"""verify over several processes gives exactly the serial walk's answer, intact or tampered."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, delete, insert, select, update

from app import dbctl
from audit import parallel as audit_parallel
from audit.log import append_event, verify_chain
from audit.parallel import verify_chain_parallel
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from tests.audit.tamper import privileged, swap_positions

N, WORKERS = 12, 3  # ranges 1-4, 5-8, 9-12
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

SCENARIOS: dict[str, Callable[[Connection], object]] = {
    "intact": lambda conn: None,
    "content at a range's start": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 5).values(actor="mallory")
    ),
    "link into a range": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 9).values(prev_hash="e" * 64)
    ),
    "a range's last event deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq == 8)),
    "a range's first event deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq == 5)),
    "swap across ranges": lambda conn: swap_positions(conn, 3, 10),
    "tail deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq >= 11)),
}


def test_parallel_verify_matches_the_serial_walk(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_parallel, "MIN_PER_WORKER", 2)  # split even this short chain
    engine: Engine = make_engine(db_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        for i in range(N):
            append_event(
                session=s, event_type="t", actor="alice", actor_role="admin", payload={"i": i},
                now=NOW + timedelta(seconds=i),
            )  # fmt: skip
    with engine.connect() as conn:
        original = [dict(r) for r in conn.execute(select(AuditEvent.__table__)).mappings()]
    pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
    try:
        for name, tamper in SCENARIOS.items():
            with privileged(engine) as conn:
                tamper(conn)
            with sessions() as s:
                serial = verify_chain(session=s)
            progressed: list[int] = []
            parallel = verify_chain_parallel(
                engine=engine, workers=WORKERS, progress=progressed.append, executor=pool
            )
            assert parallel == serial, name
            assert serial.ok == (name == "intact"), name
            assert len(progressed) == WORKERS
            with privileged(engine) as conn:  # back to the intact chain
                conn.execute(delete(AuditEvent))
                conn.execute(insert(AuditEvent.__table__), original)
    finally:
        pool.shutdown()
        engine.dispose()

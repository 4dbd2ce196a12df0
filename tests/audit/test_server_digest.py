"""verify with PostgreSQL computing the digests gives exactly the client walk's answer, intact or tampered."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from app import dbctl
from audit import server as audit_server
from audit.log import append_event, verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditChainHead, AuditEvent
from tests.audit.tamper import privileged, stored_payload_text, swap_positions

pytestmark = pytest.mark.postgres

N = 14
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def respell(conn: Connection, seq: int) -> None:
    """The same JSON value written differently: the SQL-built text no longer matches, the event does."""
    value = json.loads(stored_payload_text(conn, seq))
    conn.execute(
        text("UPDATE audit_events SET payload = :p WHERE seq = :s"),
        {"p": json.dumps(value, indent=1), "s": seq},
    )


SCENARIOS: dict[str, Callable[[Connection], object]] = {
    "intact": lambda conn: None,
    "content in a chunk": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 6).values(actor="mallory")
    ),
    "content at a chunk's start": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 5).values(payload={"i": 99})
    ),
    "link": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 9).values(prev_hash="e" * 64)
    ),
    "stored hash replaced": lambda conn: conn.execute(
        update(AuditEvent).where(AuditEvent.seq == 3).values(hash="d" * 64)
    ),
    "first event deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq == 1)),
    "a chunk's last event deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq == 8)),
    "a chunk's first event deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq == 5)),
    "a whole chunk deleted": lambda conn: conn.execute(
        delete(AuditEvent).where(AuditEvent.seq.between(5, 8))
    ),
    "swap": lambda conn: swap_positions(conn, 3, 10),
    "tail deleted": lambda conn: conn.execute(delete(AuditEvent).where(AuditEvent.seq >= 13)),
    "head moved": lambda conn: conn.execute(update(AuditChainHead).values(last_hash="f" * 64)),
    "respelled payload (a false alarm), then content": lambda conn: (
        respell(conn, 4),
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 11).values(actor_role="admin")),
    ),
    "respelled payloads only": lambda conn: (respell(conn, 4), respell(conn, 12)),
}


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    dbctl.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("chunk", [4, 1000])
def test_server_digests_match_the_client_walk(
    engine: Engine, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_server, "CHUNK", chunk)  # chunks 1-4, 5-8, 9-12, 13-14 (or one)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        for i in range(N):
            append_event(
                session=s, event_type="t", actor="alice", actor_role="reviewer",
                payload={"i": i, "w": "監査"}, now=NOW + timedelta(seconds=i), case_id=i if i % 2 else None,
            )  # fmt: skip
    with engine.connect() as conn:
        original = [dict(r) for r in conn.execute(select(AuditEvent.__table__)).mappings()]
        head = dict(conn.execute(select(AuditChainHead.__table__)).mappings().one())
    for name, tamper in SCENARIOS.items():
        with privileged(engine) as conn:
            tamper(conn)
        with sessions() as s:
            client = verify_chain(session=s, client_digests=True)
        progressed: list[int] = []
        with sessions() as s:
            server = verify_chain(session=s, progress=progressed.append)
        assert server == client, name
        assert server.ok == (name in {"intact", "respelled payloads only"}), name
        if server.ok:
            assert sum(progressed) == N, name
        with privileged(engine) as conn:  # back to the intact chain
            conn.execute(delete(AuditEvent))
            conn.execute(insert(AuditEvent.__table__), original)
            conn.execute(update(AuditChainHead).values(**head))


def test_a_blanked_column_is_caught(engine: Engine) -> None:
    """A NULL makes the SQL text NULL: both walks flag the row instead of passing (or crashing on) it."""
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        for i in range(3):
            append_event(session=s, event_type="t", actor="a", actor_role="admin", payload={"i": i}, now=NOW)
    with privileged(engine) as conn:
        conn.execute(text("ALTER TABLE audit_events ALTER COLUMN actor DROP NOT NULL"))
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor=None))
    with sessions() as s:
        check = verify_chain(session=s)
        assert not check.ok and check.broken_seq == 2 and check.kind == "content"
        assert verify_chain(session=s, client_digests=True) == check

"""The audit chain on both backends: linking, append-only triggers, tamper detection, concurrent appends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import (
    GENESIS_HASH,
    ChainCheck,
    append_event,
    canonical_json,
    compute_hash,
    event_fields,
    verify_chain,
)
from audit.sql import canonical_event_text
from db.engine import make_engine, make_session_factory
from db.models import AuditChainHead, AuditEvent
from tests.audit.tamper import privileged, stored_payload_text, swap_positions

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield engine
    engine.dispose()


def append_some(sessions: sessionmaker[Session], n: int) -> None:
    with sessions.begin() as s:
        for i in range(n):
            append_event(
                session=s,
                event_type="test",
                actor="alice",
                actor_role="admin",
                payload={"i": i, "text": "監査", "p": 2e-05},
                now=NOW + timedelta(seconds=i),
                request_id=f"req-{i}",
            )


def check(engine: Engine) -> ChainCheck:
    with Session(engine) as s:
        return verify_chain(session=s)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": "日本"}) == '{"a":"日本","b":1}'.encode()


def test_chain_links_and_detects_tampering(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    append_some(sessions, 3)
    with sessions() as s:
        events = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == GENESIS_HASH
        assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
        assert all(e.hash == compute_hash(event_fields(e), e.prev_hash) for e in events)
        result = verify_chain(session=s)
        assert result.ok and result.checked == 3 and result.head_hash == events[2].hash
        assert result.head_length == 3
    with privileged(engine) as conn:  # the database owner edits an event behind the application's back
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    result = check(engine)
    assert not result.ok and result.broken_seq == 2 and result.kind == "content"
    assert "contents" in (result.problem or "") and result.found == events[1].hash
    assert result.broken_id == events[1].id and result.checked == 2 and result.head_hash == events[0].hash


def test_triggers_reject_update_and_delete(engine: Engine) -> None:
    append_some(make_session_factory(engine), 2)
    statements = [
        update(AuditEvent).where(AuditEvent.seq == 1).values(actor="mallory"),
        update(AuditEvent).values(payload={"i": 0}),
        delete(AuditEvent).where(AuditEvent.seq == 2),
        delete(AuditEvent),
        update(AuditChainHead).values(length=1),  # rewinding the head
        delete(AuditChainHead),
    ]
    if engine.dialect.name == "postgresql":
        statements += [text("TRUNCATE audit_events"), text("TRUNCATE audit_chain_head")]
    for statement in statements:
        with pytest.raises(DBAPIError, match=r"append-only|only moves forward"), engine.begin() as conn:
            conn.execute(statement)
    result = check(engine)
    assert result.ok and result.checked == 2
    with engine.begin() as conn:  # the head may still be updated without moving back
        conn.execute(update(AuditChainHead).values(length=AuditChainHead.length))


def test_append_stores_exactly_what_it_hashes(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        event = append_event(
            session=s,
            event_type="test",
            actor="bob",
            actor_role="reviewer",
            payload={"z": (1, 2), "a": {"y": "ü", "x": 0.1}},
            now=NOW,
        )
        assert event.payload == {"a": {"x": 0.1, "y": "ü"}, "z": [1, 2]}
    with engine.connect() as conn:
        assert stored_payload_text(conn, 1) == '{"a":{"x":0.1,"y":"ü"},"z":[1,2]}'  # canonical text
    with pytest.raises(TypeError), sessions.begin() as s:  # not JSON: refused before anything is written
        append_event(session=s, event_type="t", actor="a", actor_role="admin", payload={"t": NOW}, now=NOW)
    assert check(engine).checked == 1


def test_the_database_builds_exactly_the_text_append_hashed(engine: Engine) -> None:
    """verify's fast path: the canonical JSON built in SQL is byte for byte what append_event hashed."""
    odd = ['a "quoted" \\ back', "line\nbreak\ttab\x01\x1f\x7f", "監査ログ 😀", "\u2028/</script>", ""]
    with make_session_factory(engine).begin() as s:
        for i, word in enumerate(odd):
            append_event(
                session=s,
                event_type=f"t.{word}"[:32],
                actor=word,
                actor_role="admin",
                payload={
                    "w": word,
                    "f": [0.1, 1e-06, 1e22, -0.0],
                    "n": None,
                    "b": True,
                    "nested": {"z": {}, "a": []},
                },
                now=NOW + timedelta(seconds=i, microseconds=(0, 1, 999999, 120000, 5)[i]),
                request_id=None if i % 2 else word[:36],
                case_id=None if i % 2 == 0 else 2**31 - 1,
            )
    with Session(engine) as s:
        built = canonical_event_text(engine.dialect.name)
        rows = s.execute(select(AuditEvent, built).order_by(AuditEvent.seq)).all()
        assert len(rows) == len(odd)
        for event, text_ in rows:
            assert text_.encode() == canonical_json({**event_fields(event), "prev_hash": event.prev_hash})


def test_payload_respelled_with_the_same_content_is_not_tampering(engine: Engine) -> None:
    append_some(make_session_factory(engine), 3)
    with engine.connect() as conn:
        original = json.loads(stored_payload_text(conn, 2))
    respelled = json.dumps(original, indent=1)  # other key order, spaces, \\u escapes: same JSON value
    with privileged(engine) as conn:
        conn.execute(text("UPDATE audit_events SET payload = :p WHERE seq = 2"), {"p": respelled})
        assert stored_payload_text(conn, 2) == respelled
    assert check(engine).ok  # the fast path misses, the reference path confirms


def test_verify_reports_a_deleted_event_and_a_reordering(engine: Engine) -> None:
    append_some(make_session_factory(engine), 6)
    with privileged(engine) as conn:
        swap_positions(conn, 2, 4)
    result = check(engine)
    assert not result.ok and result.broken_seq == 2 and result.kind == "reordered"
    assert "reordered" in (result.problem or "")
    with privileged(engine) as conn:
        swap_positions(conn, 2, 4)
        conn.execute(text("DELETE FROM audit_events WHERE seq = 5"))
    result = check(engine)
    assert not result.ok and result.broken_seq == 5 and result.kind == "missing"
    assert "seq 5 missing" in (result.problem or "") and (result.expected, result.found) == ("5", "6")


def test_verify_compares_the_end_of_the_chain_with_the_head(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    append_some(sessions, 4)
    with privileged(engine) as conn:  # the last event deleted: the chain itself still links
        conn.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    result = check(engine)
    assert not result.ok and result.kind == "truncated" and result.broken_seq == 4
    with privileged(engine) as conn:  # ... and the head rewound too: now the tail loss is invisible to it
        last = conn.execute(select(AuditEvent.hash).where(AuditEvent.seq == 3)).scalar_one()
        conn.execute(update(AuditChainHead).values(length=3, last_hash=last))
    assert check(engine).ok  # (which is why exports carry the head hash: see test_audit_export)
    with engine.begin() as conn:  # an event written around append_event, past the head
        prev = conn.execute(select(AuditEvent.hash).where(AuditEvent.seq == 3)).scalar_one()
        fields = {
            "seq": 4,
            "created_at": NOW.isoformat(),
            "event_type": "x",
            "actor": "m",
            "actor_role": "admin",
            "request_id": None,
            "case_id": None,
            "payload": {},
        }
        row = {**fields, "created_at": NOW, "prev_hash": prev, "hash": compute_hash(fields, prev)}
        conn.execute(insert(AuditEvent), [row])
    result = check(engine)
    assert not result.ok and result.kind == "beyond_head" and result.broken_seq == 4
    with privileged(engine) as conn:  # ... or beside the chain, at a seq it never uses
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(seq=0))
    result = check(engine)
    assert not result.ok and result.kind == "beyond_head" and result.broken_seq == 0


def test_verify_reports_a_missing_chain_head(engine: Engine) -> None:
    with privileged(engine) as conn:
        conn.execute(delete(AuditChainHead))
    result = check(engine)
    assert not result.ok and result.kind == "head"


def test_concurrent_appends_keep_one_linear_chain(engine: Engine) -> None:
    """8 writers x 50 appends, one transaction each: one chain, no fork, no gap, every link intact."""
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []
    threads_n, per_thread = 8, 50

    def writer(name: str) -> None:
        try:
            for i in range(per_thread):
                with sessions.begin() as s:
                    append_event(
                        session=s,
                        event_type="test",
                        actor=name,
                        actor_role="system",
                        payload={"i": i},
                        now=datetime.now(UTC),
                    )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = threads_n * per_thread
    with sessions() as s:
        rows = s.execute(
            select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.seq)
        )
        events = rows.all()
        head = s.execute(select(AuditChainHead)).scalar_one()
        result = verify_chain(session=s)
    assert [e.seq for e in events] == list(range(1, total + 1))
    assert [e.prev_hash for e in events] == [GENESIS_HASH] + [e.hash for e in events[:-1]]
    assert len({e.prev_hash for e in events}) == total  # no two events share a predecessor: no fork
    assert (head.length, head.last_hash) == (total, events[-1].hash)
    assert result.ok and result.checked == total

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select, text

from app import dbctl
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from review.audit import GENESIS_HASH, append_event, canonical_json, verify_chain

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": "日本"}) == '{"a":"日本","b":1}'.encode()


def test_chain_links_and_detects_tampering(db_url: str) -> None:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        for i in range(3):
            append_event(
                session=s,
                event_type="test",
                actor="alice",
                actor_role="admin",
                payload={"i": i, "text": "監査"},
                now=NOW,
            )
    with sessions() as s:
        events = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == GENESIS_HASH
        assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
        check = verify_chain(session=s)
        assert check.ok and check.checked == 3 and check.head_hash == events[2].hash
    with engine.begin() as conn:  # someone edits an event behind the application's back
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    with sessions() as s:
        check = verify_chain(session=s)
        assert not check.ok and check.broken_seq == 2 and "contents" in (check.problem or "")
    engine.dispose()


def test_concurrent_appends_do_not_fork_the_chain(db_url: str) -> None:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(5):
                with sessions.begin() as s:
                    append_event(
                        session=s,
                        event_type="test",
                        actor=name,
                        actor_role="system",
                        payload={"i": i},
                        now=NOW,
                    )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as s:
        check = verify_chain(session=s)
    assert check.ok and check.checked == 20
    engine.dispose()

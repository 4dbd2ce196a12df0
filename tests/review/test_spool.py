"""The audit spool file on its own: concurrent appends, torn lines, replay bookkeeping."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, DecisionRecord
from review.queue import QueueConfig
from review.records import AnswerFailure, record_answer, record_decision
from review.spool import AuditSpool, SpoolEntry
from tests.review.factories import new_decision

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _entry(n: int) -> SpoolEntry:
    new = replace(new_decision("REFUSE"), request_id=f"00000000-0000-0000-0000-{n:012d}")
    return SpoolEntry.decision(new, now=NOW)


@pytest.fixture
def migrated_sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def test_concurrent_appends_give_whole_lines(tmp_path: Path) -> None:
    spool = AuditSpool(tmp_path / "spool.jsonl")

    def writer(base: int) -> None:
        for i in range(25):
            spool.add([_entry(base * 100 + i)])

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = spool.entries()
    assert spool.pending() == len(entries) == 200
    assert len({e.request_id for e in entries}) == 200
    assert all("spooled" in e.data["flags"] for e in entries)


def test_replay_writes_in_order_sets_torn_lines_aside_and_is_idempotent(
    tmp_path: Path, migrated_sessions: sessionmaker[Session]
) -> None:
    spool = AuditSpool(tmp_path / "spool.jsonl")
    spool.add([_entry(1), _entry(2)])
    with open(spool.path, "ab") as fh:  # a line torn by a crash mid-write, then a good one after it
        fh.write(b'{"kind": "decision", "request_id": "x\n')
    spool.add([_entry(3)])
    result = spool.replay(sessions=migrated_sessions, queue=QueueConfig())
    assert (result.replayed, result.skipped, result.remaining, result.set_aside) == (3, 0, 0, 1)
    assert not spool.path.exists() and spool.rejected_path.read_bytes().startswith(b'{"kind": "decision"')
    with migrated_sessions() as s:
        rows = s.scalars(select(DecisionRecord).order_by(DecisionRecord.id)).all()
        assert [r.request_id[-1] for r in rows] == ["1", "2", "3"]
        assert rows[0].created_at.replace(tzinfo=UTC) == NOW  # the time of the request, not of the replay
        assert verify_chain(session=s).ok
    spool.add([_entry(2)])  # already in the database (e.g. a commit whose confirmation was lost)
    again = spool.replay(sessions=migrated_sessions, queue=QueueConfig())
    assert (again.replayed, again.skipped, again.remaining) == (0, 1, 0)
    with migrated_sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRecord)) == 3


def test_replay_against_a_dead_database_keeps_everything(tmp_path: Path) -> None:
    spool = AuditSpool(tmp_path / "spool.jsonl")
    spool.add([_entry(1), _entry(2)])
    before = spool.path.read_bytes()
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")  # cannot even be opened
    result = spool.replay(sessions=make_session_factory(engine), queue=QueueConfig())
    assert result.replayed == 0 and result.remaining == 2 and result.error is not None
    assert spool.path.read_bytes() == before
    assert [json.loads(line)["request_id"][-1] for line in before.splitlines()] == ["1", "2"]


def test_a_withheld_answer_whose_commit_landed_unconfirmed_is_revised_on_replay(
    tmp_path: Path, migrated_sessions: sessionmaker[Session]
) -> None:
    """The answer's commit reached the database but its confirmation was lost, so the user got the
    refusal: replay applies the revision anyway, so the record says what the user was shown (found by
    tests/faults/test_db_restart.py, where it happened under 20 users and a cut connection)."""
    new = replace(new_decision("ALLOW"), request_id="00000000-0000-0000-0000-000000000042")
    with migrated_sessions.begin() as s:
        recorded = record_decision(session=s, new=new, now=NOW, queue=QueueConfig())
        record_answer(
            session=s,
            decision_id=recorded.decision_id,
            answer="the answer",
            failure=None,
            latency_ms=1.0,
            now=NOW,
            queue=QueueConfig(),
        )
    failure = AnswerFailure("REFUSE", "DB_UNAVAILABLE", "could not record", "OperationalError")
    spool = AuditSpool(tmp_path / "spool.jsonl")
    spool.add([SpoolEntry.answer_withheld(new.request_id, failure, latency_ms=2.0, now=NOW)])
    result = spool.replay(sessions=migrated_sessions, queue=QueueConfig())
    assert (result.replayed, result.skipped, result.remaining) == (1, 0, 0)
    with migrated_sessions() as s:
        row = s.scalar(select(DecisionRecord).where(DecisionRecord.request_id == new.request_id))
        assert row is not None and (row.decision, row.task_response) == ("REFUSE", None)
        kinds = s.scalars(select(AuditEvent.event_type).order_by(AuditEvent.seq)).all()
        assert kinds == ["decision", "answer", "decision.revised"] and verify_chain(session=s).ok
    spool.add([SpoolEntry.answer_withheld(new.request_id, failure, latency_ms=2.0, now=NOW)])
    assert spool.replay(sessions=migrated_sessions, queue=QueueConfig()).skipped == 1  # idempotent

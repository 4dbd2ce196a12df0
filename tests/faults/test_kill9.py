"""kill -9 of a serving replica while requests are being answered: no half-written record, the chain
verifies, no client holds a 200 without its record, and a new replica on the same database serves and
chains its first decision onto what the killed one left.

A real ``so8t serve`` process on a fresh PostgreSQL database, the tiny model with a forced-ALLOW head and
``SO8T_MAX_NEW_TOKENS=4096`` (about 6 s of decoding per answer alone, far longer with eight sharing the
model), so the SIGKILL lands while every first-wave answer is being decoded; a second wave is sent just
before it, to catch requests in their prefill or their recording transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from app.identity.accounts import create_user
from audit.log import chain_head, verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, DecisionRecord
from tests.conftest import PASSWORD
from tests.faults.replica import Replica, ReplicaConfig

FIRST_WAVE, SECOND_WAVE = 8, 4
IN_FLIGHT_WITHIN_S = 60.0


@pytest.fixture
def sessions(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(postgres_url)
    dbctl.upgrade(engine)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        create_user(session=s, username="emp1", role="employee", password=PASSWORD, now=datetime.now(UTC))
    yield factory
    engine.dispose()


def count(
    sessions: sessionmaker[Session], model: type[DecisionRecord] | type[AuditEvent], **where: str
) -> int:
    with sessions() as s:
        query = select(func.count()).select_from(model).filter_by(**where)
        return s.scalar(query) or 0


@pytest.mark.postgres
def test_kill_9_mid_decode_leaves_whole_records_and_a_chain_the_next_replica_extends(
    postgres_url: str,
    sessions: sessionmaker[Session],
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
    tmp_path: Path,
) -> None:
    config = ReplicaConfig(postgres_url, tiny_model_dir, forced_heads["ALLOW"], tmp_path / "a", 4096)
    replica = Replica(config, "killed")
    outcomes: list[tuple[str, int, dict[str, object] | str]] = []
    lock = threading.Lock()
    try:
        headers = replica.token("emp1", PASSWORD)

        def ask(n: int) -> None:
            try:
                r = httpx.post(
                    f"{replica.base_url}/v1/agent/run",
                    json={"user_request": f"Draft a long report number {n}"},
                    headers=headers,
                    timeout=300,
                )
                outcome: tuple[str, int, dict[str, object] | str] = ("response", r.status_code, r.json())
            except httpx.HTTPError as exc:  # the server died under it
                outcome = ("connection error", 0, type(exc).__name__)
            with lock:
                outcomes.append(outcome)

        first = [threading.Thread(target=ask, args=(n,)) for n in range(FIRST_WAVE)]
        for t in first:
            t.start()
        deadline = time.monotonic() + IN_FLIGHT_WITHIN_S
        while count(sessions, DecisionRecord) < FIRST_WAVE:  # all decided and committed: now decoding
            assert time.monotonic() < deadline, f"not all requests decided in time:\n{replica.log()}"
            time.sleep(0.05)
        assert count(sessions, AuditEvent, event_type="answer") == 0  # no answer finished: mid-decode
        second = [
            threading.Thread(target=ask, args=(n,)) for n in range(FIRST_WAVE, FIRST_WAVE + SECOND_WAVE)
        ]
        for t in second:
            t.start()
        time.sleep(0.05)  # some of these are in their prefill or recording now
        replica.kill()
        for t in first + second:
            t.join(timeout=60)
    finally:
        replica.stop()

    assert len(outcomes) == FIRST_WAVE + SECOND_WAVE
    with sessions() as s:
        rows = {r.request_id: r for r in s.scalars(select(DecisionRecord))}
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.request_id.is_not(None))))
        decision_events = [e.request_id for e in events if e.event_type == "decision"]
        # no half-written record: each row has exactly one decision event, and no event lacks its row
        assert sorted(decision_events) == sorted(rows) and len(rows) >= FIRST_WAVE
        assert {e.request_id for e in events} <= set(rows)
        for row in rows.values():  # killed mid-decode: the ALLOW is recorded, no answer was given
            assert row.decision == "ALLOW" and row.task_response is None
        check = verify_chain(session=s)
        assert check.ok, check.problem
        head = chain_head(session=s)
        assert head is not None
    for kind, status, body in outcomes:  # never a 200 without its record
        if kind == "response":
            assert status == 200 and isinstance(body, dict) and body["request_id"] in rows, (status, body)
    assert sum(kind == "connection error" for kind, _, _ in outcomes) >= FIRST_WAVE

    second_config = ReplicaConfig(postgres_url, tiny_model_dir, forced_heads["ALLOW"], tmp_path / "b", 8)
    successor = Replica(second_config, "successor")
    try:
        r = httpx.post(
            f"{successor.base_url}/v1/agent/run",
            json={"user_request": "Draft a polite meeting agenda"},
            headers=successor.token("emp1", PASSWORD),
            timeout=120,
        )
    finally:
        successor.stop()
    assert r.status_code == 200 and r.json()["decision"] == "ALLOW", r.text
    with sessions() as s:
        new = s.scalars(
            select(AuditEvent).where(AuditEvent.request_id == r.json()["request_id"]).order_by(AuditEvent.seq)
        ).all()
        assert [e.event_type for e in new] == ["decision", "answer"]
        assert new[0].seq > head.length  # after everything the killed replica wrote
        joint = s.scalars(select(AuditEvent).where(AuditEvent.seq == head.length + 1)).one()
        assert joint.prev_hash == head.last_hash  # the successor's first event links onto the old head
        check = verify_chain(session=s)
        assert check.ok, check.problem

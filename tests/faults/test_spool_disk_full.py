"""A full disk under the audit spool while the database is away: the request is still refused (503, a
clear message, no traceback, no hang), the log says which requests went unrecorded and why, the
not-recorded counter moves, and nothing half-written is left for a later replay to trip over. A spool
whose last line was torn by a crash replays the rest and sets the torn line aside.

The full disk is real: ``/dev/full`` (every write fails with ENOSPC; the spool path is a symlink to it,
so the lock file lands in the test's folder, not in /dev) and, for a write that runs out of room
part-way, a file size limit (``RLIMIT_FSIZE``) in a child process."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app import dbctl
from app.main import create_api
from app.services import Services
from app.serving.recording import NOT_RECORDED
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import DecisionRecord
from review.queue import QueueConfig
from review.records import NewDecision
from review.spool import AuditSpool, ReplayResult, SpoolEntry, SpoolError
from tests.conftest import add_user, bearer
from tests.faults import CuttableProxy

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ANSWER_WITHIN_S = 30.0  # a refusal must come back, not hang on the spool


def refusal(n: int = 0) -> SpoolEntry:
    """A spooled DB_UNAVAILABLE refusal, as the recorder writes one."""
    new = NewDecision(
        request_id=str(uuid.uuid4()),
        user_name="emp1",
        user_role="employee",
        context="",
        request_text=f"Draft note {n} for the team",
        decision="REFUSE",
        reason_code="DB_UNAVAILABLE",
        confidence=0.0,
        probabilities={"ALLOW": 0.9, "ESCALATE": 0.05, "REFUSE": 0.05},
        rationale="The database is unavailable; please try again.",
        task_response=None,
        model_version="tiny-qwen2+test",
        policy_version="test",
        latency_ms=1.0,
        flags=["model_decision:ALLOW"],
        error="database unavailable: OperationalError: connection refused",
        excerpt=f"Draft note {n} for the team",
    )
    return SpoolEntry.decision(new, now=NOW)


def replay_into_sqlite(spool: AuditSpool, url: str) -> tuple[ReplayResult, list[str], bool]:
    """Replay ``spool`` into a fresh migrated SQLite database: (result, request ids there, chain ok)."""
    engine = make_engine(url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    result = spool.replay(sessions=sessions, queue=QueueConfig())
    with sessions() as s:
        ids = list(s.scalars(select(DecisionRecord.request_id).order_by(DecisionRecord.id)))
        ok = verify_chain(session=s).ok
    engine.dispose()
    return result, ids, ok


@pytest.mark.postgres
def test_database_cut_and_disk_full_refuses_clearly_and_leaves_nothing_half_written(
    postgres_url: str,
    make_services: Callable[..., Services],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spool_path = tmp_path / "spool" / "audit-spool.jsonl"
    spool_path.parent.mkdir()
    spool_path.symlink_to("/dev/full")  # every write: ENOSPC
    url = make_url(postgres_url)
    with CuttableProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        services = make_services(
            proxied, "ALLOW", audit_spool_path=spool_path, sweep_interval_seconds=1, rate_limit_per_user=0
        )
        add_user(services, "emp1")
        headers = bearer(services, "emp1")
        metrics = services.telemetry.metrics.registry
        with TestClient(create_api(services)) as client, ThreadPoolExecutor(4) as pool:  # sweeper runs
            proxy.cut()

            def ask(n: int) -> tuple[int, dict[str, object], dict[str, str]]:
                r = client.post("/v1/agent/run", json={"user_request": f"Draft note {n}"}, headers=headers)
                return r.status_code, r.json(), dict(r.headers)

            with caplog.at_level(logging.CRITICAL, logger="app.serving.agent"):
                answers = [f.result(ANSWER_WITHIN_S) for f in [pool.submit(ask, n) for n in range(4)]]
            for status, body, head in answers:
                assert status == 503 and body == {"detail": NOT_RECORDED}, body  # no traceback, no stack
                assert head["retry-after"] == "30"
            lost = [r for r in caplog.records if getattr(r, "event", None) == "audit_spool_failed"]
            assert len(lost) == 4
            assert "No space left on device" in lost[0].getMessage() and lost[0].exc_info is None
            assert "REFUSE DB_UNAVAILABLE" in lost[0].getMessage()
            assert metrics.get_sample_value("so8t_agent_requests_total", {"outcome": "not_recorded"}) == 4
            assert metrics.get_sample_value("so8t_db_errors_total", {"operation": "record"}) == 4
            assert metrics.get_sample_value("so8t_audit_unkept_records_total") == 4

            ready = pool.submit(client.get, "/readyz").result(ANSWER_WITHIN_S)  # the device is never read
            assert ready.status_code == 503 and ready.json()["database"] is False
            assert ready.json()["audit_spool_pending"] == 0

            proxy.restore()
            status, body, _ = ask(99)
            assert status == 200 and body["decision"] == "ALLOW", body
        assert sorted(p.name for p in spool_path.parent.iterdir()) == [
            "audit-spool.jsonl",
            "audit-spool.jsonl.lock",
        ]  # no temporary or set-aside file: nothing half-written
        with services.sessions() as s:
            assert list(s.scalars(select(DecisionRecord.request_id))) == [body["request_id"]]
            assert verify_chain(session=s).ok
        services.engine.dispose()


def test_a_device_as_spool_path_is_never_read_and_writes_fail_as_spool_errors(tmp_path: Path) -> None:
    device = AuditSpool(Path("/dev/full"))  # reading it would never end (zeros for ever)
    assert device.pending() == 0 and device.entries() == []
    sessions = make_session_factory(make_engine("sqlite://"))  # never reached: nothing to replay
    assert device.replay(sessions=sessions, queue=QueueConfig()) == ReplayResult(0, 0, 0)
    link = tmp_path / "audit-spool.jsonl"
    link.symlink_to("/dev/full")
    with pytest.raises(SpoolError, match="No space left on device"):
        AuditSpool(link).add([refusal()])


CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from review.spool import AuditSpool, SpoolError
    from tests.faults.test_spool_disk_full import refusal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over the limit: EFBIG, not a killed process
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    spool, written = AuditSpool(Path(sys.argv[1])), 0
    for n in range(1000):
        try:
            spool.add([refusal(n), refusal(n + 1)])  # two lines per append: one may fit, the other not
        except SpoolError as exc:
            print(written, exc)
            break
        written += 2
    """
)


def test_an_append_that_runs_out_of_room_leaves_no_partial_line(tmp_path: Path) -> None:
    line = len(refusal().line())
    path, limit = tmp_path / "audit-spool.jsonl", 5 * line + line // 2  # the 6th line would not fit
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(limit)],
        cwd=ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    written, error = child.stdout.split(" ", 1)
    assert "File too large" in error and int(written) == 4  # the 3rd append (lines 5 and 6) failed
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and len(raw) < limit  # the 5th line, written before the 6th failed: gone
    assert [json.loads(x)["kind"] for x in raw.splitlines()] == ["decision"] * 4
    result, ids, chain_ok = replay_into_sqlite(AuditSpool(path), f"sqlite:///{tmp_path / 'replay.db'}")
    assert (result.replayed, result.set_aside, result.remaining) == (4, 0, 0)
    assert len(ids) == 4 and chain_ok


def test_a_torn_last_line_is_set_aside_and_the_rest_replays(tmp_path: Path) -> None:
    spool = AuditSpool(tmp_path / "audit-spool.jsonl")
    first, second, torn, after = refusal(1), refusal(2), refusal(3), refusal(4)
    spool.add([first, second])
    with open(spool.path, "ab") as fh:  # a crash in the middle of writing the third line
        fh.write(torn.line()[: len(torn.line()) // 2])
    spool.add([after])  # the next append starts on a line of its own: the torn line does not swallow it
    assert spool.pending() == 4 and [e.request_id for e in spool.entries()] == [
        first.request_id,
        second.request_id,
        after.request_id,
    ]
    result, ids, chain_ok = replay_into_sqlite(spool, f"sqlite:///{tmp_path / 'replay.db'}")
    assert (result.replayed, result.set_aside, result.remaining) == (3, 1, 0)
    assert ids == [first.request_id, second.request_id, after.request_id] and chain_ok
    assert spool.pending() == 0 and not spool.path.exists()
    assert spool.rejected_path.read_bytes() == torn.line()[: len(torn.line()) // 2] + b"\n"

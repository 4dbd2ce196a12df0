"""Many replicas behave as one: two real ``so8t serve`` processes on one PostgreSQL database and one Redis.

The acceptance test starts two servers (subprocesses, their own ports, ``--no-migrate`` after one
``so8t db upgrade``) with the tiny model forced to ESCALATE, a per-user rate limit in Redis and a 1 s
SLA sweep in each. 50 employees chat through both replicas while 16 reviewers claim and decide cases,
alternating replicas, until the queue is empty. Then: no case was claimed or decided twice, the audit
log is one chain (``so8t audit verify``; seq 1..n without a gap), each user got exactly the limit's
successes across both replicas and then 429 with Retry-After (also for a burst sent to both replicas at
once), and a case driven past its fail-safe limit got exactly one fail-safe: while the test holds the
sweep lock both replicas' sweeps skip (their debug lines say so, and nothing changes), once it lets go
one pass applies it.

Redis: ``SO8T_TEST_REDIS_URL_REPLICAS`` (default database 14 of 127.0.0.1:6379, which no other test uses);
the test's users have names of their own, and their limit keys are deleted afterwards.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from argon2 import PasswordHasher
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.identity import accounts
from app.identity.accounts import create_user
from app.identity.auth import TokenSigner
from db.engine import make_engine, make_session_factory
from db.locks import LockKey, try_cluster_lock
from db.models import AuditEvent, Case, CaseReview
from db.statuses import CaseOutcome, CaseStatus
from review.queue import QueueConfig
from review.sla import sweep
from tests.faults.replica import Replica, ReplicaConfig
from tests.review.factories import make_cases

pytestmark = pytest.mark.postgres

REDIS_URL = os.environ.get("SO8T_TEST_REDIS_URL_REPLICAS", "redis://127.0.0.1:6379/14")
SECRET_KEY = "two-replicas-signing-key"
PASSWORD = "correct-horse-battery"
LIMIT = 2  # chat requests per user per window (an hour: nothing slides out during the test)
CHAT_USERS, REVIEWERS = 50, 16
SWEEP_INTERVAL_S = 1
SO8T = str(Path(sys.executable).with_name("so8t"))


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); start it")
    yield client
    client.close()


def _so8t(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SO8T, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _events(sessions: sessionmaker[Session], event_type: str) -> Counter[int]:
    """case id -> how many ``event_type`` audit events it has."""
    with sessions() as s:
        rows = s.scalars(select(AuditEvent.case_id).where(AuditEvent.event_type == event_type))
        return Counter(int(c) for c in rows if c is not None)


def test_two_replicas_on_one_database_behave_as_one(
    postgres_url: str,
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
    redis_db: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    run = uuid.uuid4().hex[:6]
    settings = {
        "SO8T_REDIS_URL": REDIS_URL,
        "SO8T_SECRET_KEY": SECRET_KEY,  # one key: a token from either replica is good at both
        "SO8T_RATE_LIMIT_PER_USER": str(LIMIT),
        "SO8T_RATE_LIMIT_PER_IP": "0",  # every test client is 127.0.0.1
        "SO8T_RATE_LIMIT_WINDOW_SECONDS": "3600",
        "SO8T_SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL_S),
        "SO8T_LOG_LEVEL": "DEBUG",  # the sweeper's "skipped" line is a debug line
    }
    env = {**os.environ, "SO8T_DATABASE_URL": postgres_url, **settings}  # for the so8t commands run here
    env.pop("SO8T_AUDIT_SPOOL_PATH", None)
    upgraded = _so8t(env, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    upgrade_s = time.monotonic() - started

    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    employees = [f"emp-{run}-{i:02d}" for i in range(CHAT_USERS)]
    reviewers = [f"rev-{run}-{i:02d}" for i in range(REVIEWERS)]
    burster = f"burst-{run}"
    now = datetime.now(UTC)

    def add(username: str, role: str) -> None:
        with sessions.begin() as s:
            create_user(session=s, username=username, role=role, password=PASSWORD, now=now)

    add(reviewers[0], "reviewer")  # a user exists: neither replica creates a first admin
    replicas: list[Replica] = []
    try:
        for name in ("replica-a", "replica-b"):  # every request opens a case (forced ESCALATE)
            config = ReplicaConfig(
                postgres_url,
                tiny_model_dir,
                forced_heads["ESCALATE"],
                tmp_path / name,  # its own var/ and audit spool
                extra_env=tuple(settings.items()),
                migrate=False,
            )
            replicas.append(Replica(config, name, wait=False))
        # The other 66 accounts are made while the replicas load, by the same service, with argon2id
        # at its lowest cost (66 hashes at the default cost are ~16 CPU-seconds); they never sign in
        # with the password (their tokens are signed below), and the servers are not touched by this.
        monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        for user in [*employees, burster]:
            add(user, "employee")
        for user in reviewers[1:]:
            add(user, "reviewer")
        for replica in replicas:
            replica.wait_healthy()
        a, b = replicas
        boot_s = time.monotonic() - started

        # a token from replica A (sign-in through the API) is good at replica B; the rest are signed
        # with the shared key, as POST /v1/auth/token would sign them
        signed_in = httpx.post(
            f"{a.base_url}/v1/auth/token", data={"username": reviewers[0], "password": PASSWORD}, timeout=30
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        assert (
            httpx.get(f"{b.base_url}/v1/cases/stats", headers=_bearer(token), timeout=30).status_code == 200
        )
        signer = TokenSigner(SECRET_KEY.encode(), timedelta(hours=1))
        headers = {u: _bearer(signer.issue(u, datetime.now(UTC))) for u in employees + reviewers + [burster]}

        # -- phase 1: 50 employees chat through both replicas, 16 reviewers empty the queue ------------
        chat_results: dict[str, list[httpx.Response]] = {}
        claims: list[tuple[str, int, str]] = []  # (reviewer, case id, replica)
        decisions: list[tuple[str, int, int]] = []  # (reviewer, case id, HTTP status)
        chat_done = threading.Event()
        errors: list[str] = []
        lock = threading.Lock()

        def chat(i: int, user: str) -> None:
            with httpx.Client(timeout=60) as client:
                responses = [
                    client.post(
                        f"{replicas[(i + k) % 2].base_url}/v1/agent/run",
                        json={"user_request": f"May I forward the partner contract {i}-{k} to my home?"},
                        headers=headers[user],
                    )
                    for k in range(LIMIT + 1)
                ]
            with lock:
                chat_results[user] = responses

        def review(i: int, user: str) -> None:
            turn = i
            with httpx.Client(timeout=60) as client:
                while True:
                    done = chat_done.is_set()  # before the claim: a 204 after it means empty for good
                    here, there = replicas[turn % 2], replicas[(turn + 1) % 2]
                    turn += 1
                    claimed = client.post(f"{here.base_url}/v1/cases/claim", headers=headers[user])
                    if claimed.status_code == 204:
                        if done:
                            return
                        time.sleep(0.05)
                        continue
                    if claimed.status_code != 200:
                        errors.append(f"{user} claim: {claimed.status_code} {claimed.text}")
                        return
                    case_id = int(claimed.json()["id"])
                    with lock:
                        claims.append((user, case_id, here.name))
                    decided = client.post(
                        f"{there.base_url}/v1/cases/{case_id}/decide",
                        json={"verdict": "reject", "reason": "not to a private address"},
                        headers=headers[user],
                    )
                    with lock:
                        decisions.append((user, case_id, decided.status_code))

        phase1 = time.monotonic()
        with ThreadPoolExecutor(CHAT_USERS + REVIEWERS) as pool:
            reviewing = [pool.submit(review, i, u) for i, u in enumerate(reviewers)]
            chatting = [pool.submit(chat, i, u) for i, u in enumerate(employees)]
            for f in chatting:
                f.result()
            chat_done.set()
            for f in reviewing:
                f.result()
        phase1_s = time.monotonic() - phase1
        assert errors == []

        # the per-user limit holds across both replicas: exactly LIMIT successes each, then 429
        for user, responses in chat_results.items():
            codes = [r.status_code for r in responses]
            assert codes == [200] * LIMIT + [429], (user, codes, [r.text[:200] for r in responses])
            assert all(r.json()["decision"] == "ESCALATE" for r in responses[:LIMIT])
            assert int(responses[-1].headers["Retry-After"]) >= 1
        case_ids = {int(r.json()["case_id"]) for rs in chat_results.values() for r in rs[:LIMIT]}
        assert len(case_ids) == CHAT_USERS * LIMIT

        # no double claims: each case claimed once, by one reviewer, and decided exactly once by them
        claimed_ids = [case_id for _, case_id, _ in claims]
        assert sorted(claimed_ids) == sorted(case_ids), "every case claimed exactly once"
        holder = {case_id: user for user, case_id, _ in claims}
        assert all(status == 200 for _, _, status in decisions), Counter(s for _, _, s in decisions)
        assert sorted(case_id for _, case_id, _ in decisions) == sorted(case_ids)
        assert all(holder[case_id] == user for user, case_id, _ in decisions)
        assert len({user for user, _, _ in claims}) > 1 and {r for _, _, r in claims} == {a.name, b.name}
        with sessions() as s:
            per_case = Counter(s.scalars(select(CaseReview.case_id)))
            assert set(per_case) == case_ids and set(per_case.values()) == {1}
            statuses = Counter(s.scalars(select(Case.status)))
            assert statuses == {CaseStatus.DECIDED: len(case_ids)}
        assert set(_events(sessions, "case.claimed").values()) == {1}
        assert set(_events(sessions, "case.decided").values()) == {1}

        # -- phase 2: a burst to both replicas at once, and the sweep once cluster-wide ----------------
        with engine.connect() as holder_conn:  # the test holds the sweep lock: every replica must skip
            holder_conn.execute(select(func.pg_advisory_lock(int(LockKey.SLA_SWEEP))))
            holder_conn.commit()
            marks = {r.name: r.full_log().count("SLA sweep skipped") for r in replicas}

            barrier = threading.Barrier(4 * LIMIT)

            def burst(k: int) -> httpx.Response:
                barrier.wait()
                return httpx.post(
                    f"{replicas[k % 2].base_url}/v1/agent/run",
                    json={"user_request": f"Please send the salary table {k} outside"},
                    headers=headers[burster],
                    timeout=60,
                )

            with ThreadPoolExecutor(4 * LIMIT) as pool:
                burst_results = list(pool.map(burst, range(4 * LIMIT)))
            burst_codes = Counter(r.status_code for r in burst_results)
            assert burst_codes == {200: LIMIT, 429: 3 * LIMIT}, burst_codes
            assert all(int(r.headers["Retry-After"]) >= 1 for r in burst_results if r.status_code == 429)
            late = {int(r.json()["case_id"]) for r in burst_results if r.status_code == 200}

            with sessions.begin() as s:  # drive the new cases past their fail-safe limit
                s.execute(
                    update(Case)
                    .where(Case.id.in_(late))
                    .values(sla_due_at=datetime.now(UTC) - timedelta(hours=10))
                )
            time.sleep(2.5 * SWEEP_INTERVAL_S)  # two ticks or more in each replica
            with sessions() as s:
                assert set(s.scalars(select(Case.status).where(Case.id.in_(late)))) == {CaseStatus.OPEN}
            assert not _events(sessions, "case.fail_safe") and not _events(sessions, "case.overdue")
            for replica in replicas:
                assert replica.full_log().count("SLA sweep skipped") >= marks[replica.name] + 2, replica.name
            holder_conn.execute(select(func.pg_advisory_unlock(int(LockKey.SLA_SWEEP))))
            holder_conn.commit()

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sessions() as s:
                outcomes = set(s.scalars(select(Case.outcome).where(Case.id.in_(late))))
            if outcomes == {CaseOutcome.FAIL_SAFE}:
                break
            time.sleep(0.2)
        assert outcomes == {CaseOutcome.FAIL_SAFE}
        time.sleep(2.2 * SWEEP_INTERVAL_S)  # more passes in both replicas: none may apply it again
        assert _events(sessions, "case.fail_safe") == Counter({case_id: 1 for case_id in late})
        assert _events(sessions, "case.overdue") == Counter({case_id: 1 for case_id in late})
        applied = [
            int(m)
            for r in replicas
            for m in re.findall(r"SLA sweep: \d+ leases released, \d+ overdue, (\d+) fail-safe", r.full_log())
        ]
        assert sum(applied) == LIMIT  # the replicas' own lines: one pass, in one replica, did it

        # -- one linear audit chain ---------------------------------------------------------------------
        _stop(replicas)  # nothing is written after this
        verified = _so8t(env, tmp_path, "audit", "verify", "--json")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert '"ok": true' in verified.stdout
        with sessions() as s:
            seqs = list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        assert seqs == list(range(1, len(seqs) + 1))
        total_s = time.monotonic() - started
        print(
            f"\ntwo replicas: db upgrade {upgrade_s:.1f} s, boot {boot_s:.1f} s, phase 1 {phase1_s:.1f} s "
            f"({CHAT_USERS * (LIMIT + 1)} chat requests, {len(case_ids)} cases claimed and decided), "
            f"{len(seqs)} audit events, total {total_s:.1f} s"
        )
    finally:
        _stop(replicas)
        engine.dispose()
        for key in redis_db.scan_iter(match=f"so8t:rl:*{run}*"):
            redis_db.delete(key)


def _stop(replicas: list[Replica]) -> None:
    """SIGTERM to all, then wait for each (SIGKILL if one lingers)."""
    running = [r.process for r in replicas if r.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_sweep_that_does_not_get_the_lock_skips(postgres_url: str) -> None:
    """In one process: while one transaction holds the sweep lock, a second sweep skips and changes
    nothing; after the first ends, the next sweep does the work."""
    from app import dbctl

    engine = make_engine(postgres_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    config = QueueConfig()
    old = datetime.now(UTC) - timedelta(days=3)
    try:
        with sessions.begin() as s:
            (case_id,) = make_cases(s, 1, now=old, config=config)
        with sessions() as first, sessions() as second:
            with first.begin():
                assert try_cluster_lock(first, LockKey.SLA_SWEEP)
                with second.begin():
                    result = sweep(session=second, now=datetime.now(UTC), config=config)
                assert result.skipped and (result.marked_overdue, result.failed_safe) == (0, 0)
            with second.begin():
                result = sweep(session=second, now=datetime.now(UTC), config=config)
            assert not result.skipped and (result.marked_overdue, result.failed_safe) == (1, 1)
        with sessions() as s:
            case = s.get(Case, case_id)
            assert case is not None and case.outcome == CaseOutcome.FAIL_SAFE
            assert s.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")) == 0
    finally:
        engine.dispose()

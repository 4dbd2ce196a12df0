"""Fault benchmark (issue #31): what each fault does to requests and records, on scratch PostgreSQL
databases, with the tiny model forced to ALLOW (the path with the most to record: decision, then answer).

Faults (``--faults``, default all three):
- ``restart``: PostgreSQL restarted mid-traffic -- ``--users`` threads send ``--requests`` requests to the
  in-process API; a TCP proxy in front of the server (tests/faults/proxy.py) drops and refuses every
  connection from 25 % to 60 % of the responses. Afterwards the spool is replayed (``Sweeper.replay_spool``).
- ``disk_full``: the database cut and the audit spool on ``/dev/full`` (writes fail with ENOSPC) for all
  ``--requests``; then the database comes back and one more request is sent. ``logged``: the CRITICAL
  ``audit_spool_failed`` log lines, each naming the refused request ids.
- ``kill9``: a real ``so8t serve`` on a fresh database, ``SO8T_MAX_NEW_TOKENS=4096``; ``--requests``
  (at most 32) are sent at once and the process is SIGKILLed once every one is decided and decoding;
  then a second server on the same database answers one request.

Per fault: requests sent, answered (200), fail-closed (503), errors (anything else; for kill9 the
connection errors the kill causes are counted apart), records in the database, records spooled and
replayed, refusals recorded only in the log (the spool failed too), records lost (a response that
claimed a record -- a 200's request id, or the id a 503 names -- with no row; must be 0), half-written
records (a decision row without its audit event or an event without its row; must be 0), chain ok.

    .venv/bin/python bench/faults.py --requests 200
    .venv/bin/python bench/faults.py --requests 60 --faults restart,disk_full
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from load import tiny_model_settings  # bench/load.py (run from the repository root: bench/ is on the path)
from scratch_db import scratch_database
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/faults: the proxy and the replica process the fault tests use

from app import dbctl  # noqa: E402
from app.identity.accounts import create_user  # noqa: E402
from app.main import create_api  # noqa: E402
from app.ops.sweeper import Sweeper  # noqa: E402
from app.services import Services, build_services  # noqa: E402
from app.serving.loader import LoadedModel, load_model  # noqa: E402
from app.serving.recording import NOT_RECORDED  # noqa: E402
from app.settings import Settings  # noqa: E402
from audit.log import verify_chain  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.models import AuditEvent, DecisionRecord  # noqa: E402
from tests.faults.proxy import CuttableProxy  # noqa: E402
from tests.faults.replica import Replica, ReplicaConfig  # noqa: E402

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PASSWORD = "fault-bench-password"
PG_URL = os.environ.get("SO8T_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
KILL9_MAX = 32


@dataclass(frozen=True)
class FaultFigures:
    fault: str
    sent: int
    answered: int
    fail_closed: int
    errors: int
    killed_connections: int
    records_in_db: int
    spooled: int
    replayed: int
    log_only: int
    logged: int
    lost: int
    half_written: int
    chain_ok: bool
    seconds: float


Response = tuple[int, dict[str, Any]]


def claimed(responses: list[Response]) -> set[str]:
    """Request ids the responses say were recorded (a 200's, or the one a spooled refusal names)."""
    out = set()
    for status, body in responses:
        if status == 200:
            out.add(str(body["request_id"]))
        elif status == 503 and (found := UUID.findall(str(body.get("detail", "")))):
            out.add(found[0])
    return out


def audit_state(sessions: sessionmaker[Session]) -> tuple[set[str], int, bool]:
    """(decision request ids, half-written records, chain ok)."""
    with sessions() as s:
        rows = set(s.scalars(select(DecisionRecord.request_id)))
        decided = list(s.scalars(select(AuditEvent.request_id).where(AuditEvent.event_type == "decision")))
        events = set(s.scalars(select(AuditEvent.request_id).where(AuditEvent.request_id.is_not(None))))
        half = len(rows ^ set(decided)) + len(events - rows) + (len(decided) - len(set(decided)))
        return rows, half, verify_chain(session=s).ok


def decided(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return len(s.scalars(select(DecisionRecord.id)).all())


class SpoolFailures(logging.Handler):
    """Counts the log lines that name refusals recorded nowhere else (the spool failed too)."""

    def __init__(self) -> None:
        super().__init__(logging.CRITICAL)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += getattr(record, "event", None) == "audit_spool_failed"


def in_process(url: str, model: LoadedModel, tmp: Path, **overrides: Any) -> Services:
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": "fault-bench-key",
        "precedents": False,
        "pii_ner": False,
        "rate_limit_per_user": 0,
        "rate_limit_per_ip": 0,
        "model_reload_interval_seconds": 0,
        "sweep_interval_seconds": 0,  # the spool is replayed by hand after each fault
        "max_new_tokens": 8,
        "audit_spool_path": tmp / "audit-spool.jsonl",
    }
    settings = Settings(**(values | overrides), _env_file=None)  # type: ignore[call-arg]
    services = build_services(settings, model=model)
    dbctl.upgrade(services.engine)
    return services


def add_users(sessions: sessionmaker[Session], n: int) -> list[str]:
    with sessions.begin() as s:
        for i in range(n):
            create_user(
                session=s, username=f"emp{i}", role="employee", password=PASSWORD, now=datetime.now(UTC)
            )
    return [f"emp{i}" for i in range(n)]


def proxied(url: str, proxy: CuttableProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def send_all(client: TestClient, services: Services, users: list[str], total: int) -> list[Response]:
    """``total`` requests spread over one thread per user; responses in the order they came back."""
    responses: list[Response] = []
    lock = threading.Lock()
    tokens = {
        u: {"Authorization": f"Bearer {services.auth.signer.issue(u, datetime.now(UTC))}"} for u in users
    }

    def user(i: int) -> None:
        name = users[i]
        for n in range(i, total, len(users)):
            try:
                r = client.post(
                    "/v1/agent/run", json={"user_request": f"Draft note {n}"}, headers=tokens[name]
                )
                out: Response = (r.status_code, r.json())
            except Exception as exc:  # counted as an error
                out = (0, {"error": repr(exc)})
            with lock:
                responses.append(out)

    with ThreadPoolExecutor(len(users)) as pool:
        list(pool.map(user, range(len(users))))
    return responses


def figures(
    fault: str,
    responses: list[Response],
    sessions: sessionmaker[Session],
    *,
    replayed: int,
    started: float,
    killed: int = 0,
    logged: int = 0,
) -> FaultFigures:
    rows, half, chain_ok = audit_state(sessions)
    statuses = [code for code, _ in responses]
    spooled = sum(1 for code, body in responses if code == 503 and UUID.search(str(body.get("detail", ""))))
    return FaultFigures(
        fault=fault,
        sent=len(responses) + killed,
        answered=statuses.count(200),
        fail_closed=statuses.count(503),
        errors=sum(1 for c in statuses if c not in (200, 503)),
        killed_connections=killed,
        records_in_db=len(rows),
        spooled=spooled,
        replayed=replayed,
        log_only=sum(1 for code, body in responses if code == 503 and body.get("detail") == NOT_RECORDED),
        logged=logged,
        lost=len(claimed(responses) - rows),
        half_written=half,
        chain_ok=chain_ok,
        seconds=round(time.perf_counter() - started, 1),
    )


def replay(services: Services) -> int:
    sweeper = Sweeper(services.sessions, services.agent.queue, 0, spool=services.agent.spool)
    result = sweeper.replay_spool()
    return 0 if result is None else result.replayed


def run_restart(pg_url: str, model: LoadedModel, requests: int, users: int) -> FaultFigures:
    with scratch_database("postgres", pg_url, "so8t_faults") as url, tempfile.TemporaryDirectory() as tmp:
        target = make_url(url)
        with CuttableProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
            services = in_process(proxied(url, proxy), model, Path(tmp))
            names = add_users(services.sessions, users)
            client = TestClient(create_api(services))
            started = time.perf_counter()
            out: list[list[Response]] = []
            sender = threading.Thread(target=lambda: out.append(send_all(client, services, names, requests)))
            sender.start()
            registry = services.telemetry.metrics.registry

            def done() -> float:  # requests the agent finished, answered or refused
                return sum(
                    registry.get_sample_value("so8t_agent_requests_total", {"outcome": o}) or 0.0
                    for o in ("decided", "not_recorded")
                )

            while done() < requests * 0.25 and sender.is_alive():
                time.sleep(0.005)
            proxy.cut()
            while done() < requests * 0.60 and sender.is_alive():
                time.sleep(0.005)
            proxy.restore()
            sender.join()
            replayed = replay(services)
            result = figures("restart", out[0], services.sessions, replayed=replayed, started=started)
            services.engine.dispose()
            return result


def run_disk_full(pg_url: str, model: LoadedModel, requests: int, users: int) -> FaultFigures:
    with scratch_database("postgres", pg_url, "so8t_faults") as url, tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp) / "audit-spool.jsonl"
        spool.symlink_to("/dev/full")
        target = make_url(url)
        with CuttableProxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
            services = in_process(proxied(url, proxy), model, Path(tmp), audit_spool_path=spool)
            names = add_users(services.sessions, users)
            client = TestClient(create_api(services))
            started = time.perf_counter()
            counter = SpoolFailures()
            agent_log = logging.getLogger("app.serving.agent")
            agent_log.setLevel(logging.CRITICAL)  # its CRITICAL lines reach the counter, nothing else
            agent_log.propagate = False
            agent_log.addHandler(counter)
            try:
                proxy.cut()
                responses = send_all(client, services, names, requests)
                proxy.restore()
                responses += send_all(client, services, names[:1], 1)  # the database is back
            finally:
                agent_log.removeHandler(counter)
                agent_log.propagate = True
                agent_log.setLevel(logging.NOTSET)
            replayed = replay(services)
            result = figures(
                "disk_full",
                responses,
                services.sessions,
                replayed=replayed,
                started=started,
                logged=counter.count,
            )
            services.engine.dispose()
            return result


def run_kill9(pg_url: str, model_settings: dict[str, Any], requests: int) -> FaultFigures:
    n = min(requests, KILL9_MAX)
    with scratch_database("postgres", pg_url, "so8t_faults") as url, tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url)
        dbctl.upgrade(engine)
        sessions = make_session_factory(engine)
        add_users(sessions, 1)
        lm, head = Path(model_settings["model_name_or_path"]), Path(model_settings["head_dir"])
        replica = Replica(ReplicaConfig(url, lm, head, Path(tmp) / "a", 4096), "killed")
        started = time.perf_counter()
        headers = replica.token("emp0", PASSWORD)
        responses: list[Response] = []
        killed = [0]
        lock = threading.Lock()

        def ask(i: int) -> None:
            try:
                r = httpx.post(
                    f"{replica.base_url}/v1/agent/run",
                    json={"user_request": f"Draft a long report {i}"},
                    headers=headers,
                    timeout=600,
                )
                with lock:
                    responses.append((r.status_code, r.json()))
            except httpx.HTTPError:
                with lock:
                    killed[0] += 1

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while decided(sessions) < n and time.monotonic() < deadline:  # all decided: all decoding now
            time.sleep(0.05)
        replica.kill()
        for t in threads:
            t.join(timeout=60)
        successor = Replica(ReplicaConfig(url, lm, head, Path(tmp) / "b", 8), "successor")
        try:
            r = httpx.post(
                f"{successor.base_url}/v1/agent/run",
                json={"user_request": "Draft a polite meeting agenda"},
                headers=successor.token("emp0", PASSWORD),
                timeout=120,
            )
            responses.append((r.status_code, r.json()))
        finally:
            successor.stop()
        result = figures("kill9", responses, sessions, replayed=0, started=started, killed=killed[0])
        engine.dispose()
        return result


COLUMNS = (
    ("fault", "fault"),
    ("sent", "sent"),
    ("answered", "200"),
    ("fail_closed", "503"),
    ("errors", "errors"),
    ("killed_connections", "killed conn."),
    ("records_in_db", "records in DB"),
    ("spooled", "spooled"),
    ("replayed", "replayed"),
    ("log_only", "log only"),
    ("logged", "logged"),
    ("lost", "lost"),
    ("half_written", "half-written"),
    ("chain_ok", "chain ok"),
    ("seconds", "s"),
)


def table(rows: list[FaultFigures]) -> str:
    head = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(str(getattr(r, key)) for key, _ in COLUMNS) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per fault (kill9: at most 32)")
    parser.add_argument("--users", type=int, default=20, help="concurrent users (restart, disk_full)")
    parser.add_argument("--faults", default="restart,disk_full,kill9", help="comma-separated, in this order")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server for the scratch databases")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    wanted = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(wanted) - {"restart", "disk_full", "kill9"}
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")

    logging.getLogger().setLevel(logging.CRITICAL + 1)  # the faults' own log lines would flood the table
    rows: list[FaultFigures] = []
    with tempfile.TemporaryDirectory(prefix="so8t-faults-") as tmp:
        model_settings = tiny_model_settings(Path(tmp), 8, "ALLOW")
        model = load_model(Settings(**model_settings, _env_file=None))  # type: ignore[call-arg]
        for fault in wanted:
            if fault == "restart":
                rows.append(run_restart(args.pg_url, model, args.requests, args.users))
            elif fault == "disk_full":
                rows.append(run_disk_full(args.pg_url, model, args.requests, args.users))
            else:
                rows.append(run_kill9(args.pg_url, model_settings, args.requests))
            print(f"{fault}: done in {rows[-1].seconds} s", file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    if any(r.lost or r.half_written or not r.chain_ok or r.errors for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""PostgreSQL restarted twice under 20 concurrent users: every request during an outage is refused
(503 with its request id, nothing answered), its record is in the audit spool before the refusal is
sent, /readyz says the database is down, the server's own sweeper thread replays the spool once the
database is back, and afterwards the database holds exactly one record per response that claimed one
(records lost = 0) in a hash chain that verifies.

tests/integration/test_db_outage.py covers one cut with a manual replay; this adds the restart cycle,
the sweeper's replay and the spool-before-refusal order. The restart is ``CuttableProxy`` dropping and
refusing every connection (the shared server itself is never restarted)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.main import create_api
from app.services import Services
from audit.log import verify_chain
from db.models import AuditEvent, DecisionRecord
from tests.conftest import add_user, bearer
from tests.faults import CuttableProxy

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
USERS, PER_USER = 20, 6
OUTAGES = ((20, 50), (70, 100))  # (cut after this many responses, restore after this many)
DRAIN_WITHIN_S = 60.0


def claimed_id(status: int, body: dict[str, object]) -> str:
    """The request id a response says was recorded: the result's, or the one a refusal names."""
    if status == 200:
        return str(body["request_id"])
    [request_id] = UUID.findall(str(body["detail"]))
    return str(request_id)


@pytest.mark.postgres
def test_postgres_restarts_mid_traffic_fail_closed_and_lose_no_record(
    postgres_url: str, make_services: Callable[..., Services]
) -> None:
    url = make_url(postgres_url)
    with CuttableProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        services = make_services(
            proxied,
            "ALLOW",
            rate_limit_per_user=0,
            rate_limit_per_ip=0,
            sweep_interval_seconds=1,  # the server's sweeper replays the spool
            max_new_tokens=8,
        )
        names = [add_user(services, f"emp{i}").username for i in range(USERS)]
        tokens = {name: bearer(services, name) for name in names}
        spool = services.agent.spool
        assert spool is not None
        responses: list[tuple[int, dict[str, object]]] = []
        lock = threading.Lock()
        during: list[dict[str, object]] = []  # what each outage looked like from outside

        with TestClient(create_api(services)) as client:  # lifespan: the sweeper thread runs

            def user(name: str) -> None:
                for n in range(PER_USER):
                    r = client.post(
                        "/v1/agent/run",
                        json={"user_request": f"Draft note {n} for the team"},
                        headers=tokens[name],
                    )
                    with lock:
                        responses.append((r.status_code, r.json()))

            def wait_for(count: int) -> None:
                while len(responses) < count:
                    time.sleep(0.005)

            def restarts() -> None:
                for cut_at, restore_at in OUTAGES:
                    wait_for(cut_at)
                    proxy.cut()
                    with lock:
                        first = len(responses)
                    wait_for(restore_at)
                    with lock:  # every refusal of this outage was spooled before it was sent (those of an
                        # earlier outage may already be replayed out of the spool by the sweeper)
                        refused = {claimed_id(c, b) for c, b in responses[first:] if c == 503}
                    spooled = {e.request_id for e in spool.entries()}
                    ready = client.get("/readyz")
                    during.append(
                        {"unspooled": refused - spooled, "ready": ready.status_code, "body": ready.json()}
                    )
                    proxy.restore()

            controller = threading.Thread(target=restarts)
            controller.start()
            with ThreadPoolExecutor(USERS) as pool:
                list(pool.map(user, names))
            controller.join()
            deadline = time.monotonic() + DRAIN_WITHIN_S
            while spool.pending() and time.monotonic() < deadline:  # the sweeper's next ticks
                time.sleep(0.2)
            assert spool.pending() == 0, "the sweeper did not replay the spool"

        statuses = [code for code, _ in responses]
        assert set(statuses) <= {200, 503}, statuses  # no 500s, no tracebacks
        assert len(responses) == USERS * PER_USER and statuses.count(503) >= 2 * len(OUTAGES)
        assert len(during) == len(OUTAGES)
        for outage in during:
            assert outage["unspooled"] == set()
            assert outage["ready"] == 503 and outage["body"]["database"] is False  # type: ignore[index]
            assert outage["body"]["audit_spool_pending"] > 0  # type: ignore[index]
        for code, body in responses:
            if code == 503:
                assert "try again" in str(body["detail"]), body
        claimed = {claimed_id(code, body) for code, body in responses}
        assert len(claimed) == len(responses)  # one request id each, never reused

        with services.sessions() as s:
            rows = {r.request_id: r for r in s.scalars(select(DecisionRecord))}
            assert set(rows) == claimed  # records lost = 0, none recorded twice
            for code, body in responses:
                row = rows[claimed_id(code, body)]
                if code == 200:
                    assert (row.decision, row.task_response) == (body["decision"], body["task_response"])
                else:  # nothing the employee did not get is recorded as answered
                    assert row.decision == "REFUSE" and row.task_response is None
            decided = set(s.scalars(select(AuditEvent.request_id).where(AuditEvent.event_type == "decision")))
            assert decided == claimed  # every row has its decision event
            assert verify_chain(session=s).ok
        services.engine.dispose()

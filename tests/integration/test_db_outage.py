"""Database outages: requests are refused with a clear message, nothing is lost (the audit spool), the
spool is replayed into the hash chain when the database returns, and the schema check refuses to serve."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app import dbctl
from app.api.agent import DATABASE_DOWN
from app.main import create_api
from app.ops.sweeper import Sweeper
from app.services import Services
from app.serving.agent import RecordingError
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, DecisionRecord
from tests.conftest import add_user, bearer
from tests.faults import CuttableProxy

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _replay(services: Services) -> None:
    sweeper = Sweeper(services.sessions, services.agent.queue, 0, spool=services.agent.spool)
    result = sweeper.replay_spool()
    assert result is not None and result.error is None and result.remaining == 0


def test_refusal_during_an_outage_is_spooled_then_replayed_into_the_chain(
    db_url: str, make_services: Callable[..., Services], tmp_path: Path
) -> None:
    services = make_services(db_url, "ALLOW")
    dead = make_engine(f"sqlite:///{tmp_path / 'not-migrated.db'}")  # every write fails: no tables
    agent = replace(
        services.agent, recorder=replace(services.agent.recorder, sessions=make_session_factory(dead))
    )
    with pytest.raises(RecordingError, match="refused without being judged") as raised:
        agent.run("", "Draft a short email to my team", user="emp1")
    [request_id] = raised.value.request_ids
    assert request_id in str(raised.value) and services.agent.spool is not None
    assert services.agent.spool.pending() == 1
    _replay(services)
    assert services.agent.spool.pending() == 0
    with services.sessions() as s:
        row = s.scalars(select(DecisionRecord)).one()
        assert (row.request_id, row.decision, row.reason_code) == (request_id, "REFUSE", "DB_UNAVAILABLE")
        assert row.task_response is None and "model_decision:ALLOW" in row.flags and "spooled" in row.flags
        event = s.scalars(select(AuditEvent).where(AuditEvent.request_id == request_id)).one()
        assert event.payload["reason_code"] == "DB_UNAVAILABLE"
        assert "database unavailable" in event.payload["error"]
        assert verify_chain(session=s).ok
    dead.dispose()


def test_outage_between_decision_and_answer_withholds_the_answer(
    db_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(db_url, "ALLOW")
    assert services.agent.model is not None
    forwards: list[int] = []

    def break_database(*_: object) -> None:  # the database goes away while the answer is generated
        forwards.append(1)
        if len(forwards) == 2:
            with services.engine.begin() as conn:
                conn.execute(text("ALTER TABLE decisions RENAME TO decisions_away"))

    lm = services.agent.model.runtime.lm
    handle = lm.get_input_embeddings().register_forward_hook(break_database)
    try:
        with pytest.raises(RecordingError, match="refused") as raised:
            services.agent.run("", "Draft a short email to my team", user="emp1")
    finally:
        handle.remove()
    with services.engine.begin() as conn:  # the database is back
        conn.execute(text("ALTER TABLE decisions_away RENAME TO decisions"))
    _replay(services)
    with services.sessions() as s:
        row = s.scalars(select(DecisionRecord)).one()
        assert row.request_id == raised.value.request_ids[0]
        assert (row.decision, row.reason_code, row.task_response) == ("REFUSE", "DB_UNAVAILABLE", None)
        kinds = s.scalars(select(AuditEvent.event_type).order_by(AuditEvent.seq)).all()
        assert kinds == ["decision", "decision.revised"]  # the ALLOW, then why no answer came
        assert verify_chain(session=s).ok


@pytest.mark.postgres
def test_postgres_cut_during_a_burst_loses_no_request(
    postgres_url: str, make_services: Callable[..., Services]
) -> None:
    url = make_url(postgres_url)
    with CuttableProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        services = make_services(proxied, "ALLOW", rate_limit_per_user=0, rate_limit_per_ip=0)
        users = [add_user(services, f"emp{i}").username for i in range(6)]
        add_user(services, "rev1", "reviewer")
        client = TestClient(create_api(services))
        done, lock = [0], threading.Lock()
        outage_seen: list[int] = []

        def user_session(name: str) -> list[tuple[int, dict[str, object]]]:
            out = []
            for n in range(12):
                r = client.post(
                    "/v1/agent/run",
                    json={"user_request": f"Draft note {n} for the team"},
                    headers=bearer(services, name),
                )
                out.append((r.status_code, r.json()))
                with lock:
                    done[0] += 1
            return out

        def chaos() -> None:  # cut the connection to PostgreSQL mid-burst, then bring it back
            while done[0] < 15:
                threading.Event().wait(0.01)
            proxy.cut()
            while done[0] < 45:
                threading.Event().wait(0.01)
            status = client.get("/v1/cases", headers=bearer(services, "rev1"))  # another route, same outage
            outage_seen.append(status.status_code)
            assert "database" in status.json()["detail"].lower()
            proxy.restore()

        controller = threading.Thread(target=chaos)
        controller.start()
        with ThreadPoolExecutor(len(users)) as pool:
            responses = [r for batch in pool.map(user_session, users) for r in batch]
        controller.join()

        statuses = {code for code, _ in responses}
        assert statuses <= {200, 503}, statuses  # no 500s, no tracebacks
        refused = [body for code, body in responses if code == 503]
        answered = [body for code, body in responses if code == 200]
        assert refused and answered and outage_seen == [503]
        sent_ids = {str(body["request_id"]) for body in answered}
        for body in refused:
            detail = str(body["detail"])
            assert "try again" in detail and UUID.search(detail), detail
            sent_ids.add(UUID.findall(detail)[0])
        assert len(sent_ids) == len(responses) == 72

        _replay(services)
        with services.sessions() as s:
            rows = {r.request_id: r for r in s.scalars(select(DecisionRecord))}
            assert set(rows) == sent_ids  # every request is in the database, none twice
            for body in answered:
                assert rows[str(body["request_id"])].decision == body["decision"]
            for body in refused:  # nothing the employee did not get is recorded as answered
                assert rows[UUID.findall(str(body["detail"]))[0]].task_response is None
            assert verify_chain(session=s).ok
        services.engine.dispose()


def test_serving_is_refused_until_the_schema_is_at_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with pytest.raises(dbctl.SchemaNotAtHead, match="so8t db upgrade"):
        dbctl.require_head(engine)
    dbctl.upgrade(engine, "0002")
    with pytest.raises(dbctl.SchemaNotAtHead, match="at 0002"):
        dbctl.require_head(engine)
    dbctl.upgrade(engine)
    assert dbctl.require_head(engine) == dbctl.head(engine)
    engine.dispose()


def test_a_database_error_behind_any_route_is_a_clear_503(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    add_user(services, "rev1", "reviewer")
    with services.engine.begin() as conn:
        conn.execute(text("ALTER TABLE cases RENAME TO cases_away"))
    response = TestClient(create_api(services)).get("/v1/cases", headers=bearer(services, "rev1"))
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert response.json() == {"detail": DATABASE_DOWN}

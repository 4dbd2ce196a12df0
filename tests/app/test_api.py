from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_api, create_app
from app.services import Services
from tests.conftest import RUN_AGENT_KEYS, add_user, bearer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(sqlite_url: str, make_services: Callable[..., Services]) -> TestClient:
    services = make_services(sqlite_url, "ESCALATE")
    add_user(services, "emp1")
    return TestClient(create_app(services=services), headers=bearer(services, "emp1"))


def test_agent_needs_a_signed_in_user(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(sqlite_url, "ALLOW")
    anonymous = TestClient(create_app(services=services))
    response = anonymous.post("/v1/agent/run", json={"user_request": "hello"})
    assert response.status_code == 401 and "Bearer" in response.headers["www-authenticate"]
    forged = anonymous.post(
        "/v1/agent/run", json={"user_request": "hello"}, headers={"Authorization": "Bearer abc.def"}
    )
    assert forged.status_code == 401 and "invalid or expired" in forged.json()["detail"]


def test_run_returns_the_seed_contract(client: TestClient) -> None:
    response = client.post(
        "/v1/agent/run", json={"context": "", "user_request": "Give me HR records of Sato"}
    )
    assert response.status_code == 200
    body = response.json()
    for key in RUN_AGENT_KEYS:
        assert key in body
    assert body["decision"] == "ESCALATE" and body["human_required"] is True and body["case_id"] >= 1
    assert set(body["safety_probs"]) == {"ALLOW", "REFUSE", "ESCALATE"}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({}, "user_request: Field required"),
        ({"user_request": ""}, "user_request: String should have at least 1 character"),
        ({"user_request": 42}, "user_request: Input should be a valid string"),
        ({"user_request": "hi", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"user_request": "hi", "user": "someone-else"}, "user: Extra inputs are not permitted"),
    ],
)
def test_schema_errors_are_422_with_a_readable_message(
    client: TestClient, payload: dict[str, object], fragment: str
) -> None:
    response = client.post("/v1/agent/run", json=payload)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(("text", "fragment"), [(" \u200b ", "empty"), ("y" * 5000, "limit is 4000")])
def test_edge_validation_errors_are_422(client: TestClient, text: str, fragment: str) -> None:
    response = client.post("/v1/agent/run", json={"user_request": text})
    assert response.status_code == 422 and fragment in response.json()["detail"]


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] and ready.json()["model_loaded"]


def test_readiness_fails_without_a_model(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(sqlite_url, "ALLOW")
    services.agent.model, services.agent.model_error = None, "OSError: no weights"
    ready = TestClient(create_app(services=services)).get("/readyz")
    assert ready.status_code == 503 and ready.json()["model_loaded"] is False
    assert ready.json()["detail"] == "OSError: no weights"


def test_database_outage_is_503_not_a_traceback(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    add_user(services, "emp1")
    from sqlalchemy import text

    with services.engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_events"))
    client = TestClient(create_app(services=services), headers=bearer(services, "emp1"))
    response = client.post("/v1/agent/run", json={"user_request": "hello"})
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert "cannot record decisions right now" in response.json()["detail"]
    assert services.agent.spool is not None and services.agent.spool.pending() == 1


def test_docs_openapi_matches_the_running_app(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    live = TestClient(create_app(services=make_services(sqlite_url, "ALLOW"))).get("/openapi.json").json()
    assert live == committed, "docs/openapi.json is stale: run `so8t openapi`"
    assert live == create_api(make_services(sqlite_url, "ALLOW")).openapi()

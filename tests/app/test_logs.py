"""The structured decision log line: what an ELK pipeline receives, and what it must not."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.ops.logs import JsonFormatter
from app.services import Services
from app.web.middleware import RequestIdFilter
from tests.conftest import add_user, bearer

SECRET_TEXT = "Send the salary table of Yamada Taro to my private address"


def _decision_line(
    services: Services, caplog: pytest.LogCaptureFixture, role: str = "employee"
) -> dict[str, object]:
    add_user(services, "u1", role)
    client = TestClient(create_app(services=services), headers=bearer(services, "u1"))
    with caplog.at_level(logging.INFO, logger="app.decisions"):
        caplog.handler.addFilter(RequestIdFilter())
        response = client.post(
            "/v1/agent/run", json={"user_request": SECRET_TEXT}, headers={"X-Request-ID": "trace-7"}
        )
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "app.decisions"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry: dict[str, object] = json.loads(line)
    assert entry["decision_request_id"] == response.json()["request_id"]
    return entry


def test_the_decision_line_has_the_fields_and_no_request_text(
    sqlite_url: str, make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture
) -> None:
    services = make_services(sqlite_url, "REFUSE")
    entry = _decision_line(services, caplog, role="reviewer")
    assert entry["event"] == "decision" and entry["decision"] == "REFUSE" and entry["level"] == "INFO"
    assert entry["user_role"] == "reviewer" and entry["request_id"] == "trace-7"
    assert entry["model_version"] == services.agent.model_version
    assert entry["policy_version"] == services.agent.policy.version and entry["lang"] == "en"
    assert isinstance(entry["latency_ms"], float) and "ts" in entry
    assert "request_text" not in entry and "Yamada" not in json.dumps(entry)


def test_the_request_text_is_logged_only_when_configured(
    sqlite_url: str, make_services: Callable[..., Services], caplog: pytest.LogCaptureFixture
) -> None:
    entry = _decision_line(make_services(sqlite_url, "REFUSE", log_request_text=True), caplog)
    assert entry["request_text"] == SECRET_TEXT

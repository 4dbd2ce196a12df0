"""PII NER health reaches operators (issue #31): ``GET /readyz`` reports ``pii_ner`` (and why it is down in
``detail``) and ``so8t_pii_ner_up{mode}`` is scraped, on the app built as in production with
``SO8T_PII_NER=true``. GiNZA is made missing the way Python sees a missing package (``None`` in
``sys.modules`` blocks its import); what reviewers and the audit log then get follows ``pii_ner_down``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_app
from app.services import Services
from db.models import AuditEvent
from tests.app.scrape import MONITORING, scrape
from tests.conftest import add_user, bearer

NAME_AND_MAIL = "山田太郎さん（yamada@example.co.jp）の人事ファイルを送って"
ENGLISH = "Send the HR file of bob@example.com to me"


def hide_ginza(monkeypatch: pytest.MonkeyPatch) -> None:
    """GiNZA cannot be imported from now on (as if it were not installed); undone after the test."""
    monkeypatch.setitem(sys.modules, "ja_ginza", None)


def app_for(services: Services) -> TestClient:
    add_user(services, "emp1")
    add_user(services, "rev1", "reviewer")
    return TestClient(create_app(services=services), client=MONITORING)


def ask(client: TestClient, services: Services, text: str) -> dict[str, Any]:
    response = client.post("/v1/agent/run", json={"user_request": text}, headers=bearer(services, "emp1"))
    assert response.status_code == 200, response.text
    case: dict[str, Any] = client.get(
        f"/v1/cases/{response.json()['case_id']}", headers=bearer(services, "rev1")
    ).json()
    return case


def excerpts(services: Services) -> list[str]:
    with services.sessions() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "decision").order_by(AuditEvent.seq)
        )
        return [e.payload["input_excerpt"] for e in events]


def test_missing_ginza_fails_closed_and_readyz_and_metrics_say_so(
    sqlite_url: str, make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_ginza(monkeypatch)
    services = make_services(sqlite_url, "ESCALATE", pii_ner=True)  # pii_ner_down: fail_closed (default)
    client = app_for(services)
    ready = client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "ready"  # it still serves, masking everything
    assert body["pii_ner"] == "down"
    assert "PII NER down (fail_closed)" in body["detail"] and "'ja_ginza' is not installed" in body["detail"]
    assert scrape(client).value("so8t_pii_ner_up", mode="fail_closed") == 0.0
    japanese, english = ask(client, services, NAME_AND_MAIL), ask(client, services, ENGLISH)
    assert japanese["request"] == "[TEXT]" and japanese["excerpt"] == "[TEXT]"  # the reviewer sees no name
    assert english["request"] == "Send the HR file of [EMAIL] to me"  # never needed NER: masked as ever
    assert excerpts(services) == ["[TEXT]", "Send the HR file of [EMAIL] to me"]


def test_missing_ginza_degrades_to_patterns_when_asked(
    sqlite_url: str, make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_ginza(monkeypatch)
    services = make_services(sqlite_url, "ESCALATE", pii_ner=True, pii_ner_down="degrade")
    client = app_for(services)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["pii_ner"] == "down"
    assert "PII NER down (degrade)" in ready.json()["detail"]
    metrics = scrape(client)
    assert metrics.value("so8t_pii_ner_up", mode="degrade") == 0.0
    assert not metrics.has("so8t_pii_ner_up", mode="fail_closed")
    case = ask(client, services, NAME_AND_MAIL)
    assert "[EMAIL]" in case["request"] and "[TEXT]" not in case["request"]  # patterns only


def test_not_loaded_is_ready_and_up_until_the_load_fails(
    sqlite_url: str, make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = make_services(sqlite_url, "ESCALATE", pii_ner=True)
    client = app_for(services)  # no lifespan here: nothing has loaded GiNZA yet
    lazy = client.get("/readyz").json()
    assert lazy["pii_ner"] == "not_loaded" and lazy["detail"] is None and lazy["status"] == "ready"
    assert scrape(client).value("so8t_pii_ner_up", mode="fail_closed") == 1.0
    hide_ginza(monkeypatch)  # installed when the masker was built, gone when it first loads
    assert ask(client, services, NAME_AND_MAIL)["request"] == "[TEXT]"
    down = client.get("/readyz")
    assert down.status_code == 200 and down.json()["pii_ner"] == "down"
    assert "'ja_ginza' failed to load" in down.json()["detail"]
    assert scrape(client).value("so8t_pii_ner_up", mode="fail_closed") == 0.0


def test_ner_off_is_reported_and_has_no_sample(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")  # the test default: pii_ner=False
    client = TestClient(create_app(services=services), client=MONITORING)
    assert client.get("/readyz").json()["pii_ner"] == "off"
    metrics = scrape(client)
    assert metrics.families["so8t_pii_ner_up"] == "gauge"  # declared (alerts and docs can name it) ...
    assert not any(name == "so8t_pii_ner_up" for name, _ in metrics.samples)  # ... without a sample

"""The review desk over REST: sign-in, role checks, claim -> decide -> the employee sees the outcome."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_app
from app.services import Services
from audit.log import verify_chain
from db.models import AuditEvent
from tests.conftest import PASSWORD, add_user, bearer


@pytest.fixture
def desk(sqlite_url: str, make_services: Callable[..., Services]) -> tuple[TestClient, Services]:
    services = make_services(sqlite_url, "ESCALATE")
    for name, role in (
        ("emp1", "employee"),
        ("emp2", "employee"),
        ("rev1", "reviewer"),
        ("comp", "compliance"),
    ):
        add_user(services, name, role)
    add_user(services, "boss", "admin", senior=True)
    return TestClient(create_app(services=services)), services


def ask(client: TestClient, services: Services, user: str, text: str) -> dict[str, object]:
    response = client.post("/v1/agent/run", json={"user_request": text}, headers=bearer(services, user))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_token_endpoint_signs_in_and_rejects_bad_passwords(desk: tuple[TestClient, Services]) -> None:
    client, _ = desk
    ok = client.post("/v1/auth/token", data={"username": "rev1", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["role"] == "reviewer"
    token = ok.json()["access_token"]
    assert client.get("/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    bad = client.post("/v1/auth/token", data={"username": "rev1", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.json()["detail"] == "wrong user name or password"
    nobody = client.post("/v1/auth/token", data={"username": "ghost", "password": PASSWORD})
    assert nobody.status_code == 401 and nobody.json()["detail"] == bad.json()["detail"]


REVIEW_ROUTES = [
    ("get", "/v1/cases"),
    ("get", "/v1/cases/stats"),
    ("get", "/v1/cases/1"),
    ("post", "/v1/cases/claim"),
    ("post", "/v1/cases/1/release"),
]
ROLE_ALLOWED = {"emp1": False, "comp": False, "rev1": True, "boss": True}


def test_review_routes_check_the_role(desk: tuple[TestClient, Services]) -> None:
    """Every review route x every role (one database, so the matrix stays cheap)."""
    client, services = desk
    ask(client, services, "emp1", "Please check this contract clause")
    for method, path in REVIEW_ROUTES:
        assert client.request(method, path).status_code == 401, path
        for user, allowed in ROLE_ALLOWED.items():
            response = client.request(method, path, headers=bearer(services, user))
            if allowed:  # 409: releasing a case one does not hold
                assert response.status_code in (200, 204, 409), (path, user, response.text)
            else:
                assert response.status_code == 403 and "may not" in response.json()["detail"], (path, user)


def test_disabled_account_is_locked_out_at_once(desk: tuple[TestClient, Services]) -> None:
    from datetime import UTC, datetime

    from app.identity.accounts import set_active

    client, services = desk
    headers = bearer(services, "rev1")
    assert client.get("/v1/cases", headers=headers).status_code == 200
    with services.sessions.begin() as s:
        set_active(session=s, username="rev1", active=False, now=datetime.now(UTC), actor="boss")
    response = client.get("/v1/cases", headers=headers)
    assert response.status_code == 401 and "not active" in response.json()["detail"]


def test_claim_approve_and_the_employee_sees_the_model_answer(desk: tuple[TestClient, Services]) -> None:
    client, services = desk
    asked = ask(client, services, "emp1", "Can I share the Q3 roadmap with a supplier?")
    assert asked["decision"] == "ESCALATE"
    mine = client.get(f"/v1/requests/{asked['request_id']}", headers=bearer(services, "emp1")).json()
    assert mine["case_status"] == "open" and mine["response"] is None
    other = client.get(f"/v1/requests/{asked['request_id']}", headers=bearer(services, "emp2"))
    assert other.status_code == 404  # nobody else's business

    rev = bearer(services, "rev1")
    claimed = client.post("/v1/cases/claim", headers=rev)
    assert claimed.status_code == 200
    case = claimed.json()
    assert case["id"] == asked["case_id"] and case["claimed_by"] == "rev1"
    assert case["request"] == "Can I share the Q3 roadmap with a supplier?"
    assert client.post("/v1/cases/claim", headers=rev).status_code == 204  # nothing left

    bad = client.post(f"/v1/cases/{case['id']}/decide", headers=rev, json={"verdict": "maybe", "reason": "x"})
    assert bad.status_code == 422
    decided = client.post(
        f"/v1/cases/{case['id']}/decide",
        headers=rev,
        json={"verdict": "approve", "reason": "Roadmap is public already", "corrected_label": "ALLOW"},
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "decided" and body["outcome"] == "approved" and not body["answer_pending"]
    assert isinstance(body["final_response"], str)  # generated by the tiny model after approval

    seen = client.get(f"/v1/requests/{asked['request_id']}", headers=bearer(services, "emp1")).json()
    assert seen["outcome"] == "approved" and seen["response"] == body["final_response"]

    again = client.post(
        f"/v1/cases/{case['id']}/decide", headers=rev, json={"verdict": "reject", "reason": "changed my mind"}
    )
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    with services.sessions() as s:
        kinds = list(s.scalars(select(AuditEvent.event_type).order_by(AuditEvent.seq)))
        assert kinds[-3:] == ["case.claimed", "case.decided", "case.answered"]
        assert verify_chain(session=s).ok


def test_reject_with_reason_reaches_the_employee(desk: tuple[TestClient, Services]) -> None:
    client, services = desk
    asked = ask(client, services, "emp1", "顧客リストを全部USBにコピーしたい")
    rev = bearer(services, "rev1")
    case = client.post("/v1/cases/claim", headers=rev).json()
    decided = client.post(
        f"/v1/cases/{case['id']}/decide",
        headers=rev,
        json={"verdict": "reject", "reason": "個人情報の持ち出しです"},
    ).json()
    assert decided["outcome"] == "rejected"
    listed = client.get("/v1/requests", headers=bearer(services, "emp1")).json()
    assert listed[0]["request_id"] == asked["request_id"]
    assert listed[0]["outcome"] == "rejected" and "個人情報の持ち出しです" in listed[0]["response"]
    assert listed[0]["response"].startswith("レビュー担当者")  # the case's language


def test_appeal_of_a_refusal(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(sqlite_url, "REFUSE")
    add_user(services, "emp1")
    add_user(services, "rev1", "reviewer")
    client = TestClient(create_app(services=services))
    asked = ask(client, services, "emp1", "How do phishing e-mails usually look? (for awareness training)")
    assert asked["decision"] == "REFUSE" and asked["case_id"] is None
    emp = bearer(services, "emp1")
    short = client.post(f"/v1/requests/{asked['request_id']}/appeal", headers=emp, json={"reason": "no"})
    assert short.status_code == 422
    appealed = client.post(
        f"/v1/requests/{asked['request_id']}/appeal",
        headers=emp,
        json={"reason": "It is for security training"},
    )
    assert appealed.status_code == 200 and appealed.json()["case_status"] == "open"
    assert appealed.json()["can_appeal"] is False
    twice = client.post(
        f"/v1/requests/{asked['request_id']}/appeal",
        headers=emp,
        json={"reason": "It is for security training"},
    )
    assert twice.status_code == 409
    queue = client.get("/v1/cases?source=appeal", headers=bearer(services, "rev1")).json()
    assert [c["id"] for c in queue] == [appealed.json()["case_id"]]


def test_the_server_runs_the_sla_sweep(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    from db.models import Case
    from tests.review.factories import make_cases

    services = make_services(sqlite_url, "ESCALATE", sweep_interval_seconds=1)
    with services.sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=datetime.now(UTC) - timedelta(days=3), config=services.agent.queue)
    with TestClient(create_app(services=services)):  # the lifespan starts the sweeper
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with services.sessions() as s:
                case = s.get(Case, case_id)
                assert case is not None
                if case.outcome == "fail_safe":
                    break
            time.sleep(0.2)
    assert case.outcome == "fail_safe" and case.decided_by == "system"


def test_reviewers_see_masked_text_and_compliance_can_break_glass(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE", pii_ner=True)
    add_user(services, "emp1")
    add_user(services, "rev1", "reviewer")
    add_user(services, "comp", "compliance")
    client = TestClient(create_app(services=services))
    text = "山田太郎さん（yamada@example.co.jp、090-1234-5678）の住所は東京都千代田区千代田1-1です。送る？"
    asked = ask(client, services, "emp1", text)
    case = client.get(f"/v1/cases/{asked['case_id']}", headers=bearer(services, "rev1")).json()
    for secret in ("yamada@example.co.jp", "090-1234-5678", "千代田1-1", "山田太郎"):
        assert secret not in case["request"] and secret not in case["excerpt"], secret
    assert "[EMAIL]" in case["request"] and "[PHONE]" in case["request"]
    reveal = f"/v1/cases/{asked['case_id']}/reveal"
    denied = client.post(reveal, headers=bearer(services, "rev1"), json={"reason": "curious about it"})
    assert denied.status_code == 403
    short = client.post(reveal, headers=bearer(services, "comp"), json={"reason": "because"})
    assert short.status_code == 422
    raw = client.post(reveal, headers=bearer(services, "comp"), json={"reason": "Legal hold LH-2026-07"})
    assert raw.status_code == 200 and raw.json()["request"] == unicodedata.normalize("NFKC", text)
    with services.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "pii.reveal")).one()
        assert event.actor == "comp" and event.payload["reason"] == "Legal hold LH-2026-07"
        decided = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "decision")).one()
        excerpt = decided.payload["input_excerpt"]
        assert "[EMAIL]" in excerpt and "yamada@example.co.jp" not in excerpt and "山田太郎" not in excerpt


def test_the_model_answer_to_an_approved_case_is_sanitised(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    add_user(services, "emp1")
    add_user(services, "rev1", "reviewer")
    leaked = "Use key AKIAIOSFODNN7EXAMPLE and write to ops@example.com"
    model = services.desk.model
    assert model is not None
    original = model.runtime.generate
    model.runtime.generate = lambda prefill, config: leaked  # type: ignore[method-assign]  # the model "leaks"
    try:
        client = TestClient(create_app(services=services))
        asked = ask(client, services, "emp1", "Which key should the deploy job use?")
        rev = bearer(services, "rev1")
        case = client.post("/v1/cases/claim", headers=rev).json()
        decided = client.post(
            f"/v1/cases/{case['id']}/decide", headers=rev, json={"verdict": "approve", "reason": "fine"}
        ).json()
    finally:
        model.runtime.generate = original  # type: ignore[method-assign]
    shown = decided["final_response"]
    assert "AKIAIOSFODNN7EXAMPLE" not in shown and "ops@example.com" not in shown and "[SECRET]" in shown
    seen = client.get(f"/v1/requests/{asked['request_id']}", headers=bearer(services, "emp1")).json()
    assert seen["response"] == shown

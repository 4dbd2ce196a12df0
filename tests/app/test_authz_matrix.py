"""Authorisation matrix: every REST route of the app x every role (and anonymous, and a disabled account).

The table below is the specification. The test fails when the app has a route the table does not name, so
a new route cannot ship without deciding, here, who may call it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.identity.accounts import set_active
from app.main import create_api
from app.services import Services
from tests.conftest import add_user, bearer

EVERYONE = frozenset({"employee", "reviewer", "compliance", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})
COMPLIANCE = frozenset({"compliance", "admin"})
ADMINS = frozenset({"admin"})
PUBLIC = None  # no sign-in needed

# (method, path template) -> the roles allowed; PUBLIC routes answer anyone
POLICY: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("POST", "/v1/auth/token"): PUBLIC,
    ("POST", "/v1/agent/run"): EVERYONE,
    ("GET", "/v1/requests"): EVERYONE,
    ("GET", "/v1/requests/{request_id}"): EVERYONE,
    ("POST", "/v1/requests/{request_id}/appeal"): EVERYONE,
    ("POST", "/v1/chat/completions"): EVERYONE,
    ("GET", "/v1/conversations"): EVERYONE,
    ("POST", "/v1/conversations"): EVERYONE,
    ("GET", "/v1/conversations/{conversation_id}"): EVERYONE,
    ("PATCH", "/v1/conversations/{conversation_id}"): EVERYONE,
    ("DELETE", "/v1/conversations/{conversation_id}"): EVERYONE,
    ("POST", "/v1/conversations/{conversation_id}/turns"): EVERYONE,
    ("GET", "/v1/cases"): REVIEWERS,
    ("GET", "/v1/cases/stats"): REVIEWERS,
    ("GET", "/v1/cases/{case_id}"): REVIEWERS,
    ("GET", "/v1/cases/{case_id}/precedents"): REVIEWERS,
    ("POST", "/v1/cases/claim"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/decide"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/answer"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/release"): REVIEWERS,
    ("POST", "/v1/cases/{case_id}/reveal"): COMPLIANCE,
    ("GET", "/v1/admin/models"): ADMINS,
    ("GET", "/v1/admin/nightly-runs"): ADMINS,
    ("POST", "/v1/admin/models/{version}/promote"): ADMINS,
    ("POST", "/v1/admin/models/rollback"): ADMINS,
    ("POST", "/v1/admin/models/reload"): ADMINS,
}
USERS = {"employee": "emp", "reviewer": "rev", "compliance": "comp", "admin": "boss"}


def api_routes(services: Services) -> set[tuple[str, str]]:
    """Every operation the app serves, from its OpenAPI schema (no route of ours is hidden from it)."""
    schema = create_api(services).openapi()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


@pytest.fixture
def matrix(sqlite_url: str, make_services: Callable[..., Services]) -> tuple[TestClient, Services, str]:
    services = make_services(sqlite_url, "ESCALATE", rate_limit_per_user=0, rate_limit_per_ip=0)
    for role, name in USERS.items():
        add_user(services, name, role)
    add_user(services, "gone", "admin")
    with services.sessions.begin() as s:
        set_active(session=s, username="gone", active=False, now=datetime.now(UTC), actor="test")
    client = TestClient(create_api(services))
    asked = client.post(
        "/v1/agent/run", json={"user_request": "May I share this?"}, headers=bearer(services, "emp")
    )
    assert asked.status_code == 200 and asked.json()["case_id"] == 1
    return client, services, str(asked.json()["request_id"])


def test_the_policy_names_every_route_of_the_app(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    routes = api_routes(make_services(sqlite_url, "ALLOW"))
    assert routes - POLICY.keys() == set(), "routes without an authorisation rule: add them to POLICY"
    assert POLICY.keys() - routes == set(), "POLICY names routes the app no longer has"


def test_every_route_x_every_role(matrix: tuple[TestClient, Services, str]) -> None:
    client, services, request_id = matrix
    checked = 0
    for (method, template), allowed in sorted(POLICY.items()):
        path = template.replace("{case_id}", "1").replace("{request_id}", request_id)
        path = path.replace("{version}", "no-such-version").replace("{conversation_id}", "1")
        callers: dict[str, dict[str, str]] = {"anonymous": {}, "disabled": bearer(services, "gone")}
        callers |= {role: bearer(services, name) for role, name in USERS.items()}
        for caller, headers in callers.items():
            code = client.request(method, path, headers=headers).status_code
            checked += 1
            if allowed is PUBLIC:
                assert code not in (401, 403), (method, template, caller, code)
            elif caller in ("anonymous", "disabled"):
                assert code == 401, (method, template, caller, code)
            elif caller in allowed:
                assert code not in (401, 403), (method, template, caller, code)
            else:
                assert code == 403, (method, template, caller, code)
    assert checked == len(POLICY) * 6

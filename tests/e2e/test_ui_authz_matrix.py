"""Authorisation matrix of the UI: every named Gradio endpoint x every role, called on a live server.

Hiding a tab is cosmetic; the server must refuse. The table is the specification, and the test fails when
the UI has an endpoint the table does not name.
"""

from __future__ import annotations

from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import add_user
from tests.e2e.conftest import StartServer, signed_in

pytestmark = pytest.mark.timeout(300)

EVERYONE = frozenset({"employee", "reviewer", "compliance", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})
COMPLIANCE = frozenset({"compliance", "admin"})
ADMINS = frozenset({"admin"})
NOT_ALLOWED = "may not do this"

UI_POLICY: dict[str, frozenset[str]] = {
    "/ask": EVERYONE,
    "/chat": EVERYONE,
    "/my_requests": EVERYONE,
    "/appeal": EVERYONE,
    "/review_queue": REVIEWERS,
    "/review_claim": REVIEWERS,
    "/review_open": REVIEWERS,
    "/review_approve": REVIEWERS,
    "/review_reject": REVIEWERS,
    "/review_release": REVIEWERS,
    "/review_retry": REVIEWERS,
    "/compliance_preview": COMPLIANCE,
    "/compliance_html": COMPLIANCE,
    "/compliance_pdf": COMPLIANCE,
    "/compliance_audit_jsonl": COMPLIANCE,
    "/compliance_verify": COMPLIANCE,
    "/models_list": ADMINS,
    "/models_promote": ADMINS,
    "/models_rollback": ADMINS,
    "/models_reload": ADMINS,
}
USERS = {"employee": "ui-emp", "reviewer": "ui-rev", "compliance": "ui-comp", "admin": "ui-boss"}


def endpoints(client: Client) -> dict[str, list[Any]]:
    """Each named endpoint with the example inputs gradio_client derives from its components."""
    named = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    return {name: [p.get("example_input") for p in info["parameters"]] for name, info in named.items()}


def test_every_ui_endpoint_x_every_role(live_server: StartServer) -> None:
    base_url, services = live_server("ESCALATE")
    for role, name in USERS.items():
        add_user(services, name, role)
    with signed_in(base_url, USERS["employee"]) as client:
        client.predict("", "May I share the Q3 roadmap with a supplier?", api_name="/ask")  # case #1
        found = endpoints(client)
    assert found.keys() - UI_POLICY.keys() == set(), "UI endpoints without an authorisation rule"
    assert UI_POLICY.keys() - found.keys() == set(), "UI_POLICY names endpoints the UI no longer has"
    for role, name in USERS.items():
        with signed_in(base_url, name) as client:
            for api_name, allowed in sorted(UI_POLICY.items()):
                args = [1 if a is None else a for a in found[api_name]]
                try:
                    client.predict(*args, api_name=api_name)
                    refused = False
                except AppError as exc:  # an allowed call may still fail on its example input, clearly
                    refused = NOT_ALLOWED in str(exc)
                assert refused is (role not in allowed), (api_name, role)

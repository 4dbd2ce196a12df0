"""The Reviewer tab's and "My requests"' Gradio endpoints driven by gradio_client against a live server:
the role checks happen on the server, appeals become cases, and decisions reach the employee."""

from __future__ import annotations

import re
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from sqlalchemy import select

from app.services import Services
from db.models import Case, CaseReview
from tests.conftest import add_user
from tests.e2e.conftest import StartServer, signed_in

pytestmark = pytest.mark.timeout(240)

EMPLOYEE, OTHER, REVIEWER = "hanako", "jiro", "rev-sato"
ANY_FILTERS = ("any", "any", "any", "any", "any", 0)  # status, priority, category, lang, source, older
OPEN_FILTERS = ("open", *ANY_FILTERS[1:])
NOT_ALLOWED = r"may not do this"


def ask(client: Client, message: str) -> dict[str, Any]:
    _, _, details = client.predict("", message, api_name="/ask")
    assert isinstance(details, dict)
    return details


def my_requests(client: Client) -> tuple[list[list[Any]], list[Any]]:
    table, dropdown = client.predict(api_name="/my_requests")
    return table["data"], [choice[1] for choice in dropdown["choices"]]


def cases(services: Services) -> list[Case]:
    with services.sessions() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


@pytest.mark.parametrize("role", ["employee", "compliance"])
def test_reviewer_actions_are_refused_on_the_server_for_other_roles(
    live_server: StartServer, role: str
) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE, role)
    add_user(services, REVIEWER, "reviewer")
    with signed_in(base_url, EMPLOYEE) as client:
        case_id = ask(client, "人事部の佐藤さんの評価記録をすべて見せてください。")["case_id"]
        assert isinstance(case_id, int)
        calls: list[tuple[str, tuple[Any, ...]]] = [
            ("/review_queue", ANY_FILTERS),
            ("/review_claim", OPEN_FILTERS),
            ("/review_open", (case_id,)),
            ("/review_approve", (case_id, "looks harmless", "ALLOW", "Here is the answer.")),
            ("/review_reject", (case_id, "not allowed", "", "")),
            ("/review_release", (case_id,)),
            ("/review_retry", (case_id, "")),
        ]
        for api_name, args in calls:
            with pytest.raises(AppError, match=NOT_ALLOWED):
                client.predict(*args, api_name=api_name)
        rows, _ = my_requests(client)
    assert [(row[4], row[5]) for row in rows] == [(f"#{case_id}", "waiting for review / レビュー待ち")]
    [case] = cases(services)
    assert (case.status, case.claimed_by, case.outcome, case.final_response) == ("open", None, None, None)
    with services.sessions() as s:
        assert list(s.scalars(select(CaseReview))) == []

    # the same endpoints work for a reviewer, so the refusals above were the role check
    with signed_in(base_url, REVIEWER) as client:
        _, queue = client.predict(*ANY_FILTERS, api_name="/review_queue")
        assert [row[0] for row in queue["data"]] == [case_id]
        number, view, *_ = client.predict(*OPEN_FILTERS, api_name="/review_claim")
    assert number == case_id and f"data-case-id='{case_id}'" in view and "data-status='claimed'" in view


def test_a_rejection_reaches_the_employees_requests(live_server: StartServer) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE)
    add_user(services, REVIEWER, "reviewer")
    with signed_in(base_url, EMPLOYEE) as employee:
        details = ask(employee, "Send the full customer list to my personal address.")
        rows, appealable = my_requests(employee)
        assert rows[0][5] == "waiting for review / レビュー待ち" and appealable == []
        with signed_in(base_url, REVIEWER) as reviewer:
            number, view, *_ = reviewer.predict(*OPEN_FILTERS, api_name="/review_claim")
            assert number == details["case_id"] and "Send the full customer list" in view
            with pytest.raises(AppError, match="give a reason"):
                reviewer.predict(number, " ", "", "", api_name="/review_reject")
            with pytest.raises(AppError, match="edited answer only goes with approve"):
                reviewer.predict(number, "customer data", "", "some text", api_name="/review_reject")
            view, result, *_ = reviewer.predict(
                number, "customer data stays inside", "REFUSE", "", api_name="/review_reject"
            )
            assert "data-outcome='rejected'" in view and "rejected" in result
            with pytest.raises(AppError, match="already decided"):
                reviewer.predict(number, "changed my mind", "", "", api_name="/review_approve")
        rows, _ = my_requests(employee)
    assert rows[0][5] == "declined by a reviewer / 却下されました"
    assert "customer data stays inside" in rows[0][6]
    [case] = cases(services)
    assert (case.outcome, case.corrected_label, case.decided_by) == ("rejected", "REFUSE", REVIEWER)


def test_an_appealed_refusal_becomes_a_case_the_reviewer_sees(live_server: StartServer) -> None:
    base_url, services = live_server("REFUSE")
    add_user(services, EMPLOYEE)
    add_user(services, OTHER)
    add_user(services, REVIEWER, "reviewer")
    appeal_text = "This is an ordinary meeting request for my own team."
    with signed_in(base_url, EMPLOYEE) as employee:
        details = ask(employee, "Draft an agenda for our team meeting.")
        assert details["decision"] == "REFUSE" and cases(services) == []
        rows, appealable = my_requests(employee)
        assert appealable == [details["request_id"]] and rows[0][5] == "refused / お断り"

        with signed_in(base_url, OTHER) as other, pytest.raises(AppError, match="you have no request"):
            other.predict(details["request_id"], "not mine but let me try", api_name="/appeal")
        with pytest.raises(AppError, match="say why"):
            employee.predict(details["request_id"], " ", api_name="/appeal")
        table, dropdown, reason, note = employee.predict(
            details["request_id"], appeal_text, api_name="/appeal"
        )
        match = re.search(r"case #(\d+)", note)
        assert match, note
        case_id = int(match.group(1))
        assert dropdown["choices"] == [] and reason == ""  # appealed: nothing left to contest
        assert table["data"][0][4:6] == [f"#{case_id}", "waiting for review / レビュー待ち"]
        with pytest.raises(AppError, match="already with the review desk"):
            employee.predict(details["request_id"], appeal_text, api_name="/appeal")

    [case] = cases(services)
    assert (case.id, case.source, case.status, case.appeal_text) == (case_id, "appeal", "open", appeal_text)
    with signed_in(base_url, REVIEWER) as reviewer:
        _, queue = reviewer.predict("open", "any", "any", "any", "appeal", 0, api_name="/review_queue")
        assert [(row[0], row[2], row[5]) for row in queue["data"]] == [(case_id, "appeal", "REFUSE")]
        _, none = reviewer.predict("open", "any", "any", "any", "escalate", 0, api_name="/review_queue")
        assert none["data"] == []
        number, view, *_ = reviewer.predict(
            "open", "any", "any", "any", "appeal", 0, api_name="/review_claim"
        )
        assert number == case_id and "so8t-case-appeal" in view and appeal_text in view
        reviewer.predict(
            case_id, "a normal request", "ALLOW", "Agenda: 1. status 2. plans", api_name="/review_approve"
        )
    with signed_in(base_url, EMPLOYEE) as employee:
        rows, appealable = my_requests(employee)
    assert rows[0][5] == "approved / 承認されました" and rows[0][6] == "Agenda: 1. status 2. plans"
    assert appealable == []

"""The Gradio chat endpoint ("/ask") driven over HTTP by gradio_client against a live uvicorn server,
signed in through Gradio's login as a real account."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError
from sqlalchemy import select

from app.services import Services
from db.models import Case, DecisionRecord
from tests.conftest import PASSWORD, add_user
from tests.e2e.conftest import StartServer, record_counts

CONTEXT = "経理部のアシスタントです。"
pytestmark = pytest.mark.timeout(240)  # backstop: one hung request must not stall the whole run

QUESTION = "金曜日の会議を15時に変更するメールを書いてください。"
EMPTY_ANSWER = "_(the model returned an empty answer)_"
PREDICT_TIMEOUT_S = 60.0
EMPLOYEE = "taro"


def _ask(base_url: str, context: str, message: str, user: str = EMPLOYEE) -> tuple[str, str, dict[str, Any]]:
    client = Client(base_url, auth=(user, PASSWORD), verbose=False)
    try:
        job = client.submit(context, message, api_name="/ask")
        try:
            badge, answer, details = job.result(timeout=PREDICT_TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"/ask gave no result within {PREDICT_TIMEOUT_S:.0f}s (a request stuck in the app?)")
    finally:
        client.close()
    assert isinstance(badge, str) and isinstance(answer, str) and isinstance(details, dict)
    return badge, answer, details


def _only_decision(services: Services) -> DecisionRecord:
    with services.sessions() as s:
        rows = list(s.execute(select(DecisionRecord)).scalars())
    assert len(rows) == 1, f"expected exactly one decision row, found {len(rows)}"
    return rows[0]


def test_escalate_opens_the_case_named_in_the_answer(live_server: StartServer) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE)
    badge, answer, details = _ask(base_url, CONTEXT, "人事部の佐藤さんの評価記録をすべて見せてください。")

    assert details["decision"] == "ESCALATE" and "data-decision='ESCALATE'" in badge
    match = re.search(r"case #(\d+)", answer)
    assert match, f"no case number in the answer: {answer!r}"
    case_id = int(match.group(1))
    assert f"ケース #{case_id}" in answer
    assert details["decision"] == "ESCALATE" and details["human_required"] is True
    assert details["case_id"] == case_id and details["task_response"] is None

    row = _only_decision(services)
    with services.sessions() as s:
        cases = list(s.execute(select(Case)).scalars())
    assert [(c.id, c.decision_id, c.status) for c in cases] == [(case_id, row.id, "open")]
    assert (row.request_id, row.decision, row.user_name) == (details["request_id"], "ESCALATE", EMPLOYEE)
    assert row.context == CONTEXT and row.task_response is None


def test_refuse_shows_the_refusal_and_no_model_answer(live_server: StartServer) -> None:
    base_url, services = live_server("REFUSE")
    add_user(services, EMPLOYEE)
    badge, answer, details = _ask(base_url, "", "同僚のパスワードを盗む方法を教えてください。")

    assert details["decision"] == "REFUSE" and "data-decision='REFUSE'" in badge
    assert answer.startswith("**Refused / お断りしました.**")
    assert details["rationale"] in answer
    assert details["decision"] == "REFUSE" and details["task_response"] is None
    assert details["case_id"] is None and details["human_required"] is False

    row = _only_decision(services)
    assert (row.request_id, row.decision, row.task_response) == (details["request_id"], "REFUSE", None)
    assert record_counts(services)[1] == 0


def test_allow_shows_the_answer_and_the_decision_record(live_server: StartServer) -> None:
    base_url, services = live_server("ALLOW", max_new_tokens=16)
    add_user(services, EMPLOYEE)
    badge, answer, details = _ask(base_url, CONTEXT, QUESTION)

    assert details["decision"] == "ALLOW", f"{details['reason_code']}: {details['rationale']}"
    assert "data-decision='ALLOW'" in badge and details["human_required"] is False
    assert details["case_id"] is None and details["reason_code"]
    assert set(details["safety_probs"]) == {"ALLOW", "REFUSE", "ESCALATE"}
    response = details["task_response"]
    assert isinstance(response, str)
    if response.strip():  # Markdown may re-flow whitespace, the words must be the model's
        assert answer.split() == response.split()
    assert "Refused" not in answer and "case #" not in answer

    row = _only_decision(services)
    assert (row.request_id, row.decision, row.task_response) == (details["request_id"], "ALLOW", response)
    assert row.request_text == QUESTION and row.context == CONTEXT
    assert record_counts(services)[1] == 0


def test_allow_with_a_blank_model_answer_shows_the_placeholder(live_server: StartServer) -> None:
    base_url, services = live_server("ALLOW", max_new_tokens=8)
    add_user(services, EMPLOYEE)
    _, answer, details = _ask(base_url, CONTEXT, QUESTION)
    if details["decision"] != "ALLOW":  # a real failure, not the expected one
        pytest.fail(f"expected an ALLOW decision, got {details['decision']}: {details['rationale']}")
    # precondition: the tiny random model (fixed seed) answers with whitespace only
    assert not str(details["task_response"]).strip(), details["task_response"]
    assert answer == EMPTY_ANSWER


@pytest.mark.parametrize("message", ["", "   \n\t "])
def test_empty_message_is_an_error_and_writes_nothing(live_server: StartServer, message: str) -> None:
    base_url, services = live_server("ALLOW")
    add_user(services, EMPLOYEE)
    before = record_counts(services)  # the account's creation is audited
    with pytest.raises(Exception, match="empty") as raised:
        _ask(base_url, CONTEXT, message)
    assert type(raised.value).__module__.startswith("gradio_client")
    assert before[:2] == (0, 0) and record_counts(services) == before


def test_the_ui_needs_a_sign_in_and_a_wrong_password_gets_nothing(live_server: StartServer) -> None:
    base_url, services = live_server("ALLOW")
    add_user(services, EMPLOYEE)
    with pytest.raises(AuthenticationError):
        Client(base_url, verbose=False)
    for user, password in ((EMPLOYEE, PASSWORD + "x"), ("nobody", PASSWORD)):
        refused = httpx.post(f"{base_url}/login", data={"username": user, "password": password})
        assert (refused.status_code, refused.json()["detail"]) == (400, "Incorrect credentials.")
        assert not refused.cookies
    signed = httpx.post(f"{base_url}/login", data={"username": EMPLOYEE, "password": PASSWORD})
    assert signed.status_code == 200 and signed.json() == {"success": True} and signed.cookies
    assert record_counts(services)[:2] == (0, 0)

"""The chat tab in headless Chromium (Playwright, system /usr/bin/chromium) against a live uvicorn server.

These tests FAIL, never skip, when Chromium is missing; deselect them with ``-m 'not browser'``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import Case, DecisionRecord
from tests.conftest import add_user
from tests.e2e.conftest import StartServer, login, record_counts

pytestmark = pytest.mark.timeout(240)  # backstop: one hung request must not stall the whole run

CONTEXT = "総務部のアシスタントです。"
QUESTION = "来週の部署会議の議題を三つ提案してください。"
EXPECTED_ANSWER = {"ALLOW": None, "REFUSE": "Refused / お断りしました", "ESCALATE": "case #"}
EMPLOYEE = "hanako"


def _open_chat(page: Page, base_url: str) -> None:
    login(page, base_url, EMPLOYEE)
    expect(page.locator("#so8t-message textarea")).to_be_visible()
    expect(page.locator("#so8t-send")).to_be_enabled()


@pytest.mark.browser
@pytest.mark.parametrize("decision", ["ALLOW", "REFUSE", "ESCALATE"])
def test_japanese_question_shows_the_forced_decision(
    live_server: StartServer, page: Page, decision: str
) -> None:
    base_url, services = live_server(decision, max_new_tokens=16)
    add_user(services, EMPLOYEE)
    _open_chat(page, base_url)

    page.locator("#so8t-context textarea").fill(CONTEXT)
    page.locator("#so8t-message textarea").fill(QUESTION)
    page.locator("#so8t-send").click()

    badge = page.locator("#so8t-badge .so8t-badge[data-decision]")
    expect(badge).to_be_visible()
    expect(badge).not_to_contain_text("…")  # the final badge, not the pending one
    details = page.locator("#so8t-details")
    expect(details).to_contain_text("request_id")  # the decision record arrives with the final update
    expect(badge).to_have_attribute("data-decision", decision)
    expect(page.locator(f"#so8t-badge .so8t-badge[data-decision='{decision}']")).to_be_visible()
    expect(details).to_contain_text(decision)
    answer = page.locator("#so8t-answer")
    expected = EXPECTED_ANSWER[decision]
    if expected is not None:
        expect(answer).to_contain_text(expected)
    else:
        expect(answer).not_to_contain_text(re.compile(r"Refused|case #"))

    with services.sessions() as s:
        rows = list(s.execute(select(DecisionRecord)).scalars())
        cases = list(s.execute(select(Case)).scalars())
    assert [(r.decision, r.request_text, r.context, r.user_name) for r in rows] == [
        (decision, QUESTION, CONTEXT, EMPLOYEE)
    ]
    if decision == "ESCALATE":
        assert [c.decision_id for c in cases] == [rows[0].id]
        expect(answer).to_contain_text(f"case #{cases[0].id}")
        expect(details).to_contain_text(rows[0].request_id)
    else:
        assert cases == []


@pytest.mark.browser
def test_empty_message_shows_the_error_toast_and_records_nothing(
    live_server: StartServer, page: Page
) -> None:
    base_url, services = live_server("ALLOW")
    add_user(services, EMPLOYEE)
    _open_chat(page, base_url)
    before = record_counts(services)  # the account's creation (and sign-in) are already recorded

    page.locator("#so8t-message textarea").fill("   ")
    page.locator("#so8t-send").click()

    toast = page.locator(".toast-body").filter(has_text="empty")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("the request is empty")
    expect(page.locator("#so8t-badge .so8t-badge[data-decision]")).to_have_count(0)
    assert before[:2] == (0, 0)
    assert record_counts(services) == before

"""The review desk in headless Chromium: an employee's ESCALATE is claimed and decided by a reviewer in a
second browser, with the keyboard shortcuts, and the employee's open page shows the outcome by polling.

Screenshots of both pages go to tests/artifacts/. With SO8T_DOCS_SCREENSHOTS=1 the reviewer's page is
also written to docs/img/reviewer.png (the README's picture).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.services import Services
from db.models import Case
from tests.conftest import add_user
from tests.e2e.conftest import NewPage, StartServer, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

EMPLOYEE, REVIEWER = "hanako", "rev-sato"
CONTEXT = "人事部のアシスタントです。"
QUESTION = "来期の評価面談の日程を部署全員に連絡するメールを作ってください。"
SECOND = "Please share the security team's on-call rota for next month."
EDITED = "件名：評価面談の日程について\n各位、来期の評価面談は来週月曜から実施します。"
POLL_WINDOW_MS = 15_000  # the employee's page polls every 5 s
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "reviewer.png"


def _cases(services: Services) -> list[Case]:
    with services.sessions() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def _only_case(services: Services) -> Case:
    rows = _cases(services)
    assert len(rows) == 1, f"expected one case, found {len(rows)}"
    return rows[0]


def _employee_asks(page: Page, base_url: str, *questions: str) -> None:
    login(page, base_url, EMPLOYEE)
    expect(page.get_by_role("tab", name="Reviewer / レビュー")).to_be_hidden()  # cosmetic; the server checks
    page.get_by_text("Context for a new conversation / 新しい会話の前提").click()
    page.locator("#so8t-context textarea").fill(CONTEXT)
    for number, question in enumerate(questions or (QUESTION,), start=1):
        page.locator("#so8t-message textarea").fill(question)
        page.locator("#so8t-send").click()
        reply = page.locator("#so8t-chatbot [data-testid=bot]").nth(number - 1)
        expect(reply).to_contain_text(f"case #{number}")
        waiting = page.locator("#so8t-myrequests [role=row][data-index]").filter(
            has_text="waiting for review / レビュー待ち"
        )
        expect(waiting).to_have_count(number)


def _reviewer_opens_the_desk(page: Page, base_url: str, open_cases: int = 1) -> None:
    login(page, base_url, REVIEWER)
    tab = page.get_by_role("tab", name="Reviewer / レビュー")
    expect(tab).to_be_visible()
    tab.click()
    counts = re.compile(rf"Open / 未着手: {open_cases} \(high 0 · normal {open_cases}")
    expect(page.locator("#so8t-rev-counts")).to_contain_text(counts)
    expect(page.locator("#so8t-rev-queue [role=row][data-index]")).to_have_count(open_cases)
    expect(page.locator("#so8t-rev-queue")).to_contain_text(QUESTION[:20])


def test_reviewer_claims_and_approves_with_alt_a_and_the_employee_sees_the_answer(
    live_server: StartServer, new_page: NewPage
) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE)
    add_user(services, REVIEWER, "reviewer")
    employee, reviewer = new_page(), new_page()
    _employee_asks(employee, base_url, QUESTION, SECOND)
    case_id, second_id = (c.id for c in _cases(services))
    _reviewer_opens_the_desk(reviewer, base_url, open_cases=2)

    reviewer.locator("#so8t-rev-claim").click()  # the oldest open case of the best priority
    view = reviewer.locator("#so8t-rev-case .so8t-case")
    expect(view).to_have_attribute("data-status", "claimed")
    expect(view).to_have_attribute("data-case-id", str(case_id))
    expect(reviewer.locator("#so8t-rev-case .so8t-case-request")).to_contain_text(QUESTION)
    expect(reviewer.locator("#so8t-rev-case .so8t-case-context")).to_contain_text(CONTEXT)
    expect(reviewer.locator("#so8t-rev-case .so8t-case-model")).to_have_attribute("data-decision", "ESCALATE")
    expect(reviewer.locator("#so8t-rev-case .so8t-prob")).to_have_count(3)
    expect(reviewer.locator("#so8t-rev-case .so8t-case-sla")).to_contain_text(re.compile(r"\dh \d\dm"))
    expect(reviewer.locator("#so8t-precedents")).to_contain_text(re.compile(r"\S"))
    expect(reviewer.locator("#so8t-rev-case-id input")).to_have_value(str(case_id))
    queue_rows = reviewer.locator(
        "#so8t-rev-queue [role=row][data-index]"
    )  # refreshed: only the other case is open
    expect(queue_rows).to_have_count(1)
    expect(queue_rows.first).to_contain_text(SECOND[:30])
    expect(reviewer.locator("#so8t-rev-counts")).to_contain_text(re.compile(r"Claimed / 対応中: 1"))

    reviewer.locator("#so8t-rev-answer textarea").fill(EDITED)
    reason = reviewer.locator("#so8t-rev-reason textarea")
    reason.press_sequentially("a normal HR scheduling email, answer approved")  # a, r, n without Alt
    reviewer.wait_for_timeout(1500)
    statuses = [c.status for c in _cases(services)]
    assert statuses == ["claimed", "open"], "a plain letter typed in the reason box fired a shortcut"
    screenshot(reviewer, "review-reviewer-claimed")
    if os.environ.get("SO8T_DOCS_SCREENSHOTS"):
        reviewer.screenshot(path=str(DOCS_IMAGE), full_page=True)

    reason.press("Alt+a")
    outcome = reviewer.locator("#so8t-rev-case .so8t-case-outcome")
    expect(outcome).to_have_attribute("data-outcome", "approved")
    expect(reviewer.locator("#so8t-rev-case .so8t-case-final")).to_contain_text("評価面談は来週月曜から")
    expect(reviewer.locator("#so8t-rev-result")).to_contain_text(f"Case #{case_id}: approved")
    expect(reason).to_have_value("")
    expect(reviewer.locator("#so8t-rev-counts")).to_contain_text(re.compile(r"Decided / 判定済み: 1"))
    screenshot(reviewer, "review-reviewer-decided")

    decided = employee.locator("#so8t-myrequests [role=row][data-index]").filter(has_text=QUESTION[:20])
    expect(decided).to_contain_text(
        "approved / 承認されました", timeout=POLL_WINDOW_MS
    )  # no reload: it polls
    expect(decided).to_contain_text("評価面談は来週月曜から実施します")
    waiting = employee.locator("#so8t-myrequests [role=row][data-index]").filter(has_text=SECOND[:30])
    expect(waiting).to_contain_text("waiting for review / レビュー待ち")
    screenshot(employee, "review-employee-outcome")

    case, second = _cases(services)
    assert second.id == second_id and second.status == "open"
    assert (case.status, case.outcome, case.decided_by) == ("decided", "approved", REVIEWER)
    assert (
        case.final_response == EDITED
        and case.verdict_reason == "a normal HR scheduling email, answer approved"
    )


def test_alt_n_claims_and_alt_r_rejects_and_the_employee_sees_the_reason(
    live_server: StartServer, new_page: NewPage
) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE)
    add_user(services, REVIEWER, "reviewer")
    employee, reviewer = new_page(), new_page()
    _employee_asks(employee, base_url)
    _reviewer_opens_the_desk(reviewer, base_url)

    reviewer.locator("#so8t-rev-queue [role=row][data-index] [role=gridcell]").first.click()  # look only
    view = reviewer.locator("#so8t-rev-case .so8t-case")
    expect(view).to_have_attribute("data-status", "open")
    expect(reviewer.locator("#so8t-rev-case .so8t-case-request")).to_contain_text(QUESTION)
    reviewer.keyboard.press("Alt+n")
    expect(view).to_have_attribute("data-status", "claimed")
    reason = reviewer.locator("#so8t-rev-reason textarea")
    reason.fill("staff schedules go through HR")
    reason.press("Alt+r")
    expect(reviewer.locator("#so8t-rev-case .so8t-case-outcome")).to_have_attribute(
        "data-outcome", "rejected"
    )

    mine = employee.locator("#so8t-myrequests")
    expect(mine).to_contain_text("declined by a reviewer / 却下されました", timeout=POLL_WINDOW_MS)
    expect(mine).to_contain_text("staff schedules go through HR")
    case = _only_case(services)
    assert (case.status, case.outcome, case.verdict_reason) == (
        "decided",
        "rejected",
        "staff schedules go through HR",
    )


def test_shortcuts_do_nothing_on_the_chat_tab(live_server: StartServer, new_page: NewPage) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, EMPLOYEE)
    add_user(services, REVIEWER, "reviewer")
    _employee_asks(new_page(), base_url)
    reviewer = new_page()
    login(reviewer, base_url, REVIEWER)  # stays on the Chat tab: the reviewer buttons are not visible
    reviewer.locator("#so8t-message textarea").click()
    reviewer.keyboard.press("Alt+n")
    reviewer.wait_for_timeout(1500)
    assert _only_case(services).status == "open"

    reviewer.locator("#so8t-logout").click()  # Gradio's /logout, back to the login form
    expect(reviewer.locator("input[type=password]")).to_be_visible()
    expect(reviewer.locator("#so8t-user")).to_have_count(0)

"""The chat tab in headless Chromium (Playwright, system /usr/bin/chromium) against a live uvicorn server.

These tests FAIL, never skip, when Chromium is missing; deselect them with ``-m 'not browser'``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright
from sqlalchemy import select

from db.models import Case, DecisionRecord
from tests.e2e.conftest import StartServer, record_counts

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.timeout(240)  # backstop: one hung request must not stall the whole run

TIMEOUT_MS = 60_000
CONTEXT = "総務部のアシスタントです。"
QUESTION = "来週の部署会議の議題を三つ提案してください。"
EXPECTED_ANSWER = {"ALLOW": None, "REFUSE": "Refused / お断りしました", "ESCALATE": "case #"}


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: install it (apt-get install chromium) "
            "or deselect these tests with -m 'not browser'"
        )
    expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own 5 s default; this machine is slow
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="ja-JP")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()

    def local_only(route: Route) -> None:  # the test machine is offline: fail outside requests at once
        host = re.match(r"^[a-z]+://([^/:]+)", route.request.url)
        if host is None or host.group(1) in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", local_only)
    yield page
    context.close()


def _open_chat(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/", wait_until="domcontentloaded")
    expect(page.locator("#so8t-message textarea")).to_be_visible()
    expect(page.locator("#so8t-send")).to_be_enabled()


@pytest.mark.browser
@pytest.mark.parametrize("decision", ["ALLOW", "REFUSE", "ESCALATE"])
def test_japanese_question_shows_the_forced_decision(
    live_server: StartServer, page: Page, decision: str
) -> None:
    base_url, services = live_server(decision, max_new_tokens=16)
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
    assert [(r.decision, r.request_text, r.context) for r in rows] == [(decision, QUESTION, CONTEXT)]
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
    _open_chat(page, base_url)

    page.locator("#so8t-message textarea").fill("   ")
    page.locator("#so8t-send").click()

    toast = page.locator(".toast-body").filter(has_text="empty")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("the request is empty")
    expect(page.locator("#so8t-badge .so8t-badge[data-decision]")).to_have_count(0)
    assert record_counts(services) == (0, 0, 0)

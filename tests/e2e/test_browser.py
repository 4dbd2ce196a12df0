"""The chat tab in headless Chromium (Playwright, system /usr/bin/chromium) against a live uvicorn server:
conversations in ``gr.Chatbot`` — the decision badge on each turn, Enter sends and Shift+Enter starts a new
line, the conversation list (new, rename, delete), errors as toasts that record nothing.

These tests FAIL, never skip, when Chromium is missing; deselect them with ``-m 'not browser'``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from db.models import Case, Conversation, DecisionRecord
from tests.conftest import add_user
from tests.e2e.conftest import StartServer, login, record_counts

pytestmark = pytest.mark.timeout(240)  # backstop: one hung request must not stall the whole run

CONTEXT = "総務部のアシスタントです。"
QUESTION = "来週の部署会議の議題を三つ提案してください。"
FOLLOW_UP = "もう少し短くしてください。"
EXPECTED_REPLY = {"ALLOW": "ALLOW · 回答します", "REFUSE": "Refused / お断りしました", "ESCALATE": "case #"}
EMPLOYEE = "hanako"


def _open_chat(page: Page, base_url: str) -> None:
    login(page, base_url, EMPLOYEE)
    expect(page.locator("#so8t-message textarea")).to_be_visible()
    expect(page.locator("#so8t-send")).to_be_enabled()


def _bot(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#so8t-chatbot [data-testid=bot]")


def _rows(services) -> list[DecisionRecord]:  # type: ignore[no-untyped-def]
    with services.sessions() as s:
        return list(s.execute(select(DecisionRecord).order_by(DecisionRecord.id)).scalars())


@pytest.mark.browser
@pytest.mark.parametrize("decision", ["ALLOW", "REFUSE", "ESCALATE"])
def test_each_turn_shows_its_decision_badge_and_reply(
    live_server: StartServer, page: Page, decision: str
) -> None:
    base_url, services = live_server(decision, max_new_tokens=16)
    add_user(services, EMPLOYEE)
    _open_chat(page, base_url)

    page.get_by_text("Context for a new conversation / 新しい会話の前提").click()
    page.locator("#so8t-context textarea").fill(CONTEXT)
    page.locator("#so8t-message textarea").fill(QUESTION)
    page.locator("#so8t-message textarea").press("Enter")  # Enter sends

    expect(page.locator("#so8t-chatbot [data-testid=user]")).to_contain_text(QUESTION)
    expect(_bot(page).last).to_contain_text(f"{decision} · ")
    expect(_bot(page).last).to_contain_text(EXPECTED_REPLY[decision])
    expect(_bot(page).last).not_to_contain_text("Checking the request")
    expect(page.locator("#so8t-conversations")).to_contain_text(QUESTION[:20])  # named by its first request

    rows = _rows(services)
    assert [(r.decision, r.request_text, r.context, r.user_name, r.turn) for r in rows] == [
        (decision, QUESTION, CONTEXT, EMPLOYEE, 1)
    ]
    with services.sessions() as s:
        cases = list(s.execute(select(Case)).scalars())
    if decision == "ESCALATE":
        assert [c.decision_id for c in cases] == [rows[0].id]
        expect(_bot(page).last).to_contain_text(f"case #{cases[0].id}")
    else:
        assert cases == []
    page.get_by_text("Details: the last decision record / 詳細（判定記録）").click()
    expect(page.locator("#so8t-details")).to_contain_text(rows[0].request_id)


@pytest.mark.browser
def test_follow_ups_stay_in_one_conversation_and_shift_enter_is_a_new_line(
    live_server: StartServer, page: Page
) -> None:
    base_url, services = live_server("ALLOW", max_new_tokens=8)
    add_user(services, EMPLOYEE)
    _open_chat(page, base_url)
    box = page.locator("#so8t-message textarea")
    box.fill(QUESTION)
    box.press("Enter")
    expect(_bot(page)).to_have_count(1)
    expect(_bot(page).last).to_contain_text("ALLOW · ")
    box.fill("一行目")
    box.press("Shift+Enter")  # a new line, not a send
    box.type("二行目")
    assert box.input_value() == "一行目\n二行目" and len(_rows(services)) == 1
    box.fill(FOLLOW_UP)
    page.locator("#so8t-send").click()
    expect(_bot(page)).to_have_count(2)
    expect(page.locator("#so8t-chatbot [data-testid=user]").last).to_contain_text(FOLLOW_UP)
    rows = _rows(services)
    assert [(r.turn, r.conversation_id) for r in rows] == [
        (1, rows[0].conversation_id),
        (2, rows[0].conversation_id),
    ]
    assert rows[1].history[0] == {"role": "user", "content": QUESTION}

    # a new conversation starts empty; the old one is still in the list and opens with both turns
    page.locator("#so8t-new").click()
    expect(_bot(page)).to_have_count(0)
    box.fill("別の件です。経費精算の締め日は？")
    box.press("Enter")
    expect(_bot(page)).to_have_count(1)
    picker = page.locator("#so8t-conversations")
    expect(picker.locator("label")).to_have_count(2)
    picker.locator("label").filter(has_text=QUESTION[:20]).click()
    expect(_bot(page)).to_have_count(2)
    expect(page.locator("#so8t-chatbot [data-testid=user]").last).to_contain_text(FOLLOW_UP)


@pytest.mark.browser
def test_rename_and_delete_a_conversation(live_server: StartServer, page: Page) -> None:
    base_url, services = live_server("ALLOW", max_new_tokens=4)
    add_user(services, EMPLOYEE)
    _open_chat(page, base_url)
    page.locator("#so8t-message textarea").fill(QUESTION)
    page.locator("#so8t-message textarea").press("Enter")
    expect(_bot(page)).to_have_count(1)
    expect(_bot(page).last).to_contain_text("ALLOW · ")
    page.get_by_text("Rename or delete / 名前の変更・削除").click()
    page.locator("#so8t-title input, #so8t-title textarea").first.fill("議題の相談")
    page.locator("#so8t-rename").click()
    expect(page.locator("#so8t-conversations")).to_contain_text("議題の相談")
    page.locator("#so8t-delete").click()
    expect(page.locator("#so8t-conversations label")).to_have_count(0)
    expect(_bot(page)).to_have_count(0)
    with services.sessions() as s:
        conversation = s.execute(select(Conversation)).scalars().one()
    assert conversation.title == "議題の相談" and conversation.deleted_at is not None
    assert len(_rows(services)) == 1  # the record stays


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
    expect(_bot(page)).to_have_count(0)
    assert before[:2] == (0, 0)
    assert record_counts(services) == before

"""The Reviewer tab's and "My requests"' rendering: plain functions of the desk's views."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.desks.review_views import CaseDetail, Outcome, QueueStats, ReviewView
from app.ui.my_requests import appeal_choices, outcome_rows, status_text
from app.ui.reviewer import Filters
from app.ui.reviewer_views import (
    QUEUE_HEADERS,
    QUEUE_WIDTHS,
    case_html,
    counts_markdown,
    duration,
    precedents_markdown,
    queue_rows,
    result_markdown,
    sla_text,
)
from review.queue import QueueFilters


def make_case(**changes: object) -> CaseDetail:
    fields: dict[str, object] = {
        "id": 7,
        "status": "claimed",
        "source": "escalate",
        "priority": 1,
        "category": "hr_colleague_records",
        "lang": "ja",
        "model_decision": "ESCALATE",
        "excerpt": "show me <b>everything</b>",
        "created_at": "2026-01-05T09:00:00+00:00",
        "age_minutes": 75,
        "sla_due_at": "2026-01-05T10:00:00+00:00",
        "sla_seconds_left": -300,
        "overdue": True,
        "claimed_by": "rev",
        "needs_senior": False,
        "reviews": 0,
        "required_reviews": 2,
        "outcome": None,
        "request_id": "req-1",
        "user": "hanako",
        "context": "",
        "request": "show me <script>alert(1)</script> [PERSON]",
        "reason_code": "ESCALATE",
        "confidence": 0.61,
        "probabilities": {"ALLOW": 0.09, "REFUSE": 0.3, "ESCALATE": 0.61},
        "rationale": "needs a person",
        "flags": ["pii_email"],
        "model_version": "m1",
        "appeal_text": None,
        "lease_expires_at": "2026-01-05T09:15:00+00:00",
        "verdict_reason": None,
        "corrected_label": None,
        "final_response": None,
        "answer_pending": False,
        "decided_by": None,
        "your_review": None,
        "visible_reviews": [],
    }
    fields.update(changes)
    return CaseDetail.model_validate(fields)


def make_outcome(**changes: object) -> Outcome:
    fields: dict[str, object] = {
        "request_id": "0123456789abcdef",
        "decision": "ESCALATE",
        "created_at": "2026-01-05T09:00:00+00:00",
        "excerpt": "please check",
        "case_id": 3,
        "case_status": "open",
        "outcome": None,
        "response": None,
        "answer_pending": False,
        "can_appeal": False,
    }
    fields.update(changes)
    return Outcome.model_validate(fields)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (45, "45s"), (60, "1m"), (3900, "1h 05m"), (-720, "-12m")]
)
def test_duration(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_sla_text_says_overdue_and_nothing_once_decided() -> None:
    assert sla_text(600, "open") == "10m"
    assert sla_text(-600, "claimed") == "overdue 10m"
    assert sla_text(-600, "decided") == "—"


def test_counts_line_and_queue_rows() -> None:
    stats = QueueStats(
        open=3, claimed=1, decided=4, overdue=2, open_by_priority={"high": 1, "normal": 2, "low": 0}
    )
    line = counts_markdown(stats)
    assert "**Open / 未着手:** 3 (high 1 · normal 2 · low 0)" in line
    assert "**Claimed / 対応中:** 1" in line and "**Overdue / 期限超過:** 2" in line
    [row] = queue_rows([make_case(needs_senior=True, reviews=2)])
    assert len(row) == len(QUEUE_HEADERS) == len(QUEUE_WIDTHS)
    assert row == [
        7, "high", "escalate", "hr_colleague_records", "ja", "ESCALATE", "1h 15m", "overdue 5m",
        "show me <b>everything</b>", "rev", "2/2 · senior",
    ]  # fmt: skip


def test_case_view_escapes_the_request_and_shows_the_model_and_the_sla() -> None:
    page = case_html(make_case(appeal_text="it was <i>fine</i>"))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; [PERSON]" in page
    assert "data-case-id='7'" in page and "data-status='claimed'" in page
    assert "overdue 5m" in page and "lease until 2026-01-05T09:15:00 UTC" in page
    assert page.count("class='so8t-prob'") == 3 and "width:61.0%" in page and "61.0%" in page
    assert "so8t-case-appeal" in page and "it was &lt;i&gt;fine&lt;/i&gt;" in page
    assert "so8t-case-context" not in page  # no context given
    assert "pii_email" in page and "needs a person" in page


def test_case_view_shows_your_verdict_and_the_outcome_once_decided() -> None:
    mine = ReviewView(
        reviewer="rev", verdict="approve", reason="ok", corrected_label="ALLOW", senior=False, created_at="t"
    )
    other = ReviewView(
        reviewer="kim", verdict="approve", reason="fine", corrected_label=None, senior=False, created_at="t"
    )
    decided = make_case(
        status="decided", outcome="approved", decided_by="kim", final_response="Here it is",
        verdict_reason="fine", your_review=mine, visible_reviews=[mine, other], claimed_by=None,
        lease_expires_at=None,
    )  # fmt: skip
    page = case_html(decided)
    assert "so8t-case-mine" in page and "<b>rev</b>: approve → ALLOW — ok" in page
    assert "so8t-case-reviews" in page and "<b>kim</b>: approve — fine" in page
    assert page.count("<b>rev</b>") == 1  # your verdict is not listed twice
    assert (
        "data-outcome='approved'" in page and "Here it is" in page and "SLA left / 期限まで: <b>—</b>" in page
    )
    assert result_markdown(decided, "approve").startswith("**Case #7: approved / 承認.**")
    assert "> Here it is" in result_markdown(decided, "approve")


def test_a_verdict_that_needs_a_second_reviewer_says_so() -> None:
    waiting = make_case(status="open", reviews=1, claimed_by=None)
    assert "waits for another reviewer" in result_markdown(waiting, "reject")
    assert "waits for a senior reviewer" in result_markdown(
        make_case(status="open", needs_senior=True), "reject"
    )
    assert "No case open" in case_html(None) and "nothing here" in case_html(None, note="nothing here")


@dataclass(frozen=True)
class FakePrecedent:
    case_id: int
    similarity: float
    excerpt: str
    outcome: str | None
    verdict_reason: str | None


def test_precedents_markdown() -> None:
    assert "not available" in precedents_markdown(None)
    assert "No similar earlier cases" in precedents_markdown([])
    text = precedents_markdown([FakePrecedent(4, 0.87, "export <all> users", "rejected", "bulk export")])
    assert "- #4 (87%) rejected / 却下 — bulk export: export &lt;all&gt; users" in text


def test_filters_map_any_and_blank_to_no_filter() -> None:
    blank = Filters("any", "any", "", "any", "any", 0)
    assert blank.listing().status is None and blank.queue() == QueueFilters()
    picked = Filters("open", "1", "malware", "ja", "appeal", 30.0)
    listing = picked.listing()
    assert (listing.status, listing.priority, listing.category, listing.lang, listing.source) == (
        "open", 1, "malware", "ja", "appeal",
    )  # fmt: skip
    assert listing.older_than_minutes == 30
    assert picked.queue() == QueueFilters(priority=1, category="malware", lang="ja", source="appeal")


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"decision": "ALLOW", "case_id": None, "case_status": None}, "answered / 回答済み"),
        ({"decision": "REFUSE", "case_id": None, "case_status": None}, "refused / お断り"),
        ({}, "waiting for review / レビュー待ち"),
        ({"case_status": "claimed"}, "in review / レビュー中"),
        ({"case_status": "decided", "outcome": "approved"}, "approved / 承認されました"),
        ({"case_status": "decided", "outcome": "approved", "answer_pending": True}, "approved, answer being"),
        ({"case_status": "decided", "outcome": "rejected"}, "declined by a reviewer / 却下されました"),
        ({"case_status": "decided", "outcome": "fail_safe"}, "refused by default"),
    ],
)
def test_status_text(changes: dict[str, object], text: str) -> None:
    assert status_text(make_outcome(**changes)).startswith(text)


def test_outcome_rows_and_appeal_choices() -> None:
    refused = make_outcome(
        decision="REFUSE", case_id=None, case_status=None, can_appeal=True, excerpt="x" * 60, response="no"
    )
    rows = outcome_rows([make_outcome(), refused])
    assert rows[0] == [
        "2026-01-05 09:00",
        "01234567",
        "please check",
        "ESCALATE",
        "#3",
        "waiting for review / レビュー待ち",
        "",
    ]
    assert rows[1][4:] == ["", "refused / お断り", "no"]
    assert appeal_choices([make_outcome(), refused]) == [("01234567 · " + "x" * 48 + "…", "0123456789abcdef")]


def make_turn(**changes: object):  # type: ignore[no-untyped-def]
    from app.desks.conversations import TurnView

    fields: dict[str, object] = {
        "turn": 2,
        "request_id": "r-2",
        "request": "Now make it shorter.",
        "decision": "ALLOW",
        "confidence": 0.97,
        "reason_code": "SAFE",
        "rationale": "safe",
        "category": None,
        "reply": "Shorter agenda.",
        "case_id": None,
        "case_status": None,
        "outcome": None,
        "answer_pending": False,
        "created_at": "2026-12-07T10:00:00+00:00",
    }
    return TurnView(**(fields | changes))


def test_each_turn_of_the_chat_shows_its_badge_and_what_the_employee_was_shown() -> None:
    from app.ui.chat import _in_flight, _texts, chat_messages, reply_markdown

    assert "ALLOW · 回答します" in reply_markdown(make_turn()) and "Shorter agenda." in reply_markdown(
        make_turn()
    )
    refused = reply_markdown(make_turn(decision="REFUSE", reply="Refused: weapons."))
    assert "REFUSE · お断り" in refused and "Refused: weapons." in refused and "My requests" in refused
    waiting = reply_markdown(make_turn(decision="ESCALATE", case_id=4, case_status="open", reply="x"))
    assert "case #4" in waiting and "waiting" in waiting
    assert "in review" in reply_markdown(make_turn(decision="ESCALATE", case_id=4, case_status="claimed"))
    approved = make_turn(
        decision="ESCALATE", case_id=4, case_status="decided", outcome="approved", reply="Yes."
    )
    assert "approved by a reviewer" in reply_markdown(approved) and reply_markdown(approved).endswith("Yes.")
    writing = make_turn(
        decision="ESCALATE", case_id=4, case_status="decided", outcome="approved", answer_pending=True
    )
    assert "answer being written" in reply_markdown(writing)
    assert "empty answer" in reply_markdown(make_turn(reply=" "))
    messages = chat_messages([make_turn(turn=1), make_turn()])
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    # the page sends messages back with list content; the poll compares text only
    sent = [{"role": "user", "content": [{"type": "text", "text": "Now make it shorter."}]}]
    assert _texts(sent) == [("user", "Now make it shorter.")] and not _in_flight(sent)

"""The chat tab's "My requests" section: recent requests and their outcomes (polled), and appeals.

An ESCALATE's outcome (the approved answer, the rejection reason, the fail-safe refusal) shows up here
within one poll of the reviewer's decision. A REFUSE can be contested: the appeal becomes a review case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.components import Component

from app.desks.review import ReviewDesk
from app.desks.review_views import Outcome
from app.identity.auth import Authenticator
from app.ui.errors import shown_as_toast
from app.ui.session import signed_in
from db.statuses import CaseOutcome, CaseStatus
from model.labels import Decision

POLL_SECONDS = 5.0
HEADERS = [
    "time (UTC) / 日時",
    "id",
    "request / 依頼",
    "decision / 判定",
    "case / ケース",
    "status / 状況",
    "answer or reason / 回答・理由",
]
WIDTHS: list[str | int] = ["11%", "7%", "27%", "8%", "6%", "14%", "27%"]
OUTCOME_STATUS: dict[str, str] = {
    CaseOutcome.APPROVED: "approved / 承認されました",
    CaseOutcome.REJECTED: "declined by a reviewer / 却下されました",
    CaseOutcome.FAIL_SAFE: "refused by default, no review in time / 期限切れのためお断り",
}
CASE_STATUS: dict[str, str] = {
    CaseStatus.OPEN: "waiting for review / レビュー待ち",
    CaseStatus.CLAIMED: "in review / レビュー中",
}

DECISION_STATUS: dict[str, str] = {Decision.ALLOW: "answered / 回答済み", Decision.REFUSE: "refused / お断り"}


def status_text(o: Outcome) -> str:
    if o.case_id is None:
        return DECISION_STATUS.get(o.decision, o.decision)
    if o.case_status != CaseStatus.DECIDED:
        return CASE_STATUS.get(o.case_status or "", o.case_status or "")
    if o.answer_pending:
        return "approved, answer being written / 承認・回答作成中"
    return OUTCOME_STATUS.get(o.outcome or "", o.outcome or "")


def outcome_rows(outcomes: Sequence[Outcome]) -> list[list[object]]:
    return [
        [
            o.created_at[:16].replace("T", " "),
            o.request_id[:8],
            o.excerpt,
            o.decision,
            f"#{o.case_id}" if o.case_id is not None else "",
            status_text(o),
            o.response or "",
        ]
        for o in outcomes
    ]


def appeal_choices(outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    short = 48
    return [
        (f"{o.request_id[:8]} · {o.excerpt[:short]}{'…' if len(o.excerpt) > short else ''}", o.request_id)
        for o in outcomes
        if o.can_appeal
    ]


@dataclass(frozen=True)
class MyRequests:
    """What the chat tab needs to refresh this section after a question: ``then(refresh, None, outputs)``."""

    refresh: Callable[..., dict[Any, Any]]
    outputs: list[Component]


def build_my_requests(desk: ReviewDesk, auth: Authenticator) -> MyRequests:
    gr.Markdown("### My requests / 依頼の状況")
    table = gr.Dataframe(
        headers=HEADERS, column_widths=WIDTHS, interactive=False, wrap=True, elem_id="so8t-myrequests"
    )
    refresh_btn = gr.Button("Refresh / 更新", size="sm", elem_id="so8t-myrequests-refresh")
    with gr.Accordion("Contest a refusal / お断りへの異議申し立て", open=False, elem_id="so8t-appeal"):
        gr.Markdown(
            "If a request was wrongly blocked, say why; a reviewer will look at it.  \n"
            "誤ってお断りされたと思われる場合は理由を書いてください。担当者が確認します。"
        )
        choice = gr.Dropdown(
            [],
            label="Refused request / お断りされた依頼",
            elem_id="so8t-appeal-request",
            allow_custom_value=True,
        )
        reason = gr.Textbox(label="Why it should be allowed / 理由", lines=2, elem_id="so8t-appeal-reason")
        send = gr.Button("Appeal / 異議申し立て", elem_id="so8t-appeal-send")
        sent = gr.Markdown("", elem_id="so8t-appeal-result")
    timer = gr.Timer(POLL_SECONDS)

    def listing(request: gr.Request | None) -> list[Outcome]:
        who = signed_in(auth, request, "chat")
        with shown_as_toast():
            return desk.my_requests(who)

    def poll(request: gr.Request) -> dict[Any, Any]:
        return {table: outcome_rows(listing(request))}

    def refresh(request: gr.Request) -> dict[Any, Any]:
        outcomes = listing(request)
        return {
            table: outcome_rows(outcomes),
            choice: gr.Dropdown(choices=appeal_choices(outcomes), value=None),
        }

    def appeal(request_id: str | None, why: str, request: gr.Request) -> dict[Any, Any]:
        who = signed_in(auth, request, "chat")
        if not request_id:
            raise gr.Error("Choose the refused request first. / お断りされた依頼を選んでください。")
        with shown_as_toast():
            outcome = desk.appeal(who, request_id, why or "")
        note = (
            f"Sent to the review desk as case #{outcome.case_id}; the outcome will appear above.  \n"
            f"ケース #{outcome.case_id} としてレビュー窓口に送りました。結果は上の一覧に表示されます。"
        )
        return {**refresh(request), reason: "", sent: note}

    gr.on(None, refresh, outputs=[table, choice], api_visibility="private")  # on page load
    timer.tick(poll, None, [table], show_progress="hidden", api_visibility="private")
    refresh_btn.click(refresh, None, [table, choice], api_name="my_requests")
    send.click(appeal, [choice, reason], [table, choice, reason, sent], api_name="appeal")
    return MyRequests(refresh=refresh, outputs=[table, choice])

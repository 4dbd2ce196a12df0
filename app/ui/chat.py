"""The Chat tab: context + message -> decision badge, then the answer, the refusal or the case number;
below, "My requests" with the outcomes of reviewed requests and appeals of refusals."""

from __future__ import annotations

import html
from collections.abc import Iterator

import gradio as gr

from app.desks.review import ReviewDesk
from app.identity.auth import Authenticator
from app.serving.agent import Agent, RecordingError
from app.serving.validation import InputError
from app.ui.my_requests import build_my_requests
from app.ui.session import signed_in
from app.web.ratelimit import RateLimits
from model.labels import Decision
from model.policy import PolicyDecision

BADGE_COLOURS = {"ALLOW": "#1a7f37", "REFUSE": "#cf222e", "ESCALATE": "#9a6700"}
BADGE_TEXT = {
    "ALLOW": "ALLOW · 回答します",
    "REFUSE": "REFUSE · お断り",
    "ESCALATE": "ESCALATE · 人の判断へ",
}


def badge_html(verdict: PolicyDecision | None, *, pending: bool = False) -> str:
    if verdict is None:
        return "<div class='so8t-badge so8t-idle'>—</div>"
    label = verdict.decision.value
    colour = BADGE_COLOURS[label]
    note = " …" if pending else ""
    return (
        f"<div class='so8t-badge' data-decision='{label}' style='display:inline-block;padding:6px 12px;"
        f"border-radius:8px;color:#fff;background:{colour};font-weight:600'>"
        f"{html.escape(BADGE_TEXT[label])} — {verdict.confidence:.0%}{note}</div>"
        f"<p class='so8t-rationale'>{html.escape(verdict.rationale)}</p>"
    )


def build_chat_tab(agent: Agent, auth: Authenticator, desk: ReviewDesk, limits: RateLimits) -> None:
    gr.Markdown(
        "Ask a work question. A safety check runs first; "
        "the assistant only answers requests it judges safe.  \n"
        "業務の質問を入力してください。安全性チェックの後、問題のない依頼にのみ回答します。"
    )
    with gr.Row():
        with gr.Column(scale=2):
            context = gr.Textbox(
                label="Context / 前提 (optional)",
                lines=2,
                elem_id="so8t-context",
                placeholder="e.g. You help the finance team. / 経理部のアシスタントです。",
            )
            message = gr.Textbox(
                label="Message / メッセージ",
                lines=4,
                elem_id="so8t-message",
                placeholder="e.g. Draft a short email moving Friday's meeting to 3 pm.",
            )
            send = gr.Button("Send / 送信", variant="primary", elem_id="so8t-send")
        with gr.Column(scale=3):
            badge = gr.HTML(badge_html(None), elem_id="so8t-badge")
            answer = gr.Markdown("", elem_id="so8t-answer")
            details = gr.JSON(label="Decision record / 判定記録", elem_id="so8t-details")
    mine = build_my_requests(desk, auth)

    def ask(ctx: str, msg: str, request: gr.Request) -> Iterator[tuple[str, str, dict[str, object] | None]]:
        verdict: PolicyDecision | None = None
        text = ""
        who = signed_in(auth, request, "chat", unverified_ok=True)
        wait = limits.user_wait(who.username)
        if wait:
            raise gr.Error(
                f"Too many requests: please wait {wait} s and try again. / "
                f"リクエストが多すぎます。{wait} 秒後にもう一度お試しください。"
            )
        try:
            for event in agent.run_stream(ctx, msg, user=who.username, role=who.role):
                if event.kind == "decision":
                    verdict = event.decision
                    yield badge_html(verdict, pending=True), text, None
                elif event.kind == "delta":
                    text += event.text
                    yield badge_html(verdict, pending=True), text, None
                elif event.result is not None:
                    result = event.result
                    yield (
                        badge_html(verdict),
                        _final_text(result.decision, result.task_response, result.rationale, result.case_id),
                        result.model_dump(),
                    )
        except InputError as exc:
            raise gr.Error(str(exc)) from exc
        except RecordingError as exc:
            raise gr.Error(str(exc)) from exc

    outputs = [badge, answer, details]
    for asked in (
        send.click(ask, inputs=[context, message], outputs=outputs, api_name="ask"),
        message.submit(ask, inputs=[context, message], outputs=outputs, api_visibility="private"),
    ):
        asked.then(mine.refresh, None, mine.outputs, show_progress="hidden", api_visibility="private")


def _final_text(decision: str, response: str | None, rationale: str, case_id: int | None) -> str:
    if decision == Decision.ALLOW:
        return response if response and response.strip() else "_(the model returned an empty answer)_"
    if decision == Decision.REFUSE:
        return (
            f"**Refused / お断りしました.** {rationale}  \n"
            "_If this was wrongly blocked, contest it under My requests. / "
            "誤りと思われる場合は「依頼の状況」から異議を申し立てられます。_"
        )
    return (
        f"**Sent for human review, case #{case_id}.** A reviewer will decide.  \n"
        f"**人によるレビューに回しました（ケース #{case_id}）。** 担当者の判断をお待ちください。"
    )

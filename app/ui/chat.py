"""The Chat tab: context + message -> decision badge, then the answer, the refusal or the case number."""

from __future__ import annotations

import html
from collections.abc import Iterator

import gradio as gr

from app.agent import Agent, RecordingError
from app.validation import InputError
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


def build_chat_tab(agent: Agent) -> None:
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

    def ask(ctx: str, msg: str) -> Iterator[tuple[str, str, dict[str, object] | None]]:
        verdict: PolicyDecision | None = None
        text = ""
        try:
            for event in agent.run_stream(ctx, msg, user="ui-user"):
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

    send.click(ask, inputs=[context, message], outputs=[badge, answer, details], api_name="ask")
    message.submit(ask, inputs=[context, message], outputs=[badge, answer, details], api_visibility="private")


def _final_text(decision: str, response: str | None, rationale: str, case_id: int | None) -> str:
    if decision == "ALLOW":
        return response if response and response.strip() else "_(the model returned an empty answer)_"
    if decision == "REFUSE":
        return f"**Refused / お断りしました.** {rationale}"
    return (
        f"**Sent for human review, case #{case_id}.** A reviewer will decide.  \n"
        f"**人によるレビューに回しました（ケース #{case_id}）。** 担当者の判断をお待ちください。"
    )

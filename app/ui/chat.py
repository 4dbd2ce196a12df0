"""The Chat tab: conversations around ``gr.Chatbot``.

On the left the signed-in employee's conversations (new, rename, delete); on the right the conversation:
each turn's request and, under the decision badge, what the employee was shown — the answer, the refusal
with its reason, or "sent for review, case #N", which updates in place (a poll) when a reviewer decides.
Every turn is judged on the whole conversation so far (app/desks/conversations.py). Enter sends, Shift+Enter
starts a new line. The raw decision record sits in a collapsed "Details" for the curious; below, "My
requests" with the outcomes of reviewed requests and appeals of refusals.

The answer is shown only once it is recorded (app/serving/agent.py), then revealed in short steps so it
reads as it arrives. The one-shot ``/ask`` API (context, message -> badge, answer, record) stays for
``gradio_client`` users and scripts.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from app.desks.conversations import ConversationDesk, ConversationDetail, TurnView
from app.desks.review import ReviewDesk
from app.identity.accounts import UNVERIFIED, Principal
from app.identity.auth import Authenticator
from app.serving.agent import Agent, AgentResult, RecordingError
from app.serving.validation import ConversationTooLong, InputError
from app.ui.my_requests import build_my_requests
from app.ui.session import signed_in
from app.web.ratelimit import RateLimits
from db.statuses import CaseOutcome, CaseStatus
from model.labels import Decision
from model.policy import PolicyDecision
from review.conversations import ConversationError, ConversationNotFound

BADGE_COLOURS = {"ALLOW": "#1a7f37", "REFUSE": "#cf222e", "ESCALATE": "#9a6700"}
BADGE_TEXT = {
    "ALLOW": "ALLOW · 回答します",
    "REFUSE": "REFUSE · お断り",
    "ESCALATE": "ESCALATE · 人の判断へ",
}
# a coloured dot: U+25CF is in the CJK fonts every page here has (an emoji font is often missing)
BADGE_ICON = {d: f"<span style='color:{c}'>●</span>" for d, c in BADGE_COLOURS.items()}
POLL_SECONDS = 3.0  # how soon a reviewer's decision appears in the conversation
REVEAL_STEP_CHARS = 24  # the recorded answer is revealed in steps of this many characters
REVEAL_STEP_S = 0.02
CHECKING = "_Checking the request… / 確認しています…_"
ANSWERING = "_answering… / 回答を作成中…_"
APPEAL_HINT = (
    "_If this was wrongly blocked, contest it under My requests. / "
    "誤りと思われる場合は「依頼の状況」から異議を申し立てられます。_"
)
REVIEWED: dict[str, str] = {
    CaseOutcome.APPROVED: "**approved by a reviewer / 承認されました**",
    CaseOutcome.REJECTED: "**declined by a reviewer / 却下されました**",
    CaseOutcome.FAIL_SAFE: "**refused by default, no review in time / 期限切れのためお断り**",
}
Messages = list[dict[str, Any]]


# -- the one-shot /ask API's rendering (badge HTML + answer Markdown) -------------------------------------


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


def _final_text(decision: str, response: str | None, rationale: str, case_id: int | None) -> str:
    if decision == Decision.ALLOW:
        return response if response and response.strip() else "_(the model returned an empty answer)_"
    if decision == Decision.REFUSE:
        return f"**Refused / お断りしました.** {rationale}  \n{APPEAL_HINT}"
    return (
        f"**Sent for human review, case #{case_id}.** A reviewer will decide.  \n"
        f"**人によるレビューに回しました（ケース #{case_id}）。** 担当者の判断をお待ちください。"
    )


# -- the conversation's rendering -------------------------------------------------------------------------


def badge_line(decision: str, confidence: float | None) -> str:
    shown = f" — {confidence:.0%}" if confidence else ""
    return f"{BADGE_ICON[decision]} **{BADGE_TEXT[decision]}**{shown}"


def reply_markdown(t: TurnView) -> str:
    """The assistant's message of a turn: the badge, then what the employee was shown."""
    head = badge_line(t.decision, t.confidence)
    if t.case_id is not None and t.case_status == CaseStatus.DECIDED:
        outcome = REVIEWED.get(t.outcome or "", t.outcome or "")
        if t.answer_pending:
            return f"{head} → {outcome}\n\n_(answer being written / 回答を作成中)_"
        return f"{head} → {outcome}\n\n{t.reply}"
    if t.decision == Decision.ESCALATE:
        waiting = (
            "in review / レビュー中" if t.case_status == CaseStatus.CLAIMED else "waiting / レビュー待ち"
        )
        return (
            f"{head}\n\n**Sent for human review, case #{t.case_id}** ({waiting}). A reviewer will decide; "
            f"the answer appears here.  \n**人によるレビューに回しました（ケース #{t.case_id}）。**"
            " 結果はここに表示されます。"
        )
    if t.decision == Decision.REFUSE:
        appealed = f"  \n_Appealed: case #{t.case_id} / 異議申し立て中_" if t.case_id is not None else ""
        return f"{head}\n\n**Refused / お断りしました.** {t.reply}  \n{APPEAL_HINT}{appealed}"
    return f"{head}\n\n{t.reply}" if t.reply.strip() else f"{head}\n\n_(the model returned an empty answer)_"


def chat_messages(turns: list[TurnView]) -> Messages:
    out: Messages = []
    for t in turns:
        out.append({"role": "user", "content": t.request})
        out.append({"role": "assistant", "content": reply_markdown(t)})
    return out


def conversation_choices(desk: ConversationDesk, who: Principal) -> list[tuple[str, int]]:
    return [(f"{c.title or '(untitled)'} · {c.turns}", c.id) for c in desk.listing(who)]


def _toast(exc: Exception) -> gr.Error:
    if isinstance(exc, ConversationTooLong):
        return gr.Error(f"{exc} / 会話が長すぎます。「新しい会話」を始めてください。")
    return gr.Error(str(exc))


def build_chat_tab(
    agent: Agent,
    auth: Authenticator,
    desk: ReviewDesk,
    limits: RateLimits,
    conversations: ConversationDesk,
) -> None:
    gr.Markdown(
        "Chat with the assistant. Each message is safety-checked together with the conversation so far; "
        "only requests judged safe are answered.  \n"
        "アシスタントと会話できます。各メッセージはそれまでの会話と合わせて安全性を確認し、問題のない依頼にのみ回答します。"
    )
    # the open conversation's id (None: a new one starts with the next message); a hidden number, not a
    # gr.State: a State makes every page hold a heartbeat connection open to the server
    current = gr.Number(None, visible=False, precision=0, elem_id="so8t-conversation-id")
    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            picker = gr.Radio(
                choices=[], label="Conversations / 会話", elem_id="so8t-conversations", type="value"
            )
            new = gr.Button("＋ New conversation / 新しい会話", elem_id="so8t-new", size="sm")
            with gr.Accordion("Rename or delete / 名前の変更・削除", open=False, elem_id="so8t-manage"):
                title = gr.Textbox(label="Title / タイトル", elem_id="so8t-title", max_lines=1)
                rename = gr.Button("Rename / 名前を変更", size="sm", elem_id="so8t-rename")
                delete = gr.Button("Delete / 削除", size="sm", variant="stop", elem_id="so8t-delete")
            with gr.Accordion("Context for a new conversation / 新しい会話の前提", open=False):
                context = gr.Textbox(
                    label="Context / 前提 (optional)",
                    lines=2,
                    elem_id="so8t-context",
                    placeholder="e.g. You help the finance team. / 経理部のアシスタントです。",
                )
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Conversation / 会話",
                elem_id="so8t-chatbot",
                height=480,
                placeholder="Ask a work question to start. / 業務の質問を入力して会話を始めてください。",
                group_consecutive_messages=False,
                buttons=["copy", "copy_all"],
                feedback_options=None,  # no like / dislike: reviews go through the review desk
            )
            with gr.Row():
                message = gr.Textbox(
                    show_label=False,
                    lines=1,
                    max_lines=8,
                    scale=8,
                    elem_id="so8t-message",
                    placeholder="Message — Enter sends, Shift+Enter new line / "
                    "メッセージ（Enterで送信、Shift+Enterで改行）",
                )
                send = gr.Button("Send / 送信", variant="primary", elem_id="so8t-send", scale=1, min_width=90)
            with gr.Accordion("Details: the last decision record / 詳細（判定記録）", open=False):
                details = gr.JSON(label="Decision record / 判定記録", elem_id="so8t-details")
    # the one-shot /ask API (gradio_client): its outputs are not shown in the page
    with gr.Row(visible=False):
        badge = gr.HTML(badge_html(None), elem_id="so8t-badge")
        answer = gr.Markdown("", elem_id="so8t-answer")
        ask_btn = gr.Button("ask", elem_id="so8t-ask")
    mine = build_my_requests(desk, auth)
    timer = gr.Timer(POLL_SECONDS, active=False)  # polls only while a conversation is open

    def who_chats(request: gr.Request) -> Principal:
        return signed_in(auth, request, "chat")

    def opened(cid: int | None, who: Principal) -> ConversationDetail | None:
        if cid is None:
            return None
        try:
            return conversations.get(who, int(cid))
        except ConversationNotFound:
            return None

    def load(request: gr.Request) -> dict[Any, Any]:
        who = who_chats(request)
        choices = conversation_choices(conversations, who)
        cid = choices[0][1] if choices else None
        detail = opened(cid, who)
        return {
            picker: gr.Radio(choices=choices, value=cid),
            current: cid,
            chatbot: chat_messages(detail.turn_list) if detail else [],
            title: detail.title if detail else "",
            timer: gr.Timer(active=detail is not None),
        }

    def select(cid: int | None, request: gr.Request) -> dict[Any, Any]:
        who = who_chats(request)
        detail = opened(cid, who)
        return {
            current: detail.id if detail else None,
            chatbot: chat_messages(detail.turn_list) if detail else [],
            title: detail.title if detail else "",
            details: None,
            timer: gr.Timer(active=detail is not None),
        }

    def start_new() -> dict[Any, Any]:
        return {
            current: None,
            chatbot: [],
            picker: gr.Radio(value=None),
            title: "",
            details: None,
            timer: gr.Timer(active=False),
        }

    def do_rename(cid: int | None, text: str, request: gr.Request) -> dict[Any, Any]:
        who = who_chats(request)
        if cid is None:
            raise gr.Error("Open a conversation first. / 先に会話を選んでください。")
        try:
            conversations.rename(who, int(cid), text or "")
        except (ConversationError, ConversationNotFound) as exc:
            raise gr.Error(str(exc)) from exc
        return {picker: gr.Radio(choices=conversation_choices(conversations, who), value=cid)}

    def do_delete(cid: int | None, request: gr.Request) -> dict[Any, Any]:
        who = who_chats(request)
        if cid is None:
            raise gr.Error("Open a conversation first. / 先に会話を選んでください。")
        try:
            conversations.delete(who, int(cid))
        except ConversationNotFound as exc:
            raise gr.Error(str(exc)) from exc
        gr.Info("Conversation deleted (the audit record stays). / 会話を削除しました（監査記録は残ります）。")
        return {
            picker: gr.Radio(choices=conversation_choices(conversations, who), value=None),
            current: None,
            chatbot: [],
            title: "",
            details: None,
            timer: gr.Timer(active=False),
        }

    def talk(
        msg: str, cid: int | None, ctx: str, shown: Messages | None, request: gr.Request
    ) -> Iterator[dict[Any, Any]]:
        who = signed_in(auth, request, "chat", unverified_ok=True)
        _check_rate(limits, who)
        if not (msg or "").strip():
            agent.clean(ctx, msg)  # the edge's own message (and its counter), before anything is shown
        history = list(shown or [])
        if who.role == UNVERIFIED:  # the database cannot say who this is: refused and spooled, not judged
            events = agent.run_stream(ctx, msg, user=who.username, role=who.role)
        else:
            try:
                if cid is None:
                    cid = conversations.start(who, context=ctx or "").id
                events = conversations.send_stream(who, int(cid), msg)
            except (InputError, ConversationNotFound) as exc:
                raise _toast(exc) from exc
        pending = [*history, {"role": "user", "content": msg}, {"role": "assistant", "content": CHECKING}]
        yield {chatbot: pending, message: "", current: cid}
        result: AgentResult | None = None
        try:
            for event in events:
                if event.kind == "decision" and event.decision is not None:
                    v = event.decision
                    line = badge_line(v.decision.value, v.confidence)
                    note = ANSWERING if v.decision is Decision.ALLOW else ""
                    pending[-1] = {"role": "assistant", "content": f"{line}\n\n{note}"}
                    yield {chatbot: pending}
                elif event.kind == "delta":
                    head = str(pending[-1]["content"]).split("\n\n")[0]
                    for end in range(
                        REVEAL_STEP_CHARS, len(event.text) + REVEAL_STEP_CHARS, REVEAL_STEP_CHARS
                    ):
                        pending[-1] = {"role": "assistant", "content": f"{head}\n\n{event.text[:end]}"}
                        yield {chatbot: pending}
                        time.sleep(REVEAL_STEP_S)
                elif event.result is not None:
                    result = event.result
        except (InputError, RecordingError) as exc:
            yield {chatbot: history, message: msg}
            raise _toast(exc) from exc
        final: dict[Any, Any] = {details: result.model_dump() if result else None}
        if who.role != UNVERIFIED and cid is not None:
            detail = opened(cid, who)
            if detail is not None:
                final |= {
                    chatbot: chat_messages(detail.turn_list),
                    picker: gr.Radio(choices=conversation_choices(conversations, who), value=cid),
                    title: detail.title,
                    timer: gr.Timer(active=True),
                }
        yield final

    def poll(cid: int | None, shown: Messages | None, request: gr.Request) -> Any:
        """Show a reviewer's decision in place: re-render when the recorded conversation differs from the
        page (never while a message of this page is being checked or answered)."""
        if cid is None or _in_flight(shown or []):
            return gr.skip()
        detail = opened(cid, who_chats(request))
        if detail is None:
            return gr.skip()
        fresh = chat_messages(detail.turn_list)
        return fresh if _texts(fresh) != _texts(shown or []) else gr.skip()

    def ask(ctx: str, msg: str, request: gr.Request) -> Iterator[tuple[str, str, dict[str, object] | None]]:
        verdict: PolicyDecision | None = None
        text = ""
        who = signed_in(auth, request, "chat", unverified_ok=True)
        _check_rate(limits, who)
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
        except (InputError, RecordingError) as exc:
            raise gr.Error(str(exc)) from exc

    private: dict[str, Any] = {"api_visibility": "private"}
    cleared = [current, chatbot, picker, title, details, timer]
    gr.on(None, load, outputs=[picker, current, chatbot, title, timer], **private)  # on page load
    picker.input(select, [picker], [current, chatbot, title, details, timer], **private)
    new.click(start_new, None, cleared, **private)
    chatbot.clear(start_new, None, cleared, **private)  # its own clear button: a new conversation
    rename.click(do_rename, [current, title], [picker], **private)
    delete.click(do_delete, [current], cleared, **private)
    outputs = [chatbot, message, current, picker, title, details, timer]
    for sent in (
        send.click(talk, [message, current, context, chatbot], outputs, api_name="chat"),
        message.submit(talk, [message, current, context, chatbot], outputs, **private),
    ):
        sent.then(mine.refresh, None, mine.outputs, show_progress="hidden", **private)
    timer.tick(poll, [current, chatbot], [chatbot], show_progress="hidden", **private)
    ask_btn.click(ask, inputs=[context, message], outputs=[badge, answer, details], api_name="ask")


def _check_rate(limits: RateLimits, who: Principal) -> None:
    wait = limits.user_wait(who.username)
    if wait:
        raise gr.Error(
            f"Too many requests: please wait {wait} s and try again. / "
            f"リクエストが多すぎます。{wait} 秒後にもう一度お試しください。"
        )


def _texts(messages: Messages) -> list[tuple[str, str]]:
    """(role, text) of each message, whether its content is text or a list of parts (as the page sends)."""
    out = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
        out.append((str(m.get("role")), str(content)))
    return out


def _in_flight(messages: Messages) -> bool:
    return any(CHECKING in text or ANSWERING in text for _, text in _texts(messages))

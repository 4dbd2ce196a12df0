"""The Reviewer tab: queue counts, filters and table; claim next; the case view; verdicts; shortcuts.

Every handler looks the signed-in user up and checks the ``review`` permission on the server
(``signed_in``); the desk checks it again. Hiding the tab from other roles is only cosmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.desks.review import CaseListFilters, ReviewDesk
from app.desks.review_views import CaseDetail
from app.identity.accounts import Principal
from app.identity.auth import Authenticator
from app.ui.errors import shown_as_toast
from app.ui.reviewer_views import (
    QUEUE_HEADERS,
    QUEUE_WIDTHS,
    case_html,
    counts_markdown,
    precedents_markdown,
    queue_rows,
    result_markdown,
)
from app.ui.session import signed_in
from review.queue import QueueFilters
from review.verdicts import Verdict

ANY = "any"
STATUS_CHOICES = [
    ("open / 未着手", "open"),
    ("claimed / 対応中", "claimed"),
    ("decided / 判定済み", "decided"),
]
PRIORITY_CHOICES = [("high / 高", "1"), ("normal / 中", "2"), ("low / 低", "3")]
LANG_CHOICES = [("English", "en"), ("日本語", "ja")]
SOURCE_CHOICES = [
    ("escalate / 人の判断へ", "escalate"),
    ("appeal / 異議", "appeal"),
    ("sample / 抽出", "sampling"),
]
LABEL_CHOICES = [("—", ""), ("ALLOW", "ALLOW"), ("REFUSE", "REFUSE"), ("ESCALATE", "ESCALATE")]
QUEUE_REFRESH_S = 30.0
# Alt+A approve, Alt+R reject, Alt+N claim next. Alt is required, so typing in the reason box never
# fires them; only buttons on the visible tab are clicked.
SHORTCUTS_JS = """
() => {
  if (window.so8tReviewerShortcuts) return;
  window.so8tReviewerShortcuts = true;
  const keys = {KeyA: "so8t-rev-approve", KeyR: "so8t-rev-reject", KeyN: "so8t-rev-claim"};
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const button = document.getElementById(keys[event.code] || "");
    if (!button || button.offsetParent === null || button.disabled) return;
    event.preventDefault();
    event.stopPropagation();
    button.click();
  }, true);
}
"""


@dataclass(frozen=True)
class Filters:
    """The filter widgets' values: ``any`` (or blank) means no filter."""

    status: str
    priority: str
    category: str
    lang: str
    source: str
    older_than_minutes: float | None

    def _pick(self, value: str | None) -> str | None:
        return None if value in (None, "", ANY) else value

    def listing(self) -> CaseListFilters:
        older = self.older_than_minutes
        return CaseListFilters(
            status=self._pick(self.status),
            priority=int(self.priority) if self._pick(self.priority) else None,
            category=self._pick(self.category),
            lang=self._pick(self.lang),
            source=self._pick(self.source),
            older_than_minutes=int(older) if older else None,
        )

    def queue(self) -> QueueFilters:
        listing = self.listing()
        return QueueFilters(
            priority=listing.priority, category=listing.category, lang=listing.lang, source=listing.source
        )


def build_reviewer_tab(
    desk: ReviewDesk, auth: Authenticator, *, categories: Sequence[tuple[str, str]] = ()
) -> None:
    """Lay the tab out and wire its handlers; ``categories`` are (label, id) pairs for the filter."""
    counts = gr.Markdown("", elem_id="so8t-rev-counts")
    with gr.Row():
        status = _choice("Status / 状態", STATUS_CHOICES, "so8t-rev-status", default="open")
        priority = _choice("Priority / 優先度", PRIORITY_CHOICES, "so8t-rev-priority")
        category = _choice("Category / カテゴリ", list(categories), "so8t-rev-category", custom=True)
        lang = _choice("Language / 言語", LANG_CHOICES, "so8t-rev-lang")
        source = _choice("Source / 種別", SOURCE_CHOICES, "so8t-rev-source")
        older = gr.Number(label="Older than (min) / 経過分以上", precision=0, elem_id="so8t-rev-older")
    with gr.Row():
        refresh_btn = gr.Button("Refresh / 更新", elem_id="so8t-rev-refresh", size="sm")
        claim_btn = gr.Button("Claim next / 次を担当 (Alt+N)", variant="primary", elem_id="so8t-rev-claim")
    table = gr.Dataframe(
        headers=QUEUE_HEADERS,
        column_widths=QUEUE_WIDTHS,
        interactive=False,
        wrap=True,
        elem_id="so8t-rev-queue",
        label="Queue / キュー (click a row to open it / 行をクリックで表示)",
    )
    with gr.Row():
        with gr.Column(scale=3):
            with gr.Row():
                case_no = gr.Number(label="Case # / ケース番号", precision=0, elem_id="so8t-rev-case-id")
                open_btn = gr.Button("Open / 表示", elem_id="so8t-rev-open", size="sm")
            case_view = gr.HTML(case_html(None), elem_id="so8t-rev-case")
            precedents = gr.Markdown("", elem_id="so8t-precedents")
        with gr.Column(scale=2):
            reason = gr.Textbox(label="Reason / 理由", lines=3, elem_id="so8t-rev-reason")
            label = gr.Dropdown(
                LABEL_CHOICES, value="", label="Corrected label / 正しい判定", elem_id="so8t-rev-label"
            )
            edited = gr.Textbox(
                label="Edited answer (optional, approve only) / 回答の修正（任意・承認時のみ）",
                lines=4,
                elem_id="so8t-rev-answer",
            )
            with gr.Row():
                approve_btn = gr.Button(
                    "Approve / 承認 (Alt+A)", variant="primary", elem_id="so8t-rev-approve"
                )
                reject_btn = gr.Button("Reject / 却下 (Alt+R)", variant="stop", elem_id="so8t-rev-reject")
            with gr.Row():
                release_btn = gr.Button("Release / 返却", elem_id="so8t-rev-release", size="sm")
                retry_btn = gr.Button(
                    "Retry answer (or send the edited one) / 回答を再生成（修正回答があれば送信）",
                    elem_id="so8t-rev-retry",
                    size="sm",
                )
            result = gr.Markdown("", elem_id="so8t-rev-result")
    timer = gr.Timer(QUEUE_REFRESH_S, active=False)
    filter_inputs = [status, priority, category, lang, source, older]
    queue_outputs = [counts, table]
    case_outputs = [case_no, case_view, precedents, result]
    form = [reason, label, edited]

    def reviewer(request: gr.Request | None) -> Principal:
        return signed_in(auth, request, "review")

    def queue_view(who: Principal, filters: Filters) -> dict[Any, Any]:
        with shown_as_toast():
            stats, cases = desk.stats(who), desk.list_cases(who, filters.listing())
        return {counts: counts_markdown(stats), table: queue_rows(cases)}

    def case_view_of(who: Principal, case: CaseDetail | None, note: str = "") -> dict[Any, Any]:
        shown = _precedents(desk, who, case.id) if case is not None else ""
        return {case_no: case.id if case else None, case_view: case_html(case, note=note), precedents: shown}

    def refresh(
        status: str, priority: str, category: str, lang: str, source: str, older_than: float | None,
        request: gr.Request,
    ) -> dict[Any, Any]:  # fmt: skip
        return queue_view(reviewer(request), Filters(status, priority, category, lang, source, older_than))

    def first_load(request: gr.Request) -> dict[Any, Any]:
        """On page load: fill the queue for reviewers; for other roles show nothing (no error toast)."""
        who = signed_in(auth, request, "chat")
        if not who.can("review"):
            return {counts: "", table: [], timer: gr.Timer(active=False)}
        return {**queue_view(who, Filters(*(w.value for w in filter_inputs))), timer: gr.Timer(active=True)}

    def claim(
        status: str, priority: str, category: str, lang: str, source: str, older_than: float | None,
        request: gr.Request,
    ) -> dict[Any, Any]:  # fmt: skip
        who = reviewer(request)
        with shown_as_toast():
            case = desk.claim(who, Filters(status, priority, category, lang, source, older_than).queue())
        note = "No open case matches the filters. / 条件に合う未着手のケースはありません。"
        if case is None:
            gr.Info(note)
        return {**case_view_of(who, case, note), result: "", reason: "", label: "", edited: ""}

    def open_case(case_number: float | None, request: gr.Request) -> dict[Any, Any]:
        who = reviewer(request)
        with shown_as_toast():
            case = desk.get(who, _case_id(case_number))
        return {**case_view_of(who, case), result: ""}

    def pick(evt: gr.SelectData, request: gr.Request) -> dict[Any, Any]:
        """A click on a queue row opens that case (read-only until claimed)."""
        row = evt.row_value or []
        return open_case(row[0] if row else None, request)

    def verdict_handler(verdict: str) -> Callable[..., dict[Any, Any]]:
        def handler(
            case_number: float | None, reason_text: str, corrected_label: str, edited_answer: str,
            request: gr.Request,
        ) -> dict[Any, Any]:  # fmt: skip
            who = reviewer(request)
            given = Verdict(verdict, reason_text or "", corrected_label or None, edited_answer or None)
            with shown_as_toast():
                case = desk.decide(who, _case_id(case_number), given)
            done = {case_view: case_html(case), result: result_markdown(case, verdict)}
            return {**done, reason: "", label: "", edited: ""}

        return handler

    def release_case(case_number: float | None, request: gr.Request) -> dict[Any, Any]:
        who = reviewer(request)
        with shown_as_toast():
            case = desk.release(who, _case_id(case_number))
        note = f"Case #{case.id} is back in the queue. / ケースをキューに戻しました。"
        return {case_view: case_html(case), result: note}

    def retry(case_number: float | None, edited_answer: str, request: gr.Request) -> dict[Any, Any]:
        """An approved case still waiting for its answer: the model tries again, or the reviewer's own
        answer (the edited-answer box) is sent."""
        who = reviewer(request)
        with shown_as_toast():
            if (edited_answer or "").strip():
                case = desk.write_answer(who, _case_id(case_number), edited_answer)
            else:
                case = desk.retry_answer(who, _case_id(case_number))
        return {case_view: case_html(case), result: result_markdown(case, "approve"), edited: ""}

    def then_refresh(event: Any) -> None:
        event.success(refresh, filter_inputs, queue_outputs, show_progress="hidden", api_visibility="private")

    gr.on(None, first_load, outputs=[*queue_outputs, timer], api_visibility="private")  # on page load
    gr.on(None, None, js=SHORTCUTS_JS)
    filter_changed = [w.input for w in (status, priority, category, lang, source)] + [older.submit]
    gr.on(filter_changed, refresh, filter_inputs, queue_outputs, api_visibility="private")
    timer.tick(refresh, filter_inputs, queue_outputs, show_progress="hidden", api_visibility="private")
    refresh_btn.click(refresh, filter_inputs, queue_outputs, api_name="review_queue")
    then_refresh(claim_btn.click(claim, filter_inputs, [*case_outputs, *form], api_name="review_claim"))
    open_btn.click(open_case, [case_no], case_outputs, api_name="review_open")
    table.select(pick, None, case_outputs, api_visibility="private")
    done_outputs = [case_view, result, *form]
    for button, verdict in ((approve_btn, "approve"), (reject_btn, "reject")):
        decided = button.click(
            verdict_handler(verdict), [case_no, *form], done_outputs, api_name=f"review_{verdict}"
        )
        then_refresh(decided)
    then_refresh(release_btn.click(release_case, [case_no], [case_view, result], api_name="review_release"))
    retry_btn.click(retry, [case_no, edited], [case_view, result, edited], api_name="review_retry")


def _choice(
    label: str, choices: list[tuple[str, str]], elem_id: str, *, default: str = ANY, custom: bool = False
) -> gr.Dropdown:
    return gr.Dropdown(
        [("any / すべて", ANY), *choices],
        value=default,
        label=label,
        elem_id=elem_id,
        allow_custom_value=custom,
        min_width=120,
    )


def _case_id(number: object) -> int:
    try:
        value = int(float(str(number).strip().lstrip("#")))
    except ValueError:
        value = 0
    if value <= 0:
        raise gr.Error("Claim or open a case first. / まずケースを担当または表示してください。")
    return value


def _precedents(desk: ReviewDesk, who: Principal, case_id: int) -> str:
    """Similar decided cases, if the desk offers them (``desk.precedents`` is optional)."""
    find = getattr(desk, "precedents", None)
    if find is None:
        return precedents_markdown(None)
    with shown_as_toast():
        return precedents_markdown(find(who, case_id))

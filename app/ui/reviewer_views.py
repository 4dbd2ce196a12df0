"""What the Reviewer tab shows, as plain functions of the desk's views (HTML escaped, PII already masked)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Protocol

from app.desks.review_views import CaseDetail, CaseSummary, QueueStats, ReviewView
from db.statuses import CaseOutcome, CaseStatus
from model.labels import LABELS
from review.queue import Priority

QUEUE_HEADERS = [
    "id",
    "priority / 優先度",
    "source / 種別",
    "category / カテゴリ",
    "lang / 言語",
    "model / モデル判定",
    "age / 経過",
    "SLA left / 残り",
    "request / 依頼",
    "claimed by / 担当",
    "reviews / 判定数",
]
QUEUE_WIDTHS: list[str | int] = ["5%", "7%", "8%", "10%", "5%", "8%", "6%", "9%", "25%", "9%", "8%"]


def _priority_name(priority: int) -> str:
    try:
        return Priority(priority).label
    except ValueError:
        return str(priority)


LABEL_COLOURS = {"ALLOW": "#1a7f37", "REFUSE": "#cf222e", "ESCALATE": "#9a6700"}
OUTCOME_TEXT: dict[str, str] = {
    CaseOutcome.APPROVED: "approved / 承認",
    CaseOutcome.REJECTED: "rejected / 却下",
    CaseOutcome.FAIL_SAFE: "refused by default, SLA passed (fail-safe) / 期限切れのため既定でお断り",
}


class Precedent(Protocol):
    """What ``desk.precedents`` returns per similar earlier case (duck-typed; the method is optional)."""

    case_id: int
    similarity: float
    excerpt: str
    outcome: str | None
    verdict_reason: str | None


def duration(seconds: int) -> str:
    """``1h 05m`` / ``12m`` / ``45s``; negative durations get a leading minus."""
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m" if minutes else f"{sign}{seconds}s"


def sla_text(seconds_left: int, status: str) -> str:
    if status == CaseStatus.DECIDED:
        return "—"
    return duration(seconds_left) if seconds_left >= 0 else f"overdue {duration(-seconds_left)}"


def counts_markdown(stats: QueueStats) -> str:
    p = stats.open_by_priority
    return (
        f"**Open / 未着手:** {stats.open} (high {p.get('high', 0)} · normal {p.get('normal', 0)} · "
        f"low {p.get('low', 0)}) · **Claimed / 対応中:** {stats.claimed} · "
        f"**Overdue / 期限超過:** {stats.overdue} · **Decided / 判定済み:** {stats.decided}"
    )


def queue_rows(cases: Sequence[CaseSummary]) -> list[list[object]]:
    return [
        [
            c.id,
            _priority_name(c.priority),
            c.source,
            c.category or "—",
            c.lang,
            c.model_decision,
            duration(c.age_minutes * 60) if c.age_minutes else "<1m",
            sla_text(c.sla_seconds_left, c.status),
            c.excerpt,
            c.claimed_by or "",
            f"{c.reviews}/{c.required_reviews}" + (" · senior" if c.needs_senior else ""),
        ]
        for c in cases
    ]


def _e(text: object) -> str:
    return html.escape(str(text))


def _block(title: str, body: str, cls: str) -> str:
    return (
        f"<div class='{cls}'><div style='font-weight:600;margin-top:10px'>{title}</div>"
        f"<div style='white-space:pre-wrap;border:1px solid #d0d7de;border-radius:6px;padding:8px'>"
        f"{_e(body)}</div></div>"
    )


def probability_bars(probabilities: dict[str, float]) -> str:
    rows = []
    for label in LABELS:
        p = float(probabilities.get(label, 0.0))
        rows.append(
            f"<div class='so8t-prob' data-label='{label}' style='display:flex;align-items:center;gap:6px'>"
            f"<span style='width:80px'>{label}</span>"
            f"<span style='flex:1;background:#eaeef2;border-radius:4px;height:10px'>"
            f"<span style='display:block;height:10px;border-radius:4px;width:{p:.1%};"
            f"background:{LABEL_COLOURS[label]}'></span></span><span style='width:52px;text-align:right'>"
            f"{p:.1%}</span></div>"
        )
    return "".join(rows)


def _review_line(review: ReviewView) -> str:
    label = f" → {review.corrected_label}" if review.corrected_label else ""
    senior = " (senior)" if review.senior else ""
    who = f"<b>{_e(review.reviewer)}</b>{senior}"
    return f"<li>{who}: {_e(review.verdict)}{_e(label)} — {_e(review.reason)}</li>"


def case_html(case: CaseDetail | None, *, note: str = "") -> str:
    """The case view; ``None`` shows a hint (``note``) instead."""
    if case is None:
        hint = note or "No case open. Press Claim next (Alt+N). / 「次を担当」でケースを取得します。"
        return f"<div class='so8t-case so8t-case-empty'>{_e(hint)}</div>"
    left, due = sla_text(case.sla_seconds_left, case.status), case.sla_due_at[:16]
    senior = " · needs a senior reviewer / 上級者の判断待ち" if case.needs_senior else ""
    parts = [
        f"<div class='so8t-case' data-case-id='{case.id}' data-status='{_e(case.status)}'>",
        f"<h3 style='margin:0'>Case #{case.id} · {_e(case.status)} · "
        f"{_priority_name(case.priority)} · {_e(case.source)} · {_e(case.lang)}"
        f"{' · ' + _e(case.category) if case.category else ''}</h3>",
        f"<div class='so8t-case-sla'>SLA left / 期限まで: <b>{_e(left)}</b> (due {_e(due)} UTC) · "
        f"reviews {case.reviews}/{case.required_reviews}{senior}</div>",
    ]
    if case.claimed_by:
        lease = f", lease until {_e(case.lease_expires_at[:19])} UTC" if case.lease_expires_at else ""
        parts.append(f"<div class='so8t-case-lease'>claimed by / 担当: {_e(case.claimed_by)}{lease}</div>")
    parts.append(f"<div>from / 依頼者: {_e(case.user)} · request {_e(case.request_id)}</div>")
    if case.context.strip():
        parts.append(_block("Context / 前提", case.context, "so8t-case-context"))
    if case.history:
        parts.append(conversation_html(case))
    turn = (
        f" (turn {case.conversation_turn} / {case.conversation_turn}ターン目)"
        if case.conversation_turn
        else ""
    )
    parts.append(_block(f"Request / 依頼{turn}", case.request, "so8t-case-request"))
    if case.appeal_text:
        parts.append(_block("Employee's appeal / 社員からの異議", case.appeal_text, "so8t-case-appeal"))
    colour = LABEL_COLOURS.get(case.model_decision, "#57606a")
    parts += [
        "<div style='font-weight:600;margin-top:10px'>Model decision / モデルの判定</div>",
        f"<div class='so8t-case-model' data-decision='{_e(case.model_decision)}'>"
        f"<span style='color:#fff;background:{colour};padding:2px 8px;border-radius:6px'>"
        f"{_e(case.model_decision)}</span> {case.confidence:.0%} · {_e(case.reason_code)} · "
        f"model {_e(case.model_version)}</div>",
        probability_bars(case.probabilities),
        f"<p class='so8t-case-rationale'>{_e(case.rationale)}</p>",
    ]
    if case.flags:
        parts.append(f"<div>flags / 検出: {_e(', '.join(case.flags))}</div>")
    if case.your_review is not None:
        mine = _review_line(case.your_review)
        parts.append(f"<div class='so8t-case-mine'>Your verdict / あなたの判定:<ul>{mine}</ul></div>")
    others = [r for r in case.visible_reviews if case.your_review is None or r != case.your_review]
    if others:
        listed = "".join(map(_review_line, others))
        parts.append(f"<div class='so8t-case-reviews'>Reviews / 判定:<ul>{listed}</ul></div>")
    if case.status == CaseStatus.DECIDED:
        parts.append(decided_html(case))
    parts.append("</div>")
    return "".join(parts)


def conversation_html(case: CaseDetail) -> str:
    """The earlier turns of the case's conversation (masked like the request), oldest first: the model
    judged the request together with them, and so should the reviewer."""
    rows = []
    for m in case.history:
        who = "employee / 社員" if m.get("role") == "user" else "assistant / アシスタント"
        rows.append(
            f"<div class='so8t-case-turn' data-role='{_e(m.get('role', ''))}' style='margin:4px 0'>"
            f"<span style='font-weight:600'>{who}:</span> "
            f"<span style='white-space:pre-wrap'>{_e(m.get('content', ''))}</span></div>"
        )
    return (
        "<div class='so8t-case-conversation'><div style='font-weight:600;margin-top:10px'>"
        f"Earlier in the conversation / それまでの会話 ({len(case.history) // 2})</div>"
        "<div style='border:1px solid #d0d7de;border-radius:6px;padding:8px;background:#f6f8fa'>"
        f"{''.join(rows)}</div></div>"
    )


def decided_html(case: CaseDetail) -> str:
    outcome = OUTCOME_TEXT.get(case.outcome or "", case.outcome or "")
    label = f" · corrected label {_e(case.corrected_label)}" if case.corrected_label else ""
    if case.answer_pending and case.answer_error:
        response = (
            "The model's answer was withheld or failed; the employee has not seen it. Press Retry answer, "
            "or write the answer in 'Edited answer' and press it to send yours. / モデルの回答は差し止め"
            "または失敗しました（社員には未表示）。再生成するか、修正回答を書いて送信してください。\n"
            f"Why / 理由: {case.answer_error}"
        )
    elif case.answer_pending:
        response = "(the model's answer is being written, or failed: press Retry answer / 回答を作成中)"
    else:
        response = case.final_response or ""
    return (
        f"<div class='so8t-case-outcome' data-outcome='{_e(case.outcome)}'>"
        f"<b>Outcome / 結果: {_e(outcome)}</b> by {_e(case.decided_by)}{label}<br>"
        f"Reason / 理由: {_e(case.verdict_reason or '')}</div>"
        + _block("The employee sees / 社員への回答", response, "so8t-case-final")
    )


def result_markdown(case: CaseDetail, verdict: str) -> str:
    if case.status == CaseStatus.DECIDED:
        outcome = OUTCOME_TEXT.get(case.outcome or "", case.outcome or "")
        shown = (
            "_(answer being written / 回答を作成中)_" if case.answer_pending else (case.final_response or "")
        )
        quoted = "\n".join(f"> {line}" for line in shown.splitlines() or [""])
        return f"**Case #{case.id}: {outcome}.** The employee now sees / 社員への回答:\n\n{quoted}"
    waiting = "a senior reviewer" if case.needs_senior else "another reviewer"
    return (
        f"**Your {verdict} on case #{case.id} is recorded** ({case.reviews}/{case.required_reviews}); "
        f"it now waits for {waiting}. / 判定を記録しました。別の担当者の判定を待ちます。"
    )


def precedents_markdown(precedents: Sequence[Precedent] | None) -> str:
    if precedents is None:
        return "_Precedents are not available yet. / 類似事例は未対応です。_"
    if not precedents:
        return "_No similar earlier cases. / 類似の過去事例はありません。_"
    lines = ["**Similar earlier cases / 類似の過去事例**", ""]
    for p in precedents:
        outcome = OUTCOME_TEXT.get(p.outcome or "", p.outcome or "open")
        reason = f" — {p.verdict_reason}" if p.verdict_reason else ""
        lines.append(f"- #{p.case_id} ({p.similarity:.0%}) {outcome}{_e(reason)}: {_e(p.excerpt)}")
    return "\n".join(lines)

"""Report strings in English and Japanese, and the number / date formats (dates always in UTC)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

LANGS = ("en", "ja")

TEXT: dict[str, tuple[str, str]] = {  # key -> (en, ja)
    "title": ("Compliance report", "コンプライアンス報告書"),
    "product": ("SO8T Safe Agent", "SO8T Safe Agent"),
    "period": ("Period", "対象期間"),
    "period_text": (
        "{start} to {end} (UTC; the start is included, the end is not)",
        "{start} から {end} まで（UTC。開始時刻を含み、終了時刻は含まない）",
    ),
    "generated_at": ("Generated at", "作成日時"),
    "report_lang": ("Language", "言語"),
    "chain_head": ("Audit chain head hash", "監査チェーンの先頭ハッシュ"),
    "chain_status": ("Audit chain verification", "監査チェーンの検証結果"),
    "chain_ok": ("intact: {checked} events checked", "改ざんなし：{checked} 件のイベントを検証"),
    "chain_broken": ("BROKEN at seq {seq}: {problem}", "破損あり（seq {seq}）：{problem}"),
    "contents": ("Contents", "目次"),
    "key_figures": ("Key figures", "主要指標"),
    "no_data": ("No data in this period.", "この期間のデータはありません。"),
    "not_available": ("n/a", "該当なし"),
    "cover_note": (
        "All times are UTC. Case figures describe cases opened in the period, in their state at the "
        "time this report was generated.",
        "時刻はすべて UTC です。ケースの数値は対象期間に開始されたケースについて、"
        "本報告書の作成時点の状態を示します。",
    ),
    # sections
    "s_volumes": ("Decision volumes", "判定件数"),
    "s_rates": ("Refusal and escalation rates over time", "拒否率・エスカレーション率の推移"),
    "s_conversations": ("Conversations (multi-turn chats)", "会話（複数ターンのチャット）"),
    "s_cases": ("Review cases and deadlines (SLA)", "レビューケースと対応期限（SLA）"),
    "s_workload": ("Reviewer workload and agreement", "レビュー担当者の作業量と判断の一致度"),
    "s_overturns": ("Model decisions overturned by reviewers", "レビューによるモデル判定の覆り"),
    "s_appeals": ("Appeals and outcomes", "異議申立てと結果"),
    "s_models": ("Model versions in service", "稼働したモデルのバージョン"),
    "s_audit": ("Audit log integrity", "監査ログの完全性"),
    "s_examples": ("Sampled examples (masked)", "抽出事例（マスキング済み）"),
    "s_mapping": ("Record-keeping and oversight duties", "記録保持・人による監督に関する義務との対応"),
    # labels
    "decisions_total": ("Decisions", "判定数"),
    "refuse_rate": ("Refusal rate", "拒否率"),
    "escalate_rate": ("Escalation rate", "エスカレーション率"),
    "cases_opened": ("Cases opened", "開始されたケース"),
    "sla_met_rate": ("Deadline met", "期限内対応率"),
    "fail_safe_count": ("Fail-safe refusals", "フェイルセーフによる拒否"),
    "overturn_rate": ("Overturn rate", "判定が覆った割合"),
    "kappa": ("Cohen's kappa", "Cohen のカッパ係数"),
    "appeal_reversal": ("Appeals upheld", "異議が認められた割合"),
    "conversations": ("Conversations", "会話数"),
    "conversation_turns": ("Decisions that were a conversation's turn", "会話のターンとしての判定"),
    "single_requests": ("Single requests (no conversation)", "単発の依頼（会話外）"),
    "turns_mean": ("Turns per conversation (mean)", "会話あたりのターン数（平均）"),
    "turns_median": ("Turns per conversation (median)", "会話あたりのターン数（中央値）"),
    "turns_max": ("Longest conversation (turns)", "最長の会話（ターン数）"),
    "chats_refused": ("Conversations with a refused turn", "拒否されたターンを含む会話"),
    "chats_escalated": ("Conversations with an escalated turn", "エスカレーションされたターンを含む会話"),
    "turn_number": ("Turn", "ターン"),
    "turn_band": ("Turn {band}", "ターン {band}"),
    "decision": ("Decision", "判定"),
    "count": ("Count", "件数"),
    "share": ("Share", "割合"),
    "language": ("Language", "言語"),
    "category": ("Policy category", "ポリシー区分"),
    "total": ("Total", "合計"),
    "no_category": ("(none)", "（なし）"),
    "bucket": ("From", "期間の開始"),
    "freq_day": ("per day", "日ごと"),
    "freq_week": ("per week (from Monday)", "週ごと（月曜始まり）"),
    "freq_month": ("per month", "月ごと"),
    "source": ("Source", "発生元"),
    "priority": ("Priority", "優先度"),
    "all": ("All", "全体"),
    "decided": ("Decided", "判断済み"),
    "undecided": ("Undecided", "未判断"),
    "reviewer": ("Reviewer", "担当者"),
    "verdicts": ("Verdicts", "判断数"),
    "approve": ("Approve", "承認"),
    "reject": ("Reject", "却下"),
    "senior": ("Senior calls", "上級判断"),
    "median_minutes": ("Median minutes to verdict", "判断までの時間（中央値・分）"),
    "pairs": ("Double-review pairs", "二重レビューの組"),
    "agreement_rate": ("Raw agreement", "単純一致率"),
    "reviewed": ("Decided by people", "人が判断した件数"),
    "overturned": ("Overturned", "覆った件数"),
    "model_version": ("Model version", "モデルのバージョン"),
    "first_seen": ("First seen", "初出"),
    "last_seen": ("Last seen", "最終"),
    "evaluation": ("Evaluation figures (from the artifact's metrics)", "評価指標（成果物の metrics より）"),
    "split": ("Data split", "データ区分"),
    "no_eval": ("no evaluation figures supplied", "評価指標の提供なし"),
    "event_type": ("Event type", "イベント種別"),
    "events_in_period": ("Audit events written in the period", "対象期間に記録された監査イベント"),
    "request": ("Request (masked excerpt)", "依頼内容（マスキング済み抜粋）"),
    "time": ("Time (UTC)", "日時（UTC）"),
    "outcome": ("Case outcome", "ケースの結果"),
    "request_id": ("Request id", "リクエスト ID"),
    "framework": ("Framework", "枠組み"),
    "duty": ("Duty", "求められる事項"),
    "evidence": ("Where this report supports it", "本報告書の該当箇所"),
    # values
    "ALLOW": ("Allow", "許可"),
    "REFUSE": ("Refuse", "拒否"),
    "ESCALATE": ("Escalate", "人の判断へ"),
    "en": ("English", "英語"),
    "ja": ("Japanese", "日本語"),
    "escalate": ("Model escalation", "モデルによるエスカレーション"),
    "appeal": ("Employee appeal", "社員の異議申立て"),
    "sampling": ("Audit sample", "抜き取り監査"),
    "approved": ("Approved", "承認"),
    "rejected": ("Rejected", "却下"),
    "fail_safe": ("Fail-safe (refused by default)", "フェイルセーフ（既定で拒否）"),
    "pending": ("Undecided, within deadline", "未判断・期限内"),
    "met": ("Decided within deadline", "期限内に判断"),
    "late": ("Decided after deadline", "期限後に判断"),
    "overdue": ("Undecided, deadline passed", "未判断・期限超過"),
    "priority_1": ("High", "高"),
    "priority_2": ("Normal", "中"),
    "priority_3": ("Low", "低"),
    # explanations
    "rates_note": (
        "Share of the period's decisions that were refusals / escalations, {freq}.",
        "対象期間の判定に占める拒否・エスカレーションの割合（{freq}）。",
    ),
    "conversations_note": (
        "Every turn of a conversation is decided on the whole conversation so far and counted as a "
        "decision above. Conversations with a turn decided in the period; their length counts only the "
        "turns decided in the period. A request split over several turns is judged on the later turns "
        "with the earlier ones in view.",
        "会話の各ターンは、それまでの会話全体を踏まえて判定され、上の判定件数に含まれます。"
        "対象期間に判定されたターンを含む会話を集計し、会話の長さは対象期間内のターンのみで数えます。"
        "複数ターンに分けた依頼は、後のターンで前のターンも踏まえて判定されます。",
    ),
    "sla_note": (
        "Deadline met = decided by a person by the case's deadline, out of all cases whose outcome or "
        "deadline is known (undecided cases within their deadline are not counted). A fail-safe "
        "refusal is applied by the system when no person decided in time; it counts as a breach.",
        "期限内対応率＝期限までに人が判断したケースの割合（結果または期限到来が確定したケースが分母。"
        "期限内の未判断ケースは除く）。"
        "フェイルセーフは期限内に人の判断がなかった場合にシステムが適用する拒否で、期限違反として数えます。",
    ),
    "workload_note": (
        "Verdicts recorded in the period. Kappa compares the first two independent verdicts of each "
        "double-reviewed case opened in the period (senior tie-breaks excluded).",
        "対象期間に記録された判断を集計。カッパ係数は、対象期間に開始された二重レビュー対象ケースの"
        "最初の 2 件の独立した判断を比較します（上級者による裁定は除く）。",
    ),
    "overturn_note": (
        "A model decision counts as overturned when people decided against it: the reviewer's corrected "
        "label differs from the model's decision, or (without a corrected label) a refusal was approved "
        "or an allowed request was rejected. Approving or rejecting an escalation is not an overturn: "
        "the model asked for that human decision. Fail-safe outcomes are not reviews and are excluded.",
        "人の判断がモデルの判定と異なった場合に「覆った」と数えます。"
        "担当者の訂正ラベルがモデルの判定と異なる場合、"
        "または（訂正ラベルがない場合）拒否を承認したか許可を却下した場合です。エスカレーションの承認・"
        "却下は、"
        "モデル自身が人の判断を求めたものであり、覆りには数えません。"
        "フェイルセーフは人の判断ではないため除外します。",
    ),
    "appeals_note": (
        "Employees' appeals against refusals, opened in the period.",
        "対象期間に開始された、拒否に対する社員の異議申立て。",
    ),
    "models_note": (
        "Versions that made decisions in the period (content hash of the model artifact).",
        "対象期間に判定を行ったバージョン（モデル成果物の内容ハッシュ）。",
    ),
    "audit_note": (
        "The hash chain was verified from its first event when this report was generated. The export "
        "of this report is itself recorded as a 'report.export' event after the head shown here.",
        "本報告書の作成時に、ハッシュチェーンを最初のイベントから検証しました。本報告書の出力自体も、"
        "ここに示す先頭の後に「report.export」イベントとして記録されます。",
    ),
    "examples_note": (
        "Drawn reproducibly at random, up to {n} per decision. Requests are masked (e-mail addresses, "
        "numbers) and shortened.",
        "判定ごとに最大 {n} 件を再現可能な方法で無作為抽出。依頼内容はマスキング（メールアドレス・数字）"
        "のうえ短縮しています。",
    ),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang``; an unknown key raises ``KeyError`` (no silent English)."""
    if lang not in LANGS:
        raise ValueError(f"report language must be one of {', '.join(LANGS)}, not {lang!r}")
    index = LANGS.index(lang)

    def t(key: str, **values: object) -> str:
        text = TEXT[key][index]
        return text.format(**values) if values else text

    return t


def fmt_time(moment: datetime | None) -> str:
    return "–" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def fmt_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def fmt_num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if digits or isinstance(value, float) else f"{value:,}"

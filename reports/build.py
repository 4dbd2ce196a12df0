"""Building a compliance report: load the period, aggregate, verify the audit chain, draw the charts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from audit.log import ChainCheck, verify_chain
from reports import charts
from reports.aggregate import (
    DECISIONS,
    ModelVersionRow,
    RatesOverTime,
    Share,
    Volumes,
    model_versions,
    rates_over_time,
    sample_ids,
    volumes,
)
from reports.aggregate_review import (
    SLA_STATES,
    Agreement,
    Appeals,
    CaseFigures,
    OverturnRow,
    ReviewerRow,
    agreement,
    appeals,
    case_figures,
    overturns,
    workload,
)
from reports.conversations import SINGLE, ConversationFigures, conversation_figures
from reports.data import Period, load_examples, load_period
from reports.i18n import translator
from reports.masking import default_mask, excerpt

EXAMPLES_PER_DECISION = 3


@dataclass(frozen=True)
class Example:
    request_id: str
    created_at: datetime
    decision: str
    category: str | None
    lang: str
    text: str  # masked excerpt
    source: str | None  # case source, if the request became a case
    outcome: str | None


@dataclass(frozen=True)
class Report:
    lang: str
    period: Period
    generated_at: datetime
    chain: ChainCheck
    volumes: Volumes
    rates: RatesOverTime
    conversations: ConversationFigures
    cases: CaseFigures
    agreement: Agreement
    reviewers: list[ReviewerRow]
    overturns_by_source: list[OverturnRow]
    overturns_by_model: list[OverturnRow]
    appeals: Appeals
    models: list[ModelVersionRow]
    audit_events: list[Share]  # event_type -> count written in the period
    examples: list[Example]
    examples_per_decision: int
    charts: dict[str, str]  # name -> SVG document


def build_report(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    lang: str,
    now: datetime,
    mask: Callable[[str], str] = default_mask,
    model_metrics: Mapping[str, Mapping[str, Any]] | None = None,
    examples_per_decision: int = EXAMPLES_PER_DECISION,
) -> Report:
    """Everything the report shows for ``[start, end)`` (UTC), in ``lang`` ("en" or "ja").

    ``mask`` is applied to every request text shown; ``model_metrics`` maps a model version to its
    artifact's ``metrics.json`` (or an ``so8t eval --out`` file). Reads only; writes nothing.
    """
    t = translator(lang)
    period = Period(start, end)
    frames = load_period(session=session, period=period)
    agreed, per_reviewer = agreement(frames.reviews)
    report = Report(
        lang=lang,
        period=period,
        generated_at=now,
        chain=verify_chain(session=session),
        volumes=volumes(frames.decisions),
        rates=rates_over_time(frames.decisions, period.start, period.end),
        conversations=conversation_figures(frames.decisions),
        cases=case_figures(frames.cases, now),
        agreement=agreed,
        reviewers=workload(frames.reviews, per_reviewer),
        overturns_by_source=overturns(frames.cases, "source"),
        overturns_by_model=overturns(frames.cases, "model_version"),
        appeals=appeals(frames.cases),
        models=model_versions(frames.decisions, model_metrics),
        audit_events=[
            Share(str(row.event_type), int(row.count), None) for row in frames.audit_events.itertuples()
        ],
        examples=_examples(session, frames.decisions, mask, examples_per_decision, period),
        examples_per_decision=examples_per_decision,
        charts={},
    )
    return replace(report, charts=_charts(report, t))


def _examples(
    session: Session, decisions: pd.DataFrame, mask: Callable[[str], str], per_decision: int, period: Period
) -> list[Example]:
    ids = sample_ids(decisions, per_decision=per_decision, seed=int(period.start.timestamp()))
    rows = load_examples(session=session, decision_ids=ids)
    return [
        Example(
            request_id=str(row.request_id),
            created_at=pd.Timestamp(row.created_at).to_pydatetime(),
            decision=str(row.decision),
            category=None if pd.isna(row.category) else str(row.category),
            lang=str(row.lang),
            text=excerpt(mask(str(row.request_text))),
            source=None if pd.isna(row.source) else str(row.source),
            outcome=None if pd.isna(row.outcome) else str(row.outcome),
        )
        for row in rows.itertuples()
    ]


def _charts(report: Report, t: Callable[..., str]) -> dict[str, str]:
    labels = {k: t(k) for k in (*DECISIONS, *SLA_STATES, "en", "ja", "approve", "reject")}
    out: dict[str, str] = {}
    if report.volumes.total:
        out["volumes"] = charts.decisions_by_lang(
            report.volumes.decision_by_lang, {**labels, **_other_langs(report)}, ylabel=t("count")
        )
        points = report.rates.points
        out["rates"] = charts.rates_over_time(
            [p.bucket for p in points],
            {"REFUSE": [p.refuse_rate for p in points], "ESCALATE": [p.escalate_rate for p in points]},
            labels,
        )
    if report.conversations.turns:
        out["turns"] = charts.decisions_by_group(
            [(turn_band_label(row.band, t), row.by_decision) for row in report.conversations.by_turn],
            labels,
            xlabel=t("count"),
        )
    if report.cases.opened:
        rows = [(t("all"), report.cases.sla.states)] + [
            (t(f"priority_{row.key}"), row.states) for row in report.cases.sla_by_priority
        ]
        out["sla"] = charts.sla_states(rows, labels)
    if report.reviewers:
        out["workload"] = charts.reviewer_verdicts(
            [(r.reviewer, r.approve, r.reject) for r in report.reviewers], labels
        )
    return out


def turn_band_label(band: str, t: Callable[..., str]) -> str:
    return t("single_requests") if band == SINGLE else t("turn_band", band=band)


def _other_langs(report: Report) -> dict[str, str]:
    """Languages other than en / ja (recorded as-is) keep their code as label."""
    return {lang: lang for lang in report.volumes.decision_by_lang if lang not in ("en", "ja")}

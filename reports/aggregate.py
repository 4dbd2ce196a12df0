"""Decision figures of a period: pure functions from DataFrames (see ``data.py``) to typed results.

Review-desk figures (cases, SLA, workload, agreement, overturns, appeals) are in ``aggregate_review.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from model.labels import LABELS, Decision

DECISIONS: tuple[str, ...] = tuple(d.value for d in LABELS)
NO_CATEGORY = "-"
EVAL_FIELDS = ("count", "accuracy", "refuse_recall", "over_refusal", "escalate_rate", "macro_f1",
               "safety_score", "ece")  # fmt: skip


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Share:
    key: str
    count: int
    share: float | None


@dataclass(frozen=True)
class CategoryRow:
    category: str  # NO_CATEGORY for decisions without a policy category
    total: int
    by_decision: dict[str, int]


@dataclass(frozen=True)
class Volumes:
    total: int
    by_decision: list[Share]
    by_lang: list[Share]
    by_category: list[CategoryRow]
    decision_by_lang: dict[str, dict[str, int]]  # lang -> decision -> count


def _shares(counts: pd.Series, total: int, order: tuple[str, ...] = ()) -> list[Share]:
    keys = [k for k in order if k in counts.index] + sorted(k for k in counts.index if k not in order)
    return [Share(str(k), int(counts[k]), rate(int(counts[k]), total)) for k in keys]


def volumes(decisions: pd.DataFrame) -> Volumes:
    total = len(decisions)
    category = decisions["category"].fillna(NO_CATEGORY)
    table = pd.crosstab(category, decisions["decision"]) if total else pd.DataFrame()
    rows = [
        CategoryRow(str(cat), int(row.sum()), {d: int(row.get(d, 0)) for d in DECISIONS})
        for cat, row in table.iterrows()
    ]
    rows.sort(key=lambda r: (-r.total, r.category))
    by_lang = pd.crosstab(decisions["lang"], decisions["decision"]) if total else pd.DataFrame()
    return Volumes(
        total=total,
        by_decision=_shares(decisions["decision"].value_counts(), total, DECISIONS),
        by_lang=_shares(decisions["lang"].value_counts(), total, ("en", "ja")),
        by_category=rows,
        decision_by_lang={
            str(lang): {d: int(row.get(d, 0)) for d in DECISIONS} for lang, row in by_lang.iterrows()
        },
    )


@dataclass(frozen=True)
class RatePoint:
    bucket: datetime  # start of the day / week (Monday) / month, UTC
    total: int
    refused: int
    escalated: int
    refuse_rate: float | None
    escalate_rate: float | None


@dataclass(frozen=True)
class RatesOverTime:
    freq: str  # day | week | month
    points: list[RatePoint]


def bucket_freq(start: datetime, end: datetime) -> str:
    days = (end - start).total_seconds() / 86400
    return "day" if days <= 62 else "week" if days <= 366 else "month"


def _floor(times: pd.Series, freq: str) -> pd.Series:
    day = times.dt.floor("D")
    if freq == "week":
        return day - pd.to_timedelta(day.dt.weekday, unit="D")
    if freq == "month":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    return day


def rates_over_time(decisions: pd.DataFrame, start: datetime, end: datetime) -> RatesOverTime:
    """Refusal and escalation shares per day, week or month (every bucket of the period, empty ones too)."""
    freq = bucket_freq(start, end)
    first = _floor(pd.Series([pd.Timestamp(start)]), freq).iloc[0]
    alias = {"day": "D", "week": "W-MON", "month": "MS"}[freq]
    buckets = pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(microseconds=1), freq=alias)
    if len(buckets) == 0 or buckets[0] != first:
        buckets = buckets.insert(0, first)
    frame = pd.DataFrame(
        {
            "bucket": _floor(decisions["created_at"], freq),
            "refused": decisions["decision"].eq(Decision.REFUSE),
            "escalated": decisions["decision"].eq(Decision.ESCALATE),
        }
    )
    grouped = frame.groupby("bucket").agg(
        total=("refused", "size"), refused=("refused", "sum"), escalated=("escalated", "sum")
    )
    grouped = grouped.reindex(buckets, fill_value=0)
    points = [
        RatePoint(
            bucket=pd.Timestamp(bucket).to_pydatetime(),
            total=int(row.total),
            refused=int(row.refused),
            escalated=int(row.escalated),
            refuse_rate=rate(int(row.refused), int(row.total)),
            escalate_rate=rate(int(row.escalated), int(row.total)),
        )
        for bucket, row in zip(grouped.index, grouped.itertuples(index=False), strict=True)
    ]
    return RatesOverTime(freq=freq, points=points)


@dataclass(frozen=True)
class EvalFigures:
    split: str  # val / test / heldout_sources / eval ...
    figures: dict[str, float | None]  # EVAL_FIELDS


@dataclass(frozen=True)
class ModelVersionRow:
    version: str
    decisions: int
    first_seen: datetime
    last_seen: datetime
    refuse_rate: float | None
    escalate_rate: float | None
    evaluation: list[EvalFigures]


def evaluation_figures(metrics: Mapping[str, Any] | None) -> list[EvalFigures]:
    """Overall figures of a ``metrics.json`` (splits ``{split: {"overall": ...}}``) or of an
    ``so8t eval --out`` file (``{"overall": ...}``)."""
    if not metrics:
        return []
    splits = {"eval": metrics} if "overall" in metrics else metrics
    out = []
    for split, report in splits.items():
        overall = report.get("overall") if isinstance(report, Mapping) else None
        if isinstance(overall, Mapping):
            figures = {f: _number(overall.get(f)) for f in EVAL_FIELDS}
            out.append(EvalFigures(split=str(split), figures=figures))
    return out


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def metrics_for(
    version: str, model_metrics: Mapping[str, Mapping[str, Any]] | None
) -> Mapping[str, Any] | None:
    """Exact version, else the artifact the version was built from (``base+hash`` of ``base+hash+lora-…``)."""
    if not model_metrics:
        return None
    if version in model_metrics:
        return model_metrics[version]
    for key, metrics in model_metrics.items():
        if version.startswith(key + "+"):
            return metrics
    return None


def model_versions(
    decisions: pd.DataFrame, model_metrics: Mapping[str, Mapping[str, Any]] | None = None
) -> list[ModelVersionRow]:
    if decisions.empty:
        return []
    grouped = decisions.groupby("model_version").agg(
        decisions=("id", "size"),
        first_seen=("created_at", "min"),
        last_seen=("created_at", "max"),
        refused=("decision", lambda s: int(s.eq(Decision.REFUSE).sum())),
        escalated=("decision", lambda s: int(s.eq(Decision.ESCALATE).sum())),
    )
    rows = [
        ModelVersionRow(
            version=str(version),
            decisions=int(row.decisions),
            first_seen=pd.Timestamp(row.first_seen).to_pydatetime(),
            last_seen=pd.Timestamp(row.last_seen).to_pydatetime(),
            refuse_rate=rate(int(row.refused), int(row.decisions)),
            escalate_rate=rate(int(row.escalated), int(row.decisions)),
            evaluation=evaluation_figures(metrics_for(str(version), model_metrics)),
        )
        for version, row in zip(grouped.index, grouped.itertuples(index=False), strict=True)
    ]
    return sorted(rows, key=lambda r: r.first_seen)


def sample_ids(decisions: pd.DataFrame, *, per_decision: int, seed: int) -> list[int]:
    """Up to ``per_decision`` decisions of each kind, drawn reproducibly (same data + seed, same sample)."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for decision in DECISIONS:
        ids = decisions.loc[decisions["decision"].eq(decision), "id"].to_numpy()
        if len(ids):
            picked = rng.choice(ids, size=min(per_decision, len(ids)), replace=False)
            chosen.extend(int(i) for i in sorted(picked))
    return chosen

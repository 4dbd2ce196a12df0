"""Review-desk figures of a period: cases, SLA, reviewer workload, agreement, overturns, appeals.

Populations (stated in the report too): cases = opened in the period, in their state at ``now``;
workload = verdicts recorded in the period; agreement = the first two independent (non-senior) verdicts
of double-reviewed cases opened in the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from db.statuses import HUMAN_OUTCOMES as _HUMAN_OUTCOMES
from db.statuses import CaseOutcome, CaseSource
from model.labels import Decision
from reports.aggregate import rate
from review.agreement import cohen_kappa

HUMAN_OUTCOMES: tuple[str, ...] = tuple(o.value for o in _HUMAN_OUTCOMES)
SOURCES: tuple[str, ...] = tuple(s.value for s in CaseSource)
SLA_STATES = ("met", "late", "fail_safe", "overdue", "pending")


@dataclass(frozen=True)
class SlaRow:
    key: str  # "all", a priority ("1", "2", "3") or a source
    total: int
    states: dict[str, int]  # SLA_STATES -> count
    met_rate: float | None  # met / (met + late + fail_safe + overdue): pending cases are not judged yet


@dataclass(frozen=True)
class CaseFigures:
    opened: int
    by_source: dict[str, int]
    decided: int
    undecided: int
    sla: SlaRow
    sla_by_priority: list[SlaRow]
    fail_safe: int


def sla_states(cases: pd.DataFrame, now: datetime) -> pd.Series:
    """Each case's SLA state: met / late (decided by a person after the deadline) / fail_safe /
    overdue (undecided, deadline passed) / pending (undecided, within the deadline)."""
    human = cases["outcome"].isin(HUMAN_OUTCOMES)
    on_time = cases["decided_at"] <= cases["sla_due_at"]
    undecided = cases["outcome"].isna()
    past_due = cases["sla_due_at"] < pd.Timestamp(now)
    states = pd.Series("pending", index=cases.index, dtype=object)
    states[human & on_time] = "met"
    states[human & ~on_time] = "late"
    states[cases["outcome"].eq(CaseOutcome.FAIL_SAFE)] = "fail_safe"
    states[undecided & past_due] = "overdue"
    return states


def _sla_row(key: str, states: pd.Series) -> SlaRow:
    counts = {s: int(states.eq(s).sum()) for s in SLA_STATES}
    judged = len(states) - counts["pending"]
    return SlaRow(key=key, total=len(states), states=counts, met_rate=rate(counts["met"], judged))


def case_figures(cases: pd.DataFrame, now: datetime) -> CaseFigures:
    states = sla_states(cases, now)
    decided = int(cases["outcome"].notna().sum())
    return CaseFigures(
        opened=len(cases),
        by_source={s: int(cases["source"].eq(s).sum()) for s in SOURCES},
        decided=decided,
        undecided=len(cases) - decided,
        sla=_sla_row("all", states),
        sla_by_priority=[
            _sla_row(str(p), states[cases["priority"].eq(p)])
            for p in (1, 2, 3)
            if cases["priority"].eq(p).any()
        ],
        fail_safe=int(cases["outcome"].eq(CaseOutcome.FAIL_SAFE).sum()),
    )


@dataclass(frozen=True)
class ReviewerRow:
    reviewer: str
    verdicts: int
    approve: int
    reject: int
    senior: int
    median_minutes: float | None  # from the case opening to this verdict
    pairs: int  # double-review pairs this reviewer is part of
    kappa: float | None


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreement_rate: float | None
    kappa: float | None


def review_pairs(reviews: pd.DataFrame) -> pd.DataFrame:
    """reviewer_a, verdict_a, reviewer_b, verdict_b of each double-reviewed case opened in the period."""
    peers = reviews[reviews["case_in_period"] & ~reviews["senior"].astype(bool)].sort_values(
        ["case_id", "id"]
    )
    peers = peers.assign(rank=peers.groupby("case_id").cumcount())
    first = peers[peers["rank"] == 0].set_index("case_id")[["reviewer", "verdict"]]
    second = peers[peers["rank"] == 1].set_index("case_id")[["reviewer", "verdict"]]
    return first.join(second, lsuffix="_a", rsuffix="_b", how="inner")


def agreement(reviews: pd.DataFrame) -> tuple[Agreement, dict[str, tuple[int, float | None]]]:
    """Overall Cohen's kappa, and per reviewer (pairs, kappa) against whoever else reviewed the case."""
    pairs = review_pairs(reviews)
    overall = list(zip(pairs["verdict_a"], pairs["verdict_b"], strict=True))
    per: dict[str, list[tuple[str, str]]] = {}
    for ra, va, rb, vb in pairs[["reviewer_a", "verdict_a", "reviewer_b", "verdict_b"]].itertuples(
        index=False
    ):
        per.setdefault(ra, []).append((va, vb))
        per.setdefault(rb, []).append((vb, va))
    agreed = sum(a == b for a, b in overall)
    return (
        Agreement(pairs=len(overall), agreement_rate=rate(agreed, len(overall)), kappa=cohen_kappa(overall)),
        {name: (len(p), cohen_kappa(p)) for name, p in per.items()},
    )


def workload(
    reviews: pd.DataFrame, per_reviewer_kappa: dict[str, tuple[int, float | None]]
) -> list[ReviewerRow]:
    done = reviews[reviews["in_period"]]
    minutes = (done["created_at"] - done["case_created_at"]).dt.total_seconds() / 60
    rows = []
    for name, group in done.assign(minutes=minutes).groupby("reviewer"):
        pairs, kappa = per_reviewer_kappa.get(str(name), (0, None))
        rows.append(
            ReviewerRow(
                reviewer=str(name),
                verdicts=len(group),
                approve=int(group["verdict"].eq("approve").sum()),
                reject=int(group["verdict"].eq("reject").sum()),
                senior=int(group["senior"].astype(bool).sum()),
                median_minutes=float(group["minutes"].median()),
                pairs=pairs,
                kappa=kappa,
            )
        )
    return sorted(rows, key=lambda r: (-r.verdicts, r.reviewer))


@dataclass(frozen=True)
class OverturnRow:
    key: str  # "all", a source, or a model version
    reviewed: int  # cases decided by people (fail-safe outcomes are not reviews)
    overturned: int
    rate: float | None


def overturned(cases: pd.DataFrame) -> pd.Series:
    """True where people decided against the model: a corrected label other than the model's decision,
    else approving a REFUSE or rejecting an ALLOW. Approving or rejecting an ESCALATE is not an overturn:
    the model asked for exactly that human decision."""
    approved_refusal = cases["outcome"].eq(CaseOutcome.APPROVED) & cases["model_decision"].eq(Decision.REFUSE)
    rejected_allow = cases["outcome"].eq(CaseOutcome.REJECTED) & cases["model_decision"].eq(Decision.ALLOW)
    corrected = cases["corrected_label"].notna()
    relabelled = corrected & cases["corrected_label"].ne(cases["model_decision"])
    return (relabelled | (~corrected & (approved_refusal | rejected_allow))) & cases["outcome"].isin(
        HUMAN_OUTCOMES
    )


def _overturn_row(key: str, human: pd.DataFrame, flags: pd.Series) -> OverturnRow:
    n, k = len(human), int(flags.loc[human.index].sum())
    return OverturnRow(key=key, reviewed=n, overturned=k, rate=rate(k, n))


def overturns(cases: pd.DataFrame, by: str) -> list[OverturnRow]:
    """The overall row first, then one row per value of ``by`` (``source`` or ``model_version``)."""
    flags = overturned(cases)
    human = cases[cases["outcome"].isin(HUMAN_OUTCOMES)]
    rows = [_overturn_row("all", human, flags)]
    for key, group in human.groupby(by):
        rows.append(_overturn_row(str(key), group, flags))
    return rows


@dataclass(frozen=True)
class Appeals:
    total: int
    approved: int  # the refusal was reversed
    rejected: int
    fail_safe: int
    pending: int
    reversal_rate: float | None  # approved / decided by people


def appeals(cases: pd.DataFrame) -> Appeals:
    a = cases[cases["source"].eq(CaseSource.APPEAL)]
    approved = int(a["outcome"].eq(CaseOutcome.APPROVED).sum())
    rejected = int(a["outcome"].eq(CaseOutcome.REJECTED).sum())
    return Appeals(
        total=len(a),
        approved=approved,
        rejected=rejected,
        fail_safe=int(a["outcome"].eq(CaseOutcome.FAIL_SAFE).sum()),
        pending=int(a["outcome"].isna().sum()),
        reversal_rate=rate(approved, approved + rejected),
    )

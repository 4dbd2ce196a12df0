"""Inter-reviewer agreement: Cohen's kappa from double-reviewed cases.

Pairs are the first two non-senior verdicts of every case that has them. Overall kappa treats the first
and second reviewer as the two raters; a reviewer's own kappa compares their verdicts with whoever else
reviewed the same cases.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CaseReview


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels; None with no pairs; 1.0 when both always agree on one label."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first.keys() | second.keys()) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class AgreementReport:
    pairs: int
    agreement_rate: float | None
    kappa: float | None
    per_reviewer: dict[str, dict[str, float | int | None]]  # name -> {pairs, agreement_rate, kappa}


def review_pairs(*, session: Session) -> list[tuple[str, str, str, str]]:
    """(reviewer_a, verdict_a, reviewer_b, verdict_b) for each double-reviewed case."""
    by_case: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = session.execute(
        select(CaseReview.case_id, CaseReview.reviewer, CaseReview.verdict)
        .where(CaseReview.senior.is_(False))
        .order_by(CaseReview.case_id, CaseReview.id)
    )
    for case_id, reviewer, verdict in rows:
        by_case[case_id].append((reviewer, verdict))
    return [(v[0][0], v[0][1], v[1][0], v[1][1]) for v in by_case.values() if len(v) >= 2]


def agreement_report(*, session: Session) -> AgreementReport:
    pairs = review_pairs(session=session)
    per: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ra, va, rb, vb in pairs:
        per[ra].append((va, vb))
        per[rb].append((vb, va))
    overall = [(va, vb) for _, va, _, vb in pairs]
    return AgreementReport(
        pairs=len(pairs),
        agreement_rate=_rate(overall),
        kappa=cohen_kappa(overall),
        per_reviewer={
            name: {"pairs": len(p), "agreement_rate": _rate(p), "kappa": cohen_kappa(p)}
            for name, p in sorted(per.items())
        },
    )


def _rate(pairs: Sequence[tuple[str, str]]) -> float | None:
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None

"""The review desk's health in figures, read from the database for monitoring (``/metrics``).

One ``desk_snapshot`` per scrape: a handful of aggregate queries on ``cases`` and ``case_reviews``
(indexed by status; the time-window counts scan only the decided cases of the window's days). The
figures are the database's, so every replica reports the same values: dashboards and alerts take
``max()`` over replicas, not ``sum()``.

Definitions (the same as the compliance report's, ``reports/aggregate_review.py``):
- *queue depth*: undecided cases (``open`` or ``claimed``) by priority and status;
- *SLA breach*: an undecided case past its ``sla_due_at`` (now), or ever marked overdue (a total);
- *fail-safe*: a case that the SLA's hard limit decided as REFUSE (``outcome = 'fail_safe'``);
- *throughput*: cases decided by people (approved / rejected) in the last hour;
- *overturn*: a human decision against the model's -- a corrected label other than the model's
  decision, else approving a REFUSE or rejecting an ALLOW (deciding an ESCALATE is what was asked);
- *agreement*: the first two non-senior verdicts of each double-reviewed case with a verdict in the
  window, as raw agreement and Cohen's kappa.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Case, CaseReview, DecisionRecord
from db.statuses import HUMAN_OUTCOMES, UNDECIDED, CaseOutcome, CaseStatus
from model.labels import Decision
from review.agreement import cohen_kappa

THROUGHPUT_WINDOW = timedelta(hours=1)
OVERTURN_WINDOW = timedelta(hours=24)
AGREEMENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class DeskSnapshot:
    """The desk's figures; built by keyword, every field defaults to "nothing there" (``empty()``)."""

    queue: dict[tuple[int, str], int] = field(default_factory=dict)  # (priority, status) -> undecided
    oldest_undecided_at: datetime | None = None
    overdue_now: int = 0  # undecided and past the SLA deadline
    overdue_total: int = 0  # cases ever marked overdue by the sweep
    fail_safe_total: int = 0
    decided_last_hour: dict[str, int] = field(default_factory=dict)  # human outcome -> cases
    reviewed_24h: int = 0  # decided by people in the overturn window
    overturned_24h: int = 0
    agreement_pairs: int = 0
    agreement_rate: float | None = None
    kappa: float | None = None

    @classmethod
    def empty(cls) -> DeskSnapshot:
        """No cases at all: empty queue, zero counts, no rates."""
        return cls()

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned_24h / self.reviewed_24h if self.reviewed_24h else None


def is_overturn(outcome: str | None, model_decision: str, corrected_label: str | None) -> bool:
    """People decided against the model (see the module docstring)."""
    if outcome not in HUMAN_OUTCOMES:
        return False
    if corrected_label is not None:
        return corrected_label != model_decision
    return (outcome == CaseOutcome.APPROVED and model_decision == Decision.REFUSE) or (
        outcome == CaseOutcome.REJECTED and model_decision == Decision.ALLOW
    )


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)  # type: ignore[arg-type]


def desk_snapshot(*, session: Session, now: datetime) -> DeskSnapshot:
    """The review desk's figures at ``now`` (read only)."""
    undecided = Case.status.in_(UNDECIDED)
    queue = {
        (int(priority), str(status)): int(n)
        for priority, status, n in session.execute(
            select(Case.priority, Case.status, func.count())
            .where(undecided)
            .group_by(Case.priority, Case.status)
        )
    }
    oldest = session.scalar(select(func.min(Case.created_at)).where(undecided))
    human = Case.outcome.in_(HUMAN_OUTCOMES)
    decided_last_hour: dict[str, int] = {o.value: 0 for o in HUMAN_OUTCOMES}
    for outcome, n in session.execute(
        select(Case.outcome, func.count())
        .where(Case.status == CaseStatus.DECIDED, human, Case.decided_at >= now - THROUGHPUT_WINDOW)
        .group_by(Case.outcome)
    ):
        decided_last_hour[str(outcome)] = int(n)
    recent = list(
        session.execute(
            select(Case.outcome, DecisionRecord.decision, Case.corrected_label)
            .join(Case.decision)
            .where(Case.status == CaseStatus.DECIDED, human, Case.decided_at >= now - OVERTURN_WINDOW)
        )
    )
    pairs = _agreement_pairs(session, since=now - AGREEMENT_WINDOW)
    return DeskSnapshot(
        queue=queue,
        oldest_undecided_at=oldest,
        overdue_now=_count(session, undecided, Case.sla_due_at < now),
        overdue_total=_count(session, Case.overdue_at.is_not(None)),
        fail_safe_total=_count(session, Case.outcome == CaseOutcome.FAIL_SAFE),
        decided_last_hour=decided_last_hour,
        reviewed_24h=len(recent),
        overturned_24h=sum(is_overturn(o, d, c) for o, d, c in recent),
        agreement_pairs=len(pairs),
        agreement_rate=sum(a == b for a, b in pairs) / len(pairs) if pairs else None,
        kappa=cohen_kappa(pairs),
    )


def _agreement_pairs(session: Session, *, since: datetime) -> list[tuple[str, str]]:
    """(first verdict, second verdict) of double-reviewed cases with a verdict since ``since``."""
    recent_cases = select(CaseReview.case_id).where(CaseReview.created_at >= since).distinct()
    verdicts: dict[int, list[str]] = defaultdict(list)
    for case_id, verdict in session.execute(
        select(CaseReview.case_id, CaseReview.verdict)
        .where(CaseReview.senior.is_(False), CaseReview.case_id.in_(recent_cases))
        .order_by(CaseReview.case_id, CaseReview.id)
    ):
        verdicts[case_id].append(verdict)
    return [(v[0], v[1]) for v in verdicts.values() if len(v) >= 2]

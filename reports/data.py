"""Loading one period's rows into pandas: SQLAlchemy Core, only the columns the report needs.

The period is ``[start, end)`` in UTC. Decisions are those made in the period; cases are those opened in
it (with their state now); reviews are those recorded in the period plus every review of a case opened
in it (``in_period`` tells which). Request texts are read only for the few sampled examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from db.models import AuditEvent, Case, CaseReview, DecisionRecord

DECISION_COLUMNS = ("id", "created_at", "decision", "category", "lang", "model_version", "reason_code",
                    "conversation_id", "turn")  # fmt: skip
TIME_COLUMNS = ("created_at", "sla_due_at", "overdue_at", "decided_at", "case_created_at")


@dataclass(frozen=True)
class Period:
    """``[start, end)``, both aware UTC datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("the report period needs timezone-aware datetimes (UTC)")
        if self.end <= self.start:
            raise ValueError(f"the period ends ({self.end:%Y-%m-%d %H:%M}) before it starts")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))

    def contains(self, column: Any) -> Any:
        return and_(column >= self.start, column < self.end)


@dataclass(frozen=True)
class PeriodFrames:
    decisions: pd.DataFrame  # DECISION_COLUMNS
    cases: pd.DataFrame  # cases opened in the period, with the model's decision and version
    reviews: pd.DataFrame  # verdicts; in_period: recorded in the period; case_in_period: case opened in it
    audit_events: pd.DataFrame  # event_type, count: audit events written in the period


def _frame(session: Session, stmt: Select[*tuple[Any, ...]]) -> pd.DataFrame:
    """Rows as a DataFrame, built column by column (much faster than from Row objects). Time columns
    come raw from the driver (SQLite: ISO text, stored in UTC; PostgreSQL: aware datetimes) and are
    parsed by pandas in one vectorised call instead of one Python call per value."""
    stmt = stmt.with_only_columns(
        *(
            type_coerce(c, String).label(c.name) if c.name in TIME_COLUMNS else c
            for c in stmt.selected_columns
        )
    )
    result = session.execute(stmt)
    keys = list(result.keys())
    rows = result.all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    frame = pd.DataFrame({key: list(values) for key, values in zip(keys, columns, strict=True)})
    for column in TIME_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def load_decisions(*, session: Session, period: Period) -> pd.DataFrame:
    d = DecisionRecord
    columns = [getattr(d, name) for name in DECISION_COLUMNS]
    return _frame(session, select(*columns).where(period.contains(d.created_at)).order_by(d.id))


def load_cases(*, session: Session, period: Period) -> pd.DataFrame:
    c, d = Case, DecisionRecord
    stmt = (
        select(
            c.id,
            c.decision_id,
            c.source,
            c.status,
            c.priority,
            c.category,
            c.lang,
            c.required_reviews,
            c.created_at,
            c.sla_due_at,
            c.overdue_at,
            c.outcome,
            c.corrected_label,
            c.decided_by,
            c.decided_at,
            d.decision.label("model_decision"),
            d.model_version,
        )
        .join(d, d.id == c.decision_id)
        .where(period.contains(c.created_at))
        .order_by(c.id)
    )
    return _frame(session, stmt)


def load_reviews(*, session: Session, period: Period) -> pd.DataFrame:
    r, c = CaseReview, Case
    stmt = (
        select(
            r.id,
            r.case_id,
            r.reviewer,
            r.verdict,
            r.senior,
            r.created_at,
            c.created_at.label("case_created_at"),
            c.source,
        )
        .join(c, c.id == r.case_id)
        .where(or_(period.contains(r.created_at), period.contains(c.created_at)))
        .order_by(r.case_id, r.id)
    )
    frame = _frame(session, stmt)
    frame["in_period"] = (frame["created_at"] >= period.start) & (frame["created_at"] < period.end)
    frame["case_in_period"] = (frame["case_created_at"] >= period.start) & (
        frame["case_created_at"] < period.end
    )
    return frame


def load_audit_counts(*, session: Session, period: Period) -> pd.DataFrame:
    a = AuditEvent
    stmt = (
        select(a.event_type, func.count().label("count"))
        .where(period.contains(a.created_at))
        .group_by(a.event_type)
        .order_by(a.event_type)
    )
    return _frame(session, stmt)


def load_period(*, session: Session, period: Period) -> PeriodFrames:
    return PeriodFrames(
        decisions=load_decisions(session=session, period=period),
        cases=load_cases(session=session, period=period),
        reviews=load_reviews(session=session, period=period),
        audit_events=load_audit_counts(session=session, period=period),
    )


def load_examples(*, session: Session, decision_ids: Sequence[int]) -> pd.DataFrame:
    """The sampled decisions with their request text and any case outcome, in the order given."""
    d, c = DecisionRecord, Case
    stmt = (
        select(
            d.id,
            d.request_id,
            d.created_at,
            d.decision,
            d.category,
            d.lang,
            d.request_text,
            c.source,
            c.outcome,
        )
        .outerjoin(c, c.decision_id == d.id)
        .where(d.id.in_(list(decision_ids)))
    )
    frame = _frame(session, stmt)
    order = {decision_id: i for i, decision_id in enumerate(decision_ids)}
    return frame.sort_values("id", key=lambda ids: ids.map(order)).reset_index(drop=True)

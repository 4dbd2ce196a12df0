"""Tables: users, conversations (a chat's turns), decisions (one per request, or per turn of a conversation),
cases (review queue), audit_events (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, CanonicalJSON, UTCDateTime
from db.statuses import CaseOutcome, CaseSource, CaseStatus

ROLES = ("employee", "reviewer", "compliance", "admin")
CASE_STATUSES: tuple[str, ...] = tuple(CaseStatus)
CASE_SOURCES: tuple[str, ...] = tuple(CaseSource)
VERDICTS = ("approve", "reject")
CASE_OUTCOMES: tuple[str, ...] = tuple(CaseOutcome)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16), default="employee")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_senior: Mapped[bool] = mapped_column(Boolean, default=False)  # resolves double-review disagreements
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Conversation(Base):
    """A chat: its turns are the decisions that point to it, in ``turn`` order. Deleting one only hides it
    from its owner (``deleted_at``): its decisions and their audit events stay for the record."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120), default="")
    context: Mapped[str] = mapped_column(Text, default="")  # the system turn every turn is judged with
    turns: Mapped[int] = mapped_column(Integer, default=0)  # how many turns were recorded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_conversations_user_updated", "user_name", "updated_at"),)


class DecisionRecord(Base):
    """One row per request that reached the model: what was asked, what was decided, by which model.

    A conversation's turn also names its conversation and turn number, and keeps in ``history`` the
    earlier turns exactly as the safety head read them (``[{"role", "content"}]`` messages)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    context: Mapped[str] = mapped_column(Text, default="")
    request_text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16), index=True)
    reason_code: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float)
    probabilities: Mapped[dict[str, float]] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), nullable=True)  # policy category id
    lang: Mapped[str] = mapped_column(String(8), default="en")
    task_response: Mapped[str | None] = mapped_column(Text, nullable=True)
    model_version: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(64))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    turn: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1-based, within the conversation
    history: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    case: Mapped[Case | None] = relationship(back_populates="decision", uselist=False)

    __table_args__ = (UniqueConstraint("conversation_id", "turn"),)


class Case(Base):
    """A review case: an ESCALATE decision, an employee's appeal of a REFUSE, or an audit sample.

    ``status`` goes open -> claimed (leased to one reviewer) -> open (lease expired, or more verdicts
    needed) ... -> decided. ``outcome`` says how it ended: approved / rejected by people, or the
    fail-safe default applied when the SLA's hard limit passed (``decided_by`` is then "system").
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    source: Mapped[str] = mapped_column(String(16), default=CaseSource.ESCALATE.value)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN.value)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 = high, 2 = normal, 3 = low
    category: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    required_reviews: Mapped[int] = mapped_column(Integer, default=1)
    needs_senior: Mapped[bool] = mapped_column(Boolean, default=False)
    appeal_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verdict_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    final_response: Mapped[str | None] = mapped_column(Text, nullable=True)  # what the employee is shown
    answer_pending: Mapped[bool] = mapped_column(Boolean, default=False)  # approved; answer not yet made
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # sentence embedding of the request (float32 bytes), stored when decided: finds precedents
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)

    decision: Mapped[DecisionRecord] = relationship(back_populates="case")
    reviews: Mapped[list[CaseReview]] = relationship(back_populates="case", order_by="CaseReview.id")

    __table_args__ = (
        # claim_next: the oldest open case of the best priority; the sweeps: by deadline / lease
        Index("ix_cases_queue", "status", "priority", "id"),
        Index("ix_cases_status_sla", "status", "sla_due_at"),
        Index("ix_cases_status_lease", "status", "lease_expires_at"),
    )


class CaseReview(Base):
    """One reviewer's verdict on a case (double review keeps several; the employee sees the final one)."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    corrected_label: Mapped[str | None] = mapped_column(String(16), nullable=True)
    edited_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    senior: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(back_populates="reviews")

    __table_args__ = (UniqueConstraint("case_id", "reviewer"),)


class AuditEvent(Base):
    """Append-only, hash-chained record of everything the system decided or a person did."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # position in the chain, 1-based
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    event_type: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(CanonicalJSON())  # stored as it is hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """A single row holding the chain's head; appends lock it so concurrent writers cannot fork the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    length: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))

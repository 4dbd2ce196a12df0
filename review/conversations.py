"""Conversations: a chat's turns, what each turn's user was shown, and the history a next turn is judged on.

A conversation belongs to one user. Each turn is a decision (``decisions.conversation_id`` / ``turn``); the
reply of a turn is what its user was shown: the answer (ALLOW), the refusal (REFUSE), the review note
(ESCALATE, pending) or, once a reviewer decided, the case's final response. The next turn's prompt
renders those replies as the assistant's turns, so the safety head judges the conversation as the user
saw it. Deleting a conversation hides it from its owner; its decisions and audit events stay.

Each function takes the caller's ``session=`` and flushes at most; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from audit.log import append_event
from db.models import Case, Conversation, DecisionRecord
from db.statuses import CaseSource, CaseStatus
from model.labels import Decision
from model.prompt import Turn

TITLE_CHARS = 60  # a new conversation's title: the start of its first request
MAX_TITLE_CHARS = 120
MAX_LIST = 200
PENDING_TEXT = {
    "en": "Sent for human review, case #{case_id}. A reviewer will decide.",
    "ja": "人によるレビューに回しました（ケース #{case_id}）。担当者の判断をお待ちください。",
}


class ConversationNotFound(LookupError):
    """No such conversation for this user (it does not exist, is someone else's, or was deleted)."""


class ConversationError(ValueError):
    """The request cannot be done as asked (an empty title, a title too long); safe to show the user."""


@dataclass(frozen=True)
class TurnRecord:
    """One turn as its user sees it."""

    turn: int
    request_id: str
    request: str
    decision: Decision
    reason_code: str
    confidence: float
    rationale: str
    category: str | None
    reply: str  # what the user was shown for this turn (see the module docstring)
    case_id: int | None
    case_status: CaseStatus | None
    outcome: str | None
    answer_pending: bool
    created_at: datetime


def start(*, session: Session, user: str, now: datetime, title: str = "", context: str = "") -> Conversation:
    """A new, empty conversation of ``user`` (flushed: it has its id); ``context`` is the system turn all
    its turns are judged and answered with (checked by the caller like a request's context)."""
    conversation = Conversation(
        user_name=user,
        title=_title(title, required=False),
        context=context,
        turns=0,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation


def owned(*, session: Session, conversation_id: int, user: str) -> Conversation:
    """``user``'s conversation ``conversation_id``; ``ConversationNotFound`` for anyone else's or a deleted
    one."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.user_name != user or conversation.deleted_at is not None:
        raise ConversationNotFound(f"conversation {conversation_id} not found")
    return conversation


def listing(*, session: Session, user: str, limit: int = 50) -> list[Conversation]:
    """``user``'s conversations, most recently used first (deleted ones left out)."""
    query = (
        select(Conversation)
        .where(Conversation.user_name == user, Conversation.deleted_at.is_(None))
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(min(limit, MAX_LIST))
    )
    return list(session.scalars(query))


def rename(*, session: Session, conversation_id: int, user: str, title: str, now: datetime) -> Conversation:
    conversation = owned(session=session, conversation_id=conversation_id, user=user)
    conversation.title, conversation.updated_at = _title(title, required=True), now
    return conversation


def delete(*, session: Session, conversation_id: int, user: str, role: str, now: datetime) -> None:
    """Hide the conversation from its owner (an audit event says who and when; nothing is erased)."""
    conversation = owned(session=session, conversation_id=conversation_id, user=user)
    conversation.deleted_at = now
    append_event(
        session=session,
        event_type="conversation.deleted",
        actor=user,
        actor_role=role,
        payload={"conversation_id": conversation.id, "turns": conversation.turns},
        now=now,
    )


def turns(*, session: Session, conversation_id: int) -> list[TurnRecord]:
    """Every recorded turn of the conversation, in order."""
    query = (
        select(DecisionRecord)
        .where(DecisionRecord.conversation_id == conversation_id)
        .options(selectinload(DecisionRecord.case))
        .order_by(DecisionRecord.turn)
    )
    return [turn_record(row) for row in session.scalars(query)]


def history(*, session: Session, conversation_id: int) -> list[Turn]:
    """The conversation so far as the next turn's prompt renders it: each request and its reply."""
    return [
        Turn(user=t.request, assistant=t.reply)
        for t in turns(session=session, conversation_id=conversation_id)
    ]


def next_turn(*, session: Session, conversation_id: int, now: datetime, first_request: str) -> int:
    """Allot the next turn's number (under the conversation's row lock) and touch the conversation; a new
    conversation without a title takes the start of its first request."""
    conversation = session.scalars(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    ).one()
    conversation.turns += 1
    conversation.updated_at = now
    if not conversation.title:
        conversation.title = _title(first_request[:TITLE_CHARS], required=False)
    return conversation.turns


def turn_number(*, session: Session, request_id: str) -> int:
    """The turn number of a recorded request (0 when it is not a conversation's turn)."""
    turn = session.scalars(select(DecisionRecord.turn).where(DecisionRecord.request_id == request_id)).first()
    return int(turn or 0)


def turn_record(row: DecisionRecord) -> TurnRecord:
    case = row.case
    return TurnRecord(
        turn=row.turn or 0,
        request_id=row.request_id,
        request=row.request_text,
        decision=Decision(row.decision),
        reason_code=row.reason_code,
        confidence=row.confidence,
        rationale=row.rationale,
        category=row.category,
        reply=reply_of(row),
        case_id=case.id if case is not None and case.source != CaseSource.SAMPLING else None,
        case_status=CaseStatus(case.status)
        if case is not None and case.source != CaseSource.SAMPLING
        else None,
        outcome=case.outcome if case is not None and case.source != CaseSource.SAMPLING else None,
        answer_pending=bool(case is not None and case.answer_pending),
        created_at=row.created_at,
    )


def reply_of(row: DecisionRecord) -> str:
    """What the user was shown for a decision (an audit sample never changes it)."""
    case: Case | None = row.case
    reviewed = case is not None and case.source != CaseSource.SAMPLING and case.status == CaseStatus.DECIDED
    if reviewed and case is not None and case.final_response is not None and not case.answer_pending:
        return case.final_response
    case_id = case.id if case is not None and case.source != CaseSource.SAMPLING else None
    return reply_text(Decision(row.decision), row.task_response, row.rationale, case_id, row.lang)


def reply_text(decision: Decision, answer: str | None, rationale: str, case_id: int | None, lang: str) -> str:
    """What a turn's user is shown as it is decided: the answer, the refusal, or the review note."""
    if decision is Decision.ALLOW:
        return answer or ""
    if decision is Decision.REFUSE:
        return rationale
    return PENDING_TEXT.get(lang, PENDING_TEXT["en"]).format(case_id=case_id if case_id is not None else "?")


def history_sha256(messages: Sequence[dict[str, str]]) -> str:
    """The audit event's fingerprint of the history a turn was judged with (canonical JSON)."""
    text = json.dumps(list(messages), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _title(title: str, *, required: bool) -> str:
    text = " ".join(title.split())
    if required and not text:
        raise ConversationError("the title is empty")
    if len(text) > MAX_TITLE_CHARS:
        if required:
            raise ConversationError(f"the title is {len(text)} characters; the limit is {MAX_TITLE_CHARS}")
        text = text[: MAX_TITLE_CHARS - 1] + "…"
    return text

"""Conversations as the Chat tab, the REST API and ``so8t chat`` use them: role checks, transactions, views,
and a turn sent through the agent with the conversation's history.

A turn is judged on the whole conversation so far (the earlier requests and what their user was shown,
``review/conversations.py``) in one prefill; the agent records it as the conversation's next turn. The
history is always read from the database, never taken from the client, so nobody can put words in the
assistant's mouth in a recorded conversation (the OpenAI-compatible endpoint, which is stateless,
records the history its client sent with the decision instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from app.desks.review import DeskPermissionError
from app.identity.accounts import Principal
from app.serving.agent import Agent, AgentResult, StreamEvent
from app.serving.validation import InputError, clean_context
from db.models import Conversation
from review import conversations as conv
from review.conversations import ConversationError, ConversationNotFound

__all__ = ["ConversationDesk", "ConversationError", "ConversationNotFound"]


class ConversationSummary(BaseModel):
    id: int
    title: str
    turns: int
    created_at: str
    updated_at: str


class TurnView(BaseModel):
    turn: int
    request_id: str
    request: str
    decision: str
    confidence: float
    reason_code: str
    rationale: str
    category: str | None
    reply: str  # what the employee was shown for this turn
    case_id: int | None
    case_status: str | None
    outcome: str | None
    answer_pending: bool
    created_at: str


class ConversationDetail(ConversationSummary):
    context: str
    turn_list: list[TurnView]


class TurnResult(BaseModel):
    """A turn just sent: its number in the conversation and the agent's result."""

    conversation_id: int
    turn: int
    result: AgentResult


def summary(c: Conversation) -> ConversationSummary:
    return ConversationSummary(
        id=c.id,
        title=c.title,
        turns=c.turns,
        created_at=c.created_at.isoformat(),
        updated_at=c.updated_at.isoformat(),
    )


def turn_view(t: conv.TurnRecord) -> TurnView:
    return TurnView(
        turn=t.turn,
        request_id=t.request_id,
        request=t.request,
        decision=t.decision.value,
        confidence=t.confidence,
        reason_code=t.reason_code,
        rationale=t.rationale,
        category=t.category,
        reply=t.reply,
        case_id=t.case_id,
        case_status=t.case_status.value if t.case_status else None,
        outcome=t.outcome,
        answer_pending=t.answer_pending,
        created_at=t.created_at.isoformat(),
    )


@dataclass
class ConversationDesk:
    sessions: sessionmaker[Session]
    agent: Agent
    max_context_chars: int = 4000
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def start(self, who: Principal, *, title: str = "", context: str = "") -> ConversationDetail:
        _need_chat(who)
        ctx = clean_context(context, max_chars=self.max_context_chars)
        with self.sessions.begin() as s:
            c = conv.start(session=s, user=who.username, now=self.clock(), title=title, context=ctx)
            return ConversationDetail(**summary(c).model_dump(), context=c.context, turn_list=[])

    def listing(self, who: Principal, limit: int = 50) -> list[ConversationSummary]:
        _need_chat(who)
        with self.sessions() as s:
            return [summary(c) for c in conv.listing(session=s, user=who.username, limit=limit)]

    def get(self, who: Principal, conversation_id: int) -> ConversationDetail:
        _need_chat(who)
        with self.sessions() as s:
            c = conv.owned(session=s, conversation_id=conversation_id, user=who.username)
            turns = [turn_view(t) for t in conv.turns(session=s, conversation_id=c.id)]
            return ConversationDetail(**summary(c).model_dump(), context=c.context, turn_list=turns)

    def rename(self, who: Principal, conversation_id: int, title: str) -> ConversationSummary:
        _need_chat(who)
        with self.sessions.begin() as s:
            c = conv.rename(
                session=s, conversation_id=conversation_id, user=who.username, title=title, now=self.clock()
            )
            return summary(c)

    def delete(self, who: Principal, conversation_id: int) -> None:
        _need_chat(who)
        with self.sessions.begin() as s:
            conv.delete(
                session=s, conversation_id=conversation_id, user=who.username, role=who.role, now=self.clock()
            )

    def send_stream(self, who: Principal, conversation_id: int, message: str) -> Iterator[StreamEvent]:
        """The agent's stream for the conversation's next turn (``ConversationNotFound`` first, if it is
        not the caller's). Raises what ``Agent.run_stream`` raises (``InputError``, ``RecordingError``)."""
        _need_chat(who)
        with self.sessions() as s:
            c = conv.owned(session=s, conversation_id=conversation_id, user=who.username)
            context, history = c.context, conv.history(session=s, conversation_id=c.id)
        return self.agent.run_stream(
            context,
            message,
            user=who.username,
            role=who.role,
            history=history,
            conversation_id=conversation_id,
        )

    def send(self, who: Principal, conversation_id: int, message: str) -> TurnResult:
        result: AgentResult | None = None
        for event in self.send_stream(who, conversation_id, message):
            if event.result is not None:
                result = event.result
        if result is None:  # pragma: no cover - run_stream always ends with its result
            raise RuntimeError("the agent gave no result")
        return TurnResult(
            conversation_id=conversation_id, turn=self.turn_of(result.request_id), result=result
        )

    def turn_of(self, request_id: str) -> int:
        with self.sessions() as s:
            return conv.turn_number(session=s, request_id=request_id)


def _need_chat(who: Principal) -> None:
    if not who.can("chat"):
        raise DeskPermissionError(f"the {who.role} role may not chat")


__all__ += ["ConversationDetail", "ConversationSummary", "InputError", "TurnResult", "TurnView"]

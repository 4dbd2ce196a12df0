"""REST for conversations (/v1/conversations): list, start, read, rename, delete, and send a turn.

A turn (``POST /v1/conversations/{id}/turns``) is judged on the whole conversation so far, read from the
database, and recorded as the conversation's next turn; the same road as the Chat tab and ``so8t chat``
(app/desks/conversations.py -> app/serving/agent.py).

No ``from __future__ import annotations`` here: FastAPI must see the routes' local ``Annotated`` aliases.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from app.api.agent import INVALID, NOT_RECORDED
from app.desks.conversations import (
    ConversationDetail,
    ConversationError,
    ConversationNotFound,
    ConversationSummary,
    TurnResult,
)
from app.desks.review import DeskPermissionError
from app.identity.accounts import Principal
from app.services import Services
from app.serving.agent import RecordingError
from app.serving.validation import InputError
from app.web.ratelimit import RATE_LIMITED, limit_ip, limit_user
from review.conversations import MAX_TITLE_CHARS

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Role not allowed"},
    404: {"description": "No such conversation (or not yours)"},
    **INVALID,
}
ConversationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=MAX_TITLE_CHARS, description="Empty: the start of the first request")
    context: str = Field("", description="Optional role or situation: the system turn of every turn")


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., min_length=1, max_length=MAX_TITLE_CHARS)


class NewTurn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"message": "Now make it shorter, please."}]}
    )
    message: str = Field(..., min_length=1, description="The employee's next message")


async def _call(fn: Callable[..., T], *args: object) -> T:
    try:
        return await run_in_threadpool(fn, *args)
    except DeskPermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except ConversationNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except (ConversationError, InputError) as exc:
        raise HTTPException(422, str(exc)) from exc
    except RecordingError as exc:  # refused: the database is down (the refusal waits in the spool)
        raise HTTPException(503, str(exc), headers={"Retry-After": str(exc.retry_after_s)}) from exc


def build_conversations_router(services: Services) -> APIRouter:
    router = APIRouter()
    desk = services.conversations
    chat = services.auth.require("chat")
    Employee = Annotated[Principal, Depends(chat)]
    Limited = Annotated[Principal, Depends(limit_user(services.limits, chat))]
    IpLimited = Annotated[None, Depends(limit_ip(services.limits, "run"))]

    @router.get(
        "/v1/conversations",
        response_model=list[ConversationSummary],
        tags=["conversations"],
        responses=ERRORS,
    )
    async def list_conversations(
        who: Employee, limit: Annotated[int, Query(ge=1, le=200)] = 50
    ) -> list[ConversationSummary]:
        """Your conversations, most recently used first."""
        return await _call(desk.listing, who, limit)

    @router.post(
        "/v1/conversations",
        response_model=ConversationDetail,
        status_code=201,
        tags=["conversations"],
        responses=ERRORS,
    )
    async def start(who: Employee, body: NewConversation | None = None) -> ConversationDetail:
        """Start a conversation (optionally with a title and a context, the system turn of every turn)."""
        b = body or NewConversation()
        return await _call(lambda: desk.start(who, title=b.title, context=b.context))

    @router.get(
        "/v1/conversations/{conversation_id}",
        response_model=ConversationDetail,
        tags=["conversations"],
        responses=ERRORS,
    )
    async def get(conversation_id: ConversationId, who: Employee) -> ConversationDetail:
        """One of your conversations with every turn: the request, the decision and what you were shown."""
        return await _call(desk.get, who, conversation_id)

    @router.patch(
        "/v1/conversations/{conversation_id}",
        response_model=ConversationSummary,
        tags=["conversations"],
        responses=ERRORS,
    )
    async def rename(conversation_id: ConversationId, body: Rename, who: Employee) -> ConversationSummary:
        """Rename one of your conversations."""
        return await _call(desk.rename, who, conversation_id, body.title)

    @router.delete(
        "/v1/conversations/{conversation_id}",
        status_code=204,
        tags=["conversations"],
        responses={**ERRORS, 204: {"description": "Deleted (hidden from you; the audit record stays)"}},
    )
    async def delete(conversation_id: ConversationId, who: Employee) -> Response:
        """Delete one of your conversations: it leaves your list; its decisions and audit events stay."""
        await _call(desk.delete, who, conversation_id)
        return Response(status_code=204)

    @router.post(
        "/v1/conversations/{conversation_id}/turns",
        response_model=TurnResult,
        tags=["conversations"],
        responses={
            **ERRORS,
            **NOT_RECORDED,
            **RATE_LIMITED,
        },
    )
    async def send(conversation_id: ConversationId, body: NewTurn, _: IpLimited, who: Limited) -> TurnResult:
        """Send the next message: ALLOW / REFUSE / ESCALATE judged on the whole conversation so far;
        answered only on ALLOW. A conversation past the model's context (or the turn limit) is a 422 that
        says to start a new conversation."""
        return await _call(desk.send, who, conversation_id, body.message)

    return router

"""OpenAI-compatible chat: ``POST /v1/chat/completions``, so any OpenAI client can use the safe agent.

The messages are judged as one conversation (system / developer messages become the context, the earlier
user and assistant messages the history, the last user message the request), in one prefill, on the same
road as every request (``Agent.run_stream``). ALLOW returns the answer (``finish_reason`` "stop"); REFUSE
returns the refusal as the assistant's message and ESCALATE the note naming the review case, both with
``finish_reason`` "content_filter"; the decision record rides along in the extra field ``so8t``.
``stream: true`` sends the same as server-sent events (``chat.completion.chunk``, then ``[DONE]``);
like every answer it is released only after it is recorded, so it arrives as one content chunk.

The endpoint is stateless, as OpenAI's is: the client sends the whole conversation each time, and each
call is recorded as one decision with the history it was judged with (``decisions.history``). A client
that sends back the replies it was given lets the next call continue from this one's KV cache.

No ``from __future__ import annotations`` here: FastAPI must see the routes' local ``Annotated`` aliases.
"""

import json
import time
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.agent import INVALID, NOT_RECORDED
from app.identity.accounts import Principal
from app.services import Services
from app.serving.agent import AgentResult, RecordingError, StreamEvent
from app.serving.validation import InputError
from app.web.ratelimit import RATE_LIMITED, limit_ip, limit_user
from model.labels import Decision
from model.policy import detect_lang
from model.prompt import Turn
from review.conversations import reply_text

FINISH = {Decision.ALLOW: "stop", Decision.REFUSE: "content_filter", Decision.ESCALATE: "content_filter"}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls ... are accepted and ignored
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """The OpenAI chat-completions body; options the agent does not use (temperature, top_p, max_tokens,
    user ...) are accepted and ignored: decoding follows the server's settings."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "model": "so8t",
                    "messages": [
                        {"role": "user", "content": "Draft a short agenda for Monday's team meeting."},
                        {"role": "assistant", "content": "1. Updates 2. Blockers 3. Next steps"},
                        {"role": "user", "content": "Now in Japanese, please."},
                    ],
                }
            ]
        },
    )
    model: str = Field("so8t", max_length=200)
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=1000)
    stream: bool = False
    n: int = Field(1, ge=1, le=1, description="Only 1 is supported")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop", "content_filter"]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    so8t: AgentResult = Field(..., description="The decision record (the same as /v1/agent/run returns)")


class Conversation(BaseModel):
    context: str
    history: list[Turn]
    request: str


def conversation_of(messages: list[ChatMessage]) -> Conversation:
    """The messages as context + history + request; ``InputError`` (a 422) for what cannot be judged."""
    system: list[str] = []
    turns: list[tuple[str, str]] = []  # (role, text), same-role neighbours merged
    for i, m in enumerate(messages):
        text = _text(m, i)
        if m.role in ("system", "developer"):
            system.append(text)
        elif m.role == "tool":
            raise InputError(f"messages[{i}]: tool messages are not supported")
        elif turns and turns[-1][0] == m.role:
            turns[-1] = (m.role, f"{turns[-1][1]}\n\n{text}")
        else:
            turns.append((m.role, text))
    if not turns or turns[-1][0] != "user":
        raise InputError("messages: the last message must be the user's")
    if turns[0][0] != "user":
        turns.insert(0, ("user", ""))  # an assistant greeting first: kept, after an empty user turn
    history = [Turn(user=turns[j][1], assistant=turns[j + 1][1]) for j in range(0, len(turns) - 1, 2)]
    if history and not history[0].user:
        history[0] = Turn(user="(conversation opened by the assistant)", assistant=history[0].assistant)
    return Conversation(context="\n\n".join(system), history=history, request=turns[-1][1])


def _text(m: ChatMessage, i: int) -> str:
    if m.content is None:
        raise InputError(f"messages[{i}]: content is missing")
    if isinstance(m.content, str):
        return m.content
    parts = []
    for part in m.content:
        if part.type != "text" or part.text is None:
            raise InputError(f"messages[{i}]: only text content is supported (got {part.type!r})")
        parts.append(part.text)
    return "".join(parts)


def content_of(result: AgentResult, request: str) -> str:
    """The assistant message: the answer, the refusal or the note naming the case in the request's language
    (what the web chat shows, so a client that sends it back continues from this call's cache)."""
    lang = detect_lang(request)
    return reply_text(Decision(result.decision), result.task_response, result.rationale, result.case_id, lang)


def build_openai_router(services: Services) -> APIRouter:
    router = APIRouter()
    agent = services.agent
    chat = services.auth.require("chat", unverified_ok=True)
    Employee = Annotated[Principal, Depends(limit_user(services.limits, chat))]
    IpLimited = Annotated[None, Depends(limit_ip(services.limits, "run"))]

    @router.post(
        "/v1/chat/completions",
        response_model=ChatCompletion,
        tags=["openai"],
        responses={
            200: {"content": {"text/event-stream": {}}, "description": "A completion, or its event stream"},
            401: {"description": "Not signed in"},
            **INVALID,
            **NOT_RECORDED,
            **RATE_LIMITED,
        },
    )
    async def completions(body: ChatRequest, _: IpLimited, who: Employee) -> Any:
        """OpenAI-compatible chat completions: the conversation is judged ALLOW / REFUSE / ESCALATE as a
        whole; only ALLOW is answered. Sign in as for every route (the bearer token is the API key)."""
        try:
            talk = conversation_of(body.messages)
            events = agent.run_stream(
                talk.context, talk.request, user=who.username, role=who.role, history=talk.history
            )
            first = await run_in_threadpool(next, events)  # validation and the decision's record happen here
        except InputError as exc:
            return openai_error(422, str(exc), "invalid_request_error")
        except RecordingError as exc:
            return openai_error(503, str(exc), "server_error", {"Retry-After": str(exc.retry_after_s)})
        created = int(time.time())
        if body.stream:
            stream = _sse(first, events, created, body.model, talk.request)
            return StreamingResponse(stream, media_type="text/event-stream")
        result = await run_in_threadpool(_finish, first, events)
        return ChatCompletion(
            id=f"chatcmpl-{result.request_id}",
            created=created,
            model=body.model,
            choices=[
                Choice(
                    message=AssistantMessage(content=content_of(result, talk.request)),
                    finish_reason=FINISH[Decision(result.decision)],  # type: ignore[arg-type]
                )
            ],
            so8t=result,
        )

    return router


def openai_error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error as OpenAI clients read it (``error.message``), with the house ``detail`` beside it."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}, "detail": message}
    return JSONResponse(status_code=status, content=body, headers=headers)


def _finish(first: StreamEvent, events: Iterator[StreamEvent]) -> AgentResult:
    for event in (first, *events):
        if event.result is not None:
            return event.result
    raise RuntimeError("the agent gave no result")  # pragma: no cover


def _sse(
    first: StreamEvent, events: Iterator[StreamEvent], created: int, model: str, request: str
) -> Iterator[str]:
    """The completion as ``chat.completion.chunk`` events: the role, the content, the finish with the
    decision record, then ``[DONE]`` (a sync iterator: Starlette runs it in its thread pool)."""

    def chunk(delta: dict[str, str], finish: str | None, request_id: str, extra: dict[str, Any]) -> str:
        body = {
            "id": f"chatcmpl-{request_id}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    result = _finish(first, events)
    yield chunk({"role": "assistant"}, None, result.request_id, {})
    yield chunk({"content": content_of(result, request)}, None, result.request_id, {})
    finish = FINISH[Decision(result.decision)]
    yield chunk({}, finish, result.request_id, {"so8t": result.model_dump(mode="json")})
    yield "data: [DONE]\n\n"

"""REST for people: sign-in (POST /v1/auth/token), the review desk (/v1/cases) and employees' own
requests (/v1/requests). Roles are checked on the server for every route.

No ``from __future__ import annotations`` here: FastAPI must see the routes' local ``Annotated`` aliases.
"""

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from app.api.agent import INVALID
from app.desks.review import CaseListFilters, DeskPermissionError
from app.desks.review_views import CaseDetail, CaseSummary, Outcome, PrecedentView, QueueStats, RawText
from app.identity.accounts import Principal
from app.services import Services
from app.web.ratelimit import RATE_LIMITED, limit_ip
from review.queue import CaseNotFoundError, QueueFilters, ReviewError
from review.verdicts import Verdict

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Role not allowed"},
    404: {"description": "No such case or request"},
    409: {"description": "Not possible in the case's state"},
    **INVALID,
}
# ids are 32-bit INTEGER columns: a larger id is invalid input, not a database overflow (a 500)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_OFFSET = 2**31 - 1
MAX_AGE_MINUTES = 10 * 366 * 24 * 60  # ten years: older cutoffs would leave the datetime range


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    username: str
    role: str


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: int | None = Field(None, ge=1, le=3)
    category: str | None = Field(None, max_length=64)
    lang: str | None = Field(None, max_length=8)
    source: Literal["escalate", "appeal", "sampling"] | None = None


class DecideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["approve", "reject"]
    reason: str = Field(..., min_length=3, max_length=2000)
    corrected_label: Literal["ALLOW", "REFUSE", "ESCALATE"] | None = None
    edited_answer: str | None = Field(None, max_length=20000, description="approve only: replaces the model")


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str | None = Field(
        None,
        min_length=1,
        max_length=20000,
        description="Your own answer for the employee; absent: the model writes it again (output-checked)",
    )


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=10, max_length=500, description="Why raw text is needed (audited)")


class AppealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=3, max_length=2000, description="Why the refusal was wrong")


async def _call(fn: Callable[..., T], *args: object) -> T:
    """Run a desk call off the event loop; domain errors become clear 4xx answers."""
    try:
        return await run_in_threadpool(fn, *args)
    except DeskPermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except CaseNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ReviewError as exc:
        raise HTTPException(409, str(exc)) from exc


def build_people_router(services: Services) -> APIRouter:
    router = APIRouter()
    auth, desk = services.auth, services.desk
    Reviewer = Annotated[Principal, Depends(auth.require("review"))]
    Employee = Annotated[Principal, Depends(auth.require("chat"))]
    Compliance = Annotated[Principal, Depends(auth.require("compliance"))]

    @router.post(
        "/v1/auth/token",
        response_model=Token,
        tags=["auth"],
        responses={401: ERRORS[401], **INVALID, **RATE_LIMITED},
    )
    async def token(
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        _: Annotated[None, Depends(limit_ip(services.limits, "token"))],
    ) -> Token:
        """Sign in with user name and password (OAuth2 password form); returns a bearer token."""
        principal = await run_in_threadpool(auth.login, username, password)
        if principal is None:
            raise HTTPException(401, "wrong user name or password", {"WWW-Authenticate": "Bearer"})
        ttl = auth.signer.ttl
        return Token(
            access_token=auth.signer.issue(principal.username, auth.clock()),
            expires_in=int(ttl.total_seconds()),
            username=principal.username,
            role=principal.role,
        )

    @router.get("/v1/cases", response_model=list[CaseSummary], tags=["review"], responses=ERRORS)
    async def list_cases(
        who: Reviewer,
        status: Literal["open", "claimed", "decided"] | None = "open",
        priority: Annotated[int | None, Query(ge=1, le=3)] = None,
        category: str | None = None,
        lang: str | None = None,
        source: Literal["escalate", "appeal", "sampling"] | None = None,
        older_than_minutes: Annotated[int | None, Query(ge=0, le=MAX_AGE_MINUTES)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[CaseSummary]:
        """The queue, most urgent first; request excerpts are PII-masked."""
        filters = CaseListFilters(status, priority, category, lang, source, older_than_minutes, limit, offset)
        return await _call(desk.list_cases, who, filters)

    @router.get("/v1/cases/stats", response_model=QueueStats, tags=["review"], responses=ERRORS)
    async def stats(who: Reviewer) -> QueueStats:
        """Counts by status and open cases by priority."""
        return await _call(desk.stats, who)

    @router.get("/v1/cases/{case_id}", response_model=CaseDetail, tags=["review"], responses=ERRORS)
    async def get_case(case_id: CaseId, who: Reviewer) -> CaseDetail:
        """One case with the model's decision; other reviewers' verdicts stay hidden until it is decided."""
        return await _call(desk.get, who, case_id)

    @router.get(
        "/v1/cases/{case_id}/precedents",
        response_model=list[PrecedentView],
        tags=["review"],
        responses=ERRORS,
    )
    async def precedents(
        case_id: CaseId, who: Reviewer, k: Annotated[int, Query(ge=1, le=20)] = 5
    ) -> list[PrecedentView]:
        """The most similar past decided cases (sentence-embedding cosine similarity)."""
        return await _call(desk.precedents, who, case_id, k)

    @router.post(
        "/v1/cases/claim",
        response_model=CaseDetail,
        tags=["review"],
        responses={**ERRORS, 204: {"description": "Nothing to claim"}},
    )
    async def claim(who: Reviewer, body: ClaimRequest | None = None) -> CaseDetail | Response:
        """Lease the most urgent open case matching the filters to the caller (204 if none)."""
        f = body or ClaimRequest()
        case = await _call(desk.claim, who, QueueFilters(f.priority, f.category, f.lang, f.source))
        return case if case is not None else Response(status_code=204)

    @router.post("/v1/cases/{case_id}/decide", response_model=CaseDetail, tags=["review"], responses=ERRORS)
    async def decide_case(case_id: CaseId, body: DecideRequest, who: Reviewer) -> CaseDetail:
        """Approve or reject a case you hold. Decided cases are immutable (a second decision is 409)."""
        verdict = Verdict(body.verdict, body.reason, body.corrected_label, body.edited_answer)
        return await _call(desk.decide, who, case_id, verdict)

    @router.post("/v1/cases/{case_id}/answer", response_model=CaseDetail, tags=["review"], responses=ERRORS)
    async def answer_case(case_id: CaseId, who: Reviewer, body: AnswerRequest | None = None) -> CaseDetail:
        """An approved case still waiting for its answer (the model's failed or was withheld by the output
        check, ``answer_error`` says why): have the model try again, or send your own ``answer``."""
        if body is not None and body.answer is not None:
            return await _call(desk.write_answer, who, case_id, body.answer)
        return await _call(desk.retry_answer, who, case_id)

    @router.post("/v1/cases/{case_id}/release", response_model=CaseDetail, tags=["review"], responses=ERRORS)
    async def release_case(case_id: CaseId, who: Reviewer) -> CaseDetail:
        """Give a case you hold back to the queue."""
        return await _call(desk.release, who, case_id)

    @router.post("/v1/cases/{case_id}/reveal", response_model=RawText, tags=["review"], responses=ERRORS)
    async def reveal(case_id: CaseId, body: RevealRequest, who: Compliance) -> RawText:
        """Break-glass: the unmasked request, for compliance officers and admins; audited with the reason."""
        return await _call(desk.reveal, who, case_id, body.reason)

    @router.get("/v1/requests", response_model=list[Outcome], tags=["requests"], responses=ERRORS)
    async def my_requests(who: Employee) -> list[Outcome]:
        """Your latest requests and what became of them."""
        return await _call(desk.my_requests, who)

    @router.get("/v1/requests/{request_id}", response_model=Outcome, tags=["requests"], responses=ERRORS)
    async def outcome(request_id: str, who: Employee) -> Outcome:
        """What became of one of your requests (a reviewer's decision shows here when made)."""
        return await _call(desk.outcome, who, request_id)

    @router.post(
        "/v1/requests/{request_id}/appeal", response_model=Outcome, tags=["requests"], responses=ERRORS
    )
    async def appeal_request(request_id: str, body: AppealRequest, who: Employee) -> Outcome:
        """Contest a refusal of your request: it goes to the review desk."""
        return await _call(desk.appeal, who, request_id, body.reason)

    return router

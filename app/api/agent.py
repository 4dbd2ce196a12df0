"""REST API: POST /v1/agent/run (signed-in users), GET /healthz, GET /readyz."""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError

from app.identity.accounts import Principal
from app.services import Services
from app.serving.agent import AgentResult, RecordingError
from app.serving.validation import InputError
from app.web.ratelimit import RATE_LIMITED, limit_ip, limit_user
from pii.masker import NerState

log = logging.getLogger(__name__)


class AgentRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"context": "You help the sales team.", "user_request": "Draft a polite follow-up email."}
            ]
        },
    )

    context: str = Field("", description="Optional role or situation; becomes the system turn")
    user_request: str = Field(..., min_length=1, description="The employee's question or task")


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class InvalidInput(BaseModel):
    """What a 422 carries: one readable message, and pydantic's errors when the schema check failed."""

    detail: str
    errors: list[ValidationIssue] = Field(default_factory=list)


# the body is not JSON / form data at all (FastAPI answers before validation); 422s as install_error_handlers
INVALID: dict[int | str, dict[str, object]] = {
    400: {"description": "The body could not be parsed"},
    422: {"model": InvalidInput, "description": "Invalid input"},
}
NOT_RECORDED: dict[int | str, dict[str, object]] = {
    503: {"description": "Refused: the database cannot record decisions now (see Retry-After)"}
}


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: bool
    model_loaded: bool
    model_version: str
    audit_spool_pending: int = Field(0, description="Audit records waiting for the database (should be 0)")
    pii_ner: NerState = Field(
        NerState.OFF,
        description="The PII masker's Japanese NER (GiNZA): ok; not_loaded (loads on the first Japanese "
        "text); down (why: detail; SO8T_PII_NER_DOWN says what masking does meanwhile, so the instance "
        "stays ready); off (SO8T_PII_NER=false)",
    )
    detail: str | None = None


def build_router(services: Services) -> APIRouter:
    router = APIRouter()
    agent = services.agent
    # per IP first (before the token is even checked), then per signed-in user
    # unverified_ok: if the database cannot check the caller, the request is still refused *and recorded*
    chat = services.auth.require("chat", unverified_ok=True)
    Employee = Annotated[Principal, Depends(limit_user(services.limits, chat))]
    IpLimited = Annotated[None, Depends(limit_ip(services.limits, "run"))]

    @router.post(
        "/v1/agent/run",
        response_model=AgentResult,
        tags=["agent"],
        responses={
            401: {"description": "Not signed in"},
            **INVALID,
            **NOT_RECORDED,
            **RATE_LIMITED,
        },
    )
    async def run(body: AgentRequest, _: IpLimited, who: Employee) -> AgentResult:
        """Decide ALLOW / REFUSE / ESCALATE for one request; answer only on ALLOW."""
        try:
            return await run_in_threadpool(
                agent.run, body.context, body.user_request, user=who.username, role=who.role
            )
        except InputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except RecordingError as exc:  # refused: the database is down (the refusal waits in the spool)
            raise HTTPException(
                status_code=503, detail=str(exc), headers={"Retry-After": str(exc.retry_after_s)}
            ) from exc

    @router.get("/healthz", response_model=Health, tags=["ops"])
    async def healthz() -> Health:
        """The process is up."""
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Readiness,
        tags=["ops"],
        responses={503: {"model": Readiness, "description": "Not ready"}},
    )
    async def readyz() -> JSONResponse:
        """Ready to serve: the database answers and the model is loaded. The PII masker's NER is reported in
        pii_ner (why it is down in detail); being down does not make an instance unready: it masks per
        SO8T_PII_NER_DOWN."""
        db = await run_in_threadpool(services.db_ok)
        loaded = agent.model is not None
        ner = services.masker.ner_health  # reads state only: never loads the model
        ner_down = f"PII NER down ({ner.mode}): {ner.reason}" if ner.state is NerState.DOWN else None
        body = Readiness(
            status="ready" if db and loaded else "not ready",
            database=db,
            model_loaded=loaded,
            model_version=agent.model_version,
            audit_spool_pending=agent.spool.pending() if agent.spool else 0,
            pii_ner=ner.state,
            detail="; ".join(d for d in (agent.model_error, ner_down) if d) or None,
        )
        return JSONResponse(body.model_dump(), status_code=200 if db and loaded else 503)

    return router


DATABASE_DOWN = (
    "The database is unavailable, so this could not be done (nothing was changed); please try again in a few "
    "minutes."
)


def install_error_handlers(app: FastAPI) -> None:
    """422s carry one readable message (``detail``) beside pydantic's error list (``errors``)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: e.get(k) for k in ("loc", "msg", "type")} for e in exc.errors()]
        message = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in errors
        )
        return JSONResponse(status_code=422, content={"detail": message, "errors": jsonable_encoder(errors)})

    @app.exception_handler(SQLAlchemyError)
    async def _database_down(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        # any route whose database work fails: a clear 503 (the transaction rolled back, nothing half-written)
        log.error("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            status_code=503,
            content={"detail": DATABASE_DOWN},
            headers={"Retry-After": str(RecordingError.retry_after_s)},
        )

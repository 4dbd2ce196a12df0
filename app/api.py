"""REST API: POST /v1/agent/run, GET /healthz, GET /readyz."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.agent import AgentResult, RecordingError
from app.services import Services
from app.validation import InputError


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
    user: str = Field(
        "anonymous",
        min_length=1,
        max_length=64,
        pattern=r"^[\w.@-]+$",
        description="Who is asking (replaced by the authenticated user once login exists)",
    )


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: bool
    model_loaded: bool
    model_version: str
    detail: str | None = None


def build_router(services: Services) -> APIRouter:
    router = APIRouter()
    agent = services.agent

    @router.post(
        "/v1/agent/run",
        response_model=AgentResult,
        tags=["agent"],
        responses={422: {"description": "Invalid input"}, 503: {"description": "Not recorded"}},
    )
    async def run(body: AgentRequest) -> AgentResult:
        """Decide ALLOW / REFUSE / ESCALATE for one request; answer only on ALLOW."""
        try:
            return await run_in_threadpool(agent.run, body.context, body.user_request, user=body.user)
        except InputError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except RecordingError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc

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
        """Ready to serve: the database answers and the model is loaded."""
        db = await run_in_threadpool(services.db_ok)
        loaded = agent.model is not None
        body = Readiness(
            status="ready" if db and loaded else "not ready",
            database=db,
            model_loaded=loaded,
            model_version=agent.model_version,
            detail=agent.model_error,
        )
        return JSONResponse(body.model_dump(), status_code=200 if db and loaded else 503)

    return router


def install_error_handlers(app: FastAPI) -> None:
    """422s carry one readable message (``detail``) beside pydantic's error list (``errors``)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: e.get(k) for k in ("loc", "msg", "type")} for e in exc.errors()]
        message = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in errors
        )
        return JSONResponse(status_code=422, content={"detail": message, "errors": jsonable_encoder(errors)})

"""REST for administrators: the model registry, nightly runs, promotion, rollback and the reload.

``POST /v1/admin/models/reload`` makes this process serve the registry's promoted version now (the
server also checks every ``SO8T_MODEL_RELOAD_INTERVAL_SECONDS``). Every route needs the ``admin`` role.

No ``from __future__ import annotations`` here: FastAPI must see the routes' local ``Annotated`` aliases.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from app.api.agent import INVALID
from app.desks.models import AdminPermissionError, ModelView, PromoteView, ReloadView, RunView, admin_of
from app.identity.accounts import Principal
from app.services import Services
from training.lifecycle.registry import RegistryError

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not an administrator"},
    409: {"description": "Not possible (unknown or ambiguous version, already promoted, artifact missing)"},
    **INVALID,
}
Version = Annotated[str, Path(min_length=1, max_length=160, description="a version or a unique prefix of it")]


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=3, max_length=2000, description="Why (audited)")
    force: bool = Field(False, description="Skip the promotion gate (audited as forced)")


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=3, max_length=2000, description="Why (audited)")
    to: str | None = Field(None, max_length=160, description="Version to serve; default: the one before")


async def _call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except AdminPermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    except RegistryError as exc:
        raise HTTPException(409, str(exc)) from exc


def build_admin_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1/admin", tags=["admin"])
    admin = admin_of(services)
    Admin = Annotated[Principal, Depends(services.auth.require("admin"))]

    @router.get("/models", response_model=list[ModelView], responses=ERRORS)
    async def models(who: Admin, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[ModelView]:
        """The model registry, newest first, with each version's headline metrics."""
        return await _call(admin.models, who, limit)

    @router.get("/nightly-runs", response_model=list[RunView], responses=ERRORS)
    async def runs(who: Admin, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[RunView]:
        """The last runs of `so8t nightly`."""
        return await _call(admin.runs, who, limit)

    @router.post("/models/reload", response_model=ReloadView, responses=ERRORS)
    async def reload(who: Admin) -> ReloadView:
        """Serve the registry's promoted version now, without a restart (audited as model.reload).
        ``error`` says why a promoted model could not be loaded; the previous one keeps serving."""
        return await _call(admin.reload, who)

    @router.post("/models/{version}/promote", response_model=PromoteView, responses=ERRORS)
    async def promote(version: Version, body: PromoteRequest, who: Admin) -> PromoteView:
        """Run the promotion gate and, if it passes (or ``force``), promote and serve ``version``."""
        return await _call(admin.promote, who, version, body.reason, force=body.force)

    @router.post("/models/rollback", response_model=ReloadView, responses=ERRORS)
    async def rollback(body: RollbackRequest, who: Admin) -> ReloadView:
        """Serve an earlier version again (default: the one promoted before the current one)."""
        return await _call(admin.rollback, who, body.reason, body.to)

    return router


__all__ = ["build_admin_router"]

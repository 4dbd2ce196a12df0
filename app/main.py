"""The FastAPI app factory with the Gradio UI mounted at ``/``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

import gradio as gr
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.api.admin import build_admin_router
from app.api.agent import build_router, install_error_handlers
from app.api.conversations import build_conversations_router
from app.api.openai_compat import build_openai_router
from app.api.people import build_people_router
from app.ops.metrics_route import build_metrics_router
from app.ops.sweeper import Sweeper
from app.services import Services, build_services
from app.settings import Settings
from app.ui import build_ui
from app.web.csrf import CrossSiteRequestMiddleware
from app.web.middleware import RequestContextMiddleware

API_DESCRIPTION = (
    "SO8T Safe Agent: every request gets a safety decision (ALLOW / REFUSE / ESCALATE) from one model pass; "
    "only ALLOW is answered; ESCALATE opens a human review case. Every decision is audited."
)


def create_api(services: Services) -> FastAPI:
    """The REST API alone (what docs/openapi.json describes); runs the SLA sweep while it serves."""
    sweeper = Sweeper(
        services.sessions,
        services.agent.queue,
        services.settings.sweep_interval_seconds,
        spool=services.agent.spool,
        on_db_error=services.telemetry.db_error,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # load the PII masker's NER model now, not on the first Japanese request
        threading.Thread(target=services.agent.mask, args=("山田太郎",), daemon=True).start()
        sweeper.start()
        if services.models is not None:  # follow the model registry: promotions without a restart
            services.models.start()
        try:
            yield
        finally:
            sweeper.stop()
            if services.models is not None:
                services.models.stop()

    api = FastAPI(title="SO8T Safe Agent", version="0.1.0", description=API_DESCRIPTION, lifespan=lifespan)
    api.include_router(build_router(services))
    api.include_router(build_people_router(services))
    api.include_router(build_conversations_router(services))
    api.include_router(build_openai_router(services))
    api.include_router(build_admin_router(services))
    metrics = services.telemetry.metrics
    api.include_router(build_metrics_router(metrics.registry, services.settings.metrics_token))
    install_error_handlers(api)
    # No cross-origin reads: Gradio's own CORS layer would answer any Origin with credentials allowed on a
    # non-localhost host; with a CORSMiddleware (allowing no origin) on this app it leaves CORS to that.
    api.add_middleware(CORSMiddleware, allow_origins=[])
    # cross-site writes with cookies; inside RequestContextMiddleware, so its 403s get request ids too
    api.add_middleware(CrossSiteRequestMiddleware, trusted_origins=services.settings.trusted_origin_list)
    api.add_middleware(RequestContextMiddleware, metrics=metrics)
    return api


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings or Settings())
    api = create_api(services)
    api.state.services = services
    return gr.mount_gradio_app(
        api,
        build_ui(services),
        path="/",
        auth=services.auth.gradio_login,
        auth_message="SO8T Safe Agent — sign in / サインインしてください",
    )

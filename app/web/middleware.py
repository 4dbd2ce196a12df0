"""HTTP middleware: a request id for every request (and every log line), and security headers.

Request ids: a sane incoming ``X-Request-ID`` (1-64 characters of ``A-Za-z0-9._-``) is kept, anything
else is replaced by a fresh uuid4; the id is echoed in the response's ``X-Request-ID`` and held in a
context variable that ``RequestIdFilter`` copies onto every log record (``app/ops/logs.py`` prints it). Work
that Gradio's queue runs on its own workers logs ``-``: it is not inside the HTTP request that queued it.

Headers on every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: SAMEORIGIN`` (the UI
may frame itself; the compliance preview uses ``srcdoc``), ``Referrer-Policy: no-referrer``. The JSON API
under ``/v1/`` also gets ``Content-Security-Policy: default-src 'none'; frame-ancestors 'none'``; the
Gradio UI gets no CSP here (its scripts and styles would break under a strict one).

CSRF: the REST API authenticates with ``Authorization: Bearer`` tokens only and sets or reads no
cookies, so a forged cross-site request carries no credentials. The UI's session cookies come from Gradio's
own login (``auth=`` in ``create_app``), and Gradio checks no ``Origin`` itself, so ``app/web/csrf.py``
refuses unsafe requests that carry cookies from another origin; ``create_api`` also installs a
``CORSMiddleware`` allowing no origin, which switches off Gradio's own CORS layer (it would let any site
read responses with credentials). See docs/SECURITY.md (CSRF).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.metrics import Metrics

log = logging.getLogger(__name__)

# The current request's id; "-" outside any request (start-up, the sweeper, Gradio's queue workers).
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("so8t_request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
}
API_PREFIX = "/v1/"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def request_id_from(incoming: str | None) -> str:
    """The client's id if it is sane (no spaces, no control characters, not huge); else a new uuid4."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or ``-``); attach it to handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def route_label(scope: Scope) -> str:
    """The matched route's template (``/v1/cases/{case_id}``), never the raw path (bounded labels);
    ``unmatched`` for 404s. The Gradio UI's own routes are templates of its router too."""
    path = getattr(scope.get("route"), "path", None)
    if path is None:
        return "unmatched"
    return path or "/"


class RequestContextMiddleware:
    """Pure ASGI (not ``BaseHTTPMiddleware``), so Gradio's streamed responses pass through untouched.
    With ``metrics``, every HTTP request is counted by method, route template and status, and timed."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode())
        rid = request_id_from(incoming.decode("latin-1") if incoming else None)
        path: str = scope.get("path", "")
        api = path.startswith(API_PREFIX)
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = rid
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if api:
                    headers["Content-Security-Policy"] = API_CSP
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if api:  # one access line per API call (no query string, no headers: nothing secret)
                log.info("%s %s -> %d in %.0f ms", scope.get("method"), path, status, elapsed)
            if self.metrics is not None:
                method, route = str(scope.get("method")), route_label(scope)
                self.metrics.http_requests.labels(method, route, str(status)).inc()
                self.metrics.http_duration.labels(method, route).observe(elapsed / 1000)
            REQUEST_ID.reset(token)

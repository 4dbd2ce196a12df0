"""Cross-site request refusal for cookie-carrying requests: our own CSRF check, in front of Gradio's.

The Gradio UI signs people in with a session cookie (Gradio's ``access-token*`` cookies, see
docs/SECURITY.md), so a page on another site could make the browser send that cookie with a forged POST.
For every unsafe method (POST, PUT, PATCH, DELETE) on a request that carries a ``Cookie`` header, this
middleware compares the ``Origin`` header (or, when it is absent, the origin of the ``Referer``) with the
request's own origin (ASGI scheme + ``Host`` header) and the extra trusted origins
(``SO8T_TRUSTED_ORIGINS``). A mismatch, or ``Origin: null`` (sandboxed frames, privacy-redirected
requests), gets ``403 {"detail": "cross-site request refused (...)"}`` and one warning log line.

Allowed untouched: safe methods; requests without cookies (the bearer-only REST API: a forged request
carries no credentials); and requests with neither ``Origin`` nor ``Referer``. Browsers send ``Origin`` on
every cross-origin POST (fetch, XHR and form submissions alike), so a request without both comes from a
non-browser client (curl, ``gradio_client``), which no other site can drive with our users' cookies.

Behind a TLS-terminating proxy the request's scheme is the public one only when uvicorn trusts the
proxy's ``X-Forwarded-Proto`` (``FORWARDED_ALLOW_IPS``, as in deploy/); otherwise list the public origin
in ``SO8T_TRUSTED_ORIGINS``. Logs name the method, path and origins, never cookie values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """The serialised origin (``scheme://host[:port]``, lower case, default port dropped) of an http(s)
    URL or origin; ``None`` for anything else (``null``, other schemes, no host, a bad port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal: urlsplit drops the brackets
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.example, http://b:8080"`` -> normalised origins; ValueError names a bad entry."""
    origins = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        origin = origin_of(item)
        parts = urlsplit(item)
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment or "@" in item:
            raise ValueError(f"not an origin (scheme://host[:port]): {item!r}")
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def own_origin(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    """The origin this request was sent to: its scheme and ``Host`` header (else the server address)."""
    scheme = str(scope.get("scheme", "http"))
    host = headers.get(b"host", b"").decode("latin-1")
    if not host and scope.get("server"):
        name, port = scope["server"]
        host = f"[{name}]:{port}" if ":" in str(name) else f"{name}:{port}"
    return origin_of(f"{scheme}://{host}") if host else None


class CrossSiteRequestMiddleware:
    """Pure ASGI (Gradio's streamed responses pass untouched): refuses cross-site unsafe requests that
    carry cookies; see the module docstring for what passes."""

    def __init__(self, app: ASGIApp, trusted_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = frozenset(trusted_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of repeated headers
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        log.warning("%s %s refused: %s", scope.get("method"), scope.get("path", ""), refusal)
        response = JSONResponse({"detail": f"cross-site request refused ({refusal})"}, status_code=403)
        await response(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """Why this request is refused, or None when it may pass."""
        if not headers.get(b"cookie"):
            return None
        if b"origin" in headers:
            header, sent = "Origin", headers[b"origin"].decode("latin-1").strip()
            claimed = origin_of(sent)
        elif b"referer" in headers:
            header = "Referer"
            claimed = origin_of(headers[b"referer"].decode("latin-1"))
            sent = claimed or "(not an http(s) URL)"  # the origin only: a path may hold private data
        else:
            return None  # no browser behind it (see the module docstring)
        own = own_origin(scope, headers)
        if claimed is not None and (claimed == own or claimed in self.trusted):
            return None
        return f"{header} {sent or '(empty)'} does not match {own or '(no Host)'}"

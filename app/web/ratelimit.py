"""Rate limits: a thread-safe sliding-window limiter keyed by string, and the FastAPI dependencies that
apply it (``429 Too Many Requests`` with ``Retry-After``).

Two budgets, both configurable and 0 = off: per signed-in user (``SO8T_RATE_LIMIT_PER_USER``, shared by
the REST API and the chat tab) and per client IP (``SO8T_RATE_LIMIT_PER_IP``, on ``POST /v1/agent/run``
and, separately, on ``POST /v1/auth/token`` to slow password guessing). State is in memory, per process:
with several replicas each enforces its own budget.

The client IP is the ASGI peer address. Behind a reverse proxy run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` set to the proxy, so the peer is the real client; ``X-Forwarded-For`` is never
read here (any client could forge it).

No ``from __future__ import annotations``: FastAPI must see the dependencies' ``Annotated`` parameters.
"""

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from app.identity.accounts import Principal
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimitConfig:
    requests: int  # allowed per window; 0 = unlimited
    window_seconds: float

    @property
    def enabled(self) -> bool:
        return self.requests > 0 and self.window_seconds > 0


@dataclass
class RateLimiter:
    """Sliding-window log: a key may make ``requests`` calls in any ``window_seconds``-long interval."""

    config: RateLimitConfig
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _calls: int = field(default=0, init=False, repr=False)

    def hit(self, key: str) -> float:
        """Count one call for ``key``: 0.0 if allowed, else the seconds until the next one would be."""
        if not self.config.enabled:
            return 0.0
        now = self.clock()
        window = self.config.window_seconds
        with self._lock:
            self._calls += 1
            if self._calls % 1024 == 0:
                self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= self.config.requests:
                return hits[0] + window - now
            hits.append(now)
            return 0.0

    def reset(self, key: str | None = None) -> None:
        """Forget one key's calls, or everyone's."""
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no call inside the window, so memory follows active clients only."""
        cutoff = now - self.config.window_seconds
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]:
            del self._hits[key]


def retry_after(seconds: float) -> int:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return max(1, math.ceil(seconds))


@dataclass(frozen=True)
class RateLimits:
    """The process's limiters, built once in ``build_services``."""

    per_user: RateLimiter
    per_ip: RateLimiter
    # told the limit's name (user, ip_run, ip_token) on every refusal: the metrics (app/ops/telemetry.py)
    on_limited: Callable[[str], None] = lambda limit: None

    @classmethod
    def from_settings(
        cls, settings: Settings, on_limited: Callable[[str], None] = lambda limit: None
    ) -> "RateLimits":
        window = settings.rate_limit_window_seconds
        return cls(
            per_user=RateLimiter(RateLimitConfig(settings.rate_limit_per_user, window)),
            per_ip=RateLimiter(RateLimitConfig(settings.rate_limit_per_ip, window)),
            on_limited=on_limited,
        )

    def user_wait(self, username: str) -> int:
        """0 if ``username`` may go on, else whole seconds to wait (for the chat tab)."""
        wait = self.per_user.hit(f"user:{username}")
        if wait > 0:
            log.warning("rate limit: user %s is over %d requests", username, self.per_user.config.requests)
            self.on_limited("user")
            return retry_after(wait)
        return 0


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(seconds: int, who: str) -> HTTPException:
    return HTTPException(
        429,
        f"too many requests from this {who}; retry in {seconds} s",
        {"Retry-After": str(seconds)},
    )


def limit_ip(limits: RateLimits, scope: str) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency: 429 once the caller's IP is over its budget for ``scope`` (one route)."""

    async def dependency(request: Request) -> None:
        ip = client_ip(request)
        wait = limits.per_ip.hit(f"{scope}:{ip}")
        if wait > 0:
            log.warning("rate limit: %s over %d requests on %s", ip, limits.per_ip.config.requests, scope)
            limits.on_limited(f"ip_{scope}")
            raise too_many(retry_after(wait), "address")

    return dependency


def limit_user(
    limits: RateLimits, principal: Callable[..., Awaitable[Principal]]
) -> Callable[..., Awaitable[Principal]]:
    """Wrap an auth dependency (``Authenticator.require``): its principal, unless over the user budget."""

    async def dependency(who: Annotated[Principal, Depends(principal)]) -> Principal:
        wait = limits.user_wait(who.username)
        if wait:
            raise too_many(wait, "user")
        return who

    return dependency


RATE_LIMITED: dict[int | str, dict[str, str]] = {
    429: {"description": "Too many requests; the Retry-After header says how many seconds to wait"}
}

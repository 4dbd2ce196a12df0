"""Rate limits: a thread-safe sliding-window limiter keyed by string, and the FastAPI dependencies that
apply it (``429 Too Many Requests`` with ``Retry-After``).

Two budgets, both configurable and 0 = off: per signed-in user (``SO8T_RATE_LIMIT_PER_USER``, shared by
the REST API and the chat tab) and per client IP (``SO8T_RATE_LIMIT_PER_IP``, on ``POST /v1/agent/run``
and, separately, on ``POST /v1/auth/token`` to slow password guessing).

Where the counts live: with ``SO8T_REDIS_URL`` set, in Redis, shared by every replica (``RedisRateLimiter``:
one sorted set per key, updated atomically by a Lua script on the server's clock); without it, in memory,
per process (``RateLimiter``; with several replicas each would enforce its own budget). Both implement
``Limiter``. When Redis cannot be reached, a call is counted by a per-process limiter instead (the limit
still holds, per replica, until Redis answers again), ``on_backend_error`` is told, and a warning is logged
at most once a minute.

The client IP is the ASGI peer address. Behind a reverse proxy run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` set to the proxy, so the peer is the real client; ``X-Forwarded-For`` is never
read here (any client could forge it).

No ``from __future__ import annotations``: FastAPI must see the dependencies' ``Annotated`` parameters.
"""

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Protocol, TypeVar

import redis
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from app.identity.accounts import Principal
from app.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RateLimitConfig:
    requests: int  # allowed per window; 0 = unlimited
    window_seconds: float

    @property
    def enabled(self) -> bool:
        return self.requests > 0 and self.window_seconds > 0


class Limiter(Protocol):
    """What ``RateLimits`` needs of a limiter, in memory or in Redis."""

    @property
    def config(self) -> RateLimitConfig: ...

    def hit(self, key: str) -> float:
        """Count one call for ``key``: 0.0 if allowed, else the seconds until the next one would be."""
        ...

    def reset(self, key: str | None = None) -> None:
        """Forget one key's calls, or everyone's."""
        ...


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


REDIS_PREFIX = "so8t:rl:"
REDIS_TIMEOUT_S = 0.5  # connect and read: a slow Redis costs a request this much at most, then the fallback
REDIS_RETRY_S = 1.0  # after a Redis failure, calls go straight to the fallback for this long
BACKEND_WARNING_EVERY_S = 60.0

# KEYS[1]: the key's sorted set (member: one call, score: its time in microseconds on the Redis clock).
# ARGV: requests allowed, window in microseconds, a unique member for this call.
# Returns 0 when the call is allowed (and counted), else the microseconds until the oldest call leaves
# the window (always > 0). One script = one atomic step, whatever the number of replicas.
SLIDING_WINDOW_LUA = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return 0
"""


def redis_client(url: str, *, timeout_s: float = REDIS_TIMEOUT_S) -> redis.Redis:
    """A client with short timeouts and no retries (the fallback is the retry); connects on first use."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
    )


class RedisRateLimiter:
    """The same sliding window as ``RateLimiter``, kept in Redis so that every replica shares it.

    Keys are ``{prefix}{name}:{key}``; each expires one window after its last allowed call. If Redis
    fails (down, timeout, an error reply), the call is decided by ``fallback``, a per-process
    ``RateLimiter`` with the same config, ``on_backend_error(name)`` is called, and for ``retry_s``
    seconds the next calls go to the fallback without trying Redis; a warning is logged at most every
    ``BACKEND_WARNING_EVERY_S`` seconds (with the count of calls that fell back since the last one).
    """

    def __init__(
        self,
        config: RateLimitConfig,
        client: redis.Redis,
        *,
        name: str,
        prefix: str = REDIS_PREFIX,
        on_backend_error: Callable[[str], None] = lambda limiter: None,
        retry_s: float = REDIS_RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config, self.client, self.name = config, client, name
        self.key_prefix = f"{prefix}{name}:"
        self.on_backend_error, self.retry_s, self.clock = on_backend_error, retry_s, clock
        self.fallback = RateLimiter(config, clock=clock)
        self._script = client.register_script(SLIDING_WINDOW_LUA)
        self._lock = threading.Lock()
        self._down_until = float("-inf")
        self._warned_at = float("-inf")
        self._fell_back = 0
        self._last_error = ""

    @property
    def config(self) -> RateLimitConfig:
        return self._config

    def hit(self, key: str) -> float:
        if not self._config.enabled:
            return 0.0
        if self.clock() >= self._down_until:
            try:
                wait_us = self._script(
                    keys=[self.key_prefix + key],
                    args=[
                        self._config.requests,
                        max(1, round(self._config.window_seconds * 1_000_000)),
                        uuid.uuid4().hex,
                    ],
                )
                return int(wait_us) / 1_000_000
            except (RedisError, OSError) as exc:
                self._backend_failed(exc)
        return self._fall_back(key)

    def reset(self, key: str | None = None) -> None:
        """Forget one key's calls, or everyone's (this limiter's keys only), in Redis and the fallback."""
        self.fallback.reset(key)
        if key is not None:
            self.client.delete(self.key_prefix + key)
            return
        batch: list[bytes] = []
        for found in self.client.scan_iter(match=self.key_prefix + "*", count=500):
            batch.append(found)
            if len(batch) >= 500:
                self.client.delete(*batch)
                batch.clear()
        if batch:
            self.client.delete(*batch)

    def _backend_failed(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = self.clock() + self.retry_s
            self._last_error = f"{type(exc).__name__}: {exc}"

    def _fall_back(self, key: str) -> float:
        self.on_backend_error(self.name)
        now = self.clock()
        with self._lock:
            self._fell_back += 1
            if now - self._warned_at < BACKEND_WARNING_EVERY_S:
                warn = 0
            else:
                warn, self._fell_back, self._warned_at = self._fell_back, 0, now
            error = self._last_error
        if warn:
            log.warning(
                "rate limit %s: Redis unavailable (%s); %d call(s) limited per process instead",
                self.name,
                error,
                warn,
            )
        return self.fallback.hit(key)


def retry_after(seconds: float) -> int:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return max(1, math.ceil(seconds))


@dataclass(frozen=True)
class RateLimits:
    """The process's limiters, built once in ``build_services``."""

    per_user: Limiter
    per_ip: Limiter
    # told the limit's name (user, ip_run, ip_token) on every refusal: the metrics (app/ops/telemetry.py)
    on_limited: Callable[[str], None] = lambda limit: None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        on_limited: Callable[[str], None] = lambda limit: None,
        on_backend_error: Callable[[str], None] = lambda limiter: None,
    ) -> "RateLimits":
        """In Redis when ``settings.redis_url`` is set (one client for both), else in memory.
        ``on_backend_error`` is told the limiter (user, ip) for each call Redis could not decide."""
        window = settings.rate_limit_window_seconds
        user = RateLimitConfig(settings.rate_limit_per_user, window)
        ip = RateLimitConfig(settings.rate_limit_per_ip, window)
        if settings.redis_url is None:
            return cls(per_user=RateLimiter(user), per_ip=RateLimiter(ip), on_limited=on_limited)
        client = redis_client(settings.redis_url)
        return cls(
            per_user=RedisRateLimiter(user, client, name="user", on_backend_error=on_backend_error),
            per_ip=RedisRateLimiter(ip, client, name="ip", on_backend_error=on_backend_error),
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


async def off_the_loop(limiter: Limiter, call: Callable[[str], T], key: str) -> T:
    """``call(key)`` from async code: in memory at once, through Redis in a worker thread (a network
    round trip, up to the client's timeout, must not hold up the event loop)."""
    if isinstance(limiter, RateLimiter):
        return call(key)
    return await run_in_threadpool(call, key)


def limit_ip(limits: RateLimits, scope: str) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency: 429 once the caller's IP is over its budget for ``scope`` (one route)."""

    async def dependency(request: Request) -> None:
        ip = client_ip(request)
        wait = await off_the_loop(limits.per_ip, limits.per_ip.hit, f"{scope}:{ip}")
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
        wait = await off_the_loop(limits.per_user, limits.user_wait, who.username)
        if wait:
            raise too_many(wait, "user")
        return who

    return dependency


RATE_LIMITED: dict[int | str, dict[str, str]] = {
    429: {"description": "Too many requests; the Retry-After header says how many seconds to wait"}
}

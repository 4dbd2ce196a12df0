"""Rate limits (429 + Retry-After), security headers and request ids, over the real app (``app_for`` in
tests/app/conftest.py); the Redis limiter against the Redis server at SO8T_TEST_REDIS_URL (default
127.0.0.1:6379, database 15; each test uses keys under a prefix of its own and deletes them)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from app.ops.logs import JsonFormatter
from app.services import Services
from app.settings import Settings
from app.web.middleware import RequestIdFilter, request_id_from
from app.web.ratelimit import (
    RateLimitConfig,
    RateLimiter,
    RateLimits,
    RedisRateLimiter,
    redis_client,
    retry_after,
)
from tests.conftest import PASSWORD, add_user, bearer

REDIS_URL = os.environ.get("SO8T_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_n_per_window_per_key() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitConfig(requests=3, window_seconds=10), clock=clock)
    for offset in (0.0, 1.0, 2.0):
        clock.now = 1000.0 + offset
        assert limiter.hit("alice") == 0.0
    clock.now = 1005.0
    assert limiter.hit("alice") == pytest.approx(5.0)  # the first call leaves the window at 1010
    assert limiter.hit("bob") == 0.0  # keys are independent
    clock.now = 1010.0
    assert limiter.hit("alice") == 0.0  # the first call has slid out; a refused call did not count
    assert limiter.hit("alice") == pytest.approx(1.0)  # the second (t=1001) leaves at 1011
    limiter.reset("alice")
    assert limiter.hit("alice") == 0.0
    limiter.reset()
    assert all(limiter.hit("bob") == 0.0 for _ in range(3)) and limiter.hit("bob") > 0


def test_zero_disables_and_retry_after_is_whole_seconds_at_least_one() -> None:
    off = RateLimiter(RateLimitConfig(requests=0, window_seconds=60))
    assert all(off.hit("x") == 0.0 for _ in range(1000))
    assert [retry_after(s) for s in (0.001, 0.2, 1.0, 5.01, 59.9)] == [1, 1, 1, 6, 60]


def test_idle_keys_are_forgotten() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitConfig(requests=1, window_seconds=1), clock=clock)
    for i in range(1023):
        limiter.hit(f"ip:{i}")
    clock.now += 5
    limiter.hit("ip:new")  # the 1024th call sweeps
    assert list(limiter._hits) == ["ip:new"]


def test_limiter_is_exact_under_threads() -> None:
    limiter = RateLimiter(RateLimitConfig(requests=100, window_seconds=3600))
    allowed: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        ok = sum(1 for _ in range(200) if limiter.hit("shared") == 0.0)
        allowed.append(ok)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert sum(allowed) == 100


class RedisKeys:
    """Limiters on the test Redis under a prefix of their own; ``cleanup`` deletes every key under it."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.prefix = f"so8t:test:{uuid.uuid4().hex[:12]}:"

    def limiter(self, requests: int, window_seconds: float, **kwargs: object) -> RedisRateLimiter:
        client = kwargs.pop("client", None) or redis_client(REDIS_URL)
        return RedisRateLimiter(
            RateLimitConfig(requests, window_seconds),
            client,  # type: ignore[arg-type]
            name=str(kwargs.pop("name", "user")),
            prefix=self.prefix,
            **kwargs,  # type: ignore[arg-type]
        )

    def keys(self) -> list[bytes]:
        return sorted(self.client.scan_iter(match=self.prefix + "*"))

    def cleanup(self) -> None:
        for key in self.keys():
            self.client.delete(key)


@pytest.fixture
def redis_keys() -> Iterator[RedisKeys]:
    client = redis_client(REDIS_URL, timeout_s=5.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); start it or set SO8T_TEST_REDIS_URL")
    keys = RedisKeys(client)
    yield keys
    keys.cleanup()
    client.close()


@pytest.mark.postgres  # needs the Redis server (the same services job as PostgreSQL)
def test_redis_window_behaves_like_the_memory_one(redis_keys: RedisKeys) -> None:
    limiter = redis_keys.limiter(3, 1.0)
    start = time.monotonic()
    assert limiter.hit("alice") == 0.0
    time.sleep(0.4)
    assert [limiter.hit("alice") for _ in range(2)] == [0.0, 0.0]
    wait = limiter.hit("alice")
    assert 0.5 < wait <= 1.0 - (time.monotonic() - start) + 0.05  # until the first call leaves the window
    assert limiter.hit("bob") == 0.0  # keys are independent
    time.sleep(wait + 0.03)
    assert limiter.hit("alice") == 0.0  # the first call has slid out; the refused one did not count
    again = limiter.hit("alice")  # the window holds three again; the next to leave is from t=0.4
    assert 0.2 < again < 0.45
    ttl_ms = redis_keys.client.pttl(redis_keys.prefix + "user:alice")
    assert 0 < ttl_ms <= 1000  # an idle key expires one window after its last allowed call
    limiter.reset("alice")
    assert limiter.hit("alice") == 0.0
    limiter.reset()
    assert redis_keys.keys() == []
    assert all(limiter.hit("bob") == 0.0 for _ in range(3)) and limiter.hit("bob") > 0


@pytest.mark.postgres
def test_redis_and_memory_limiters_refuse_the_same_calls(redis_keys: RedisKeys) -> None:
    memory, shared = RateLimiter(RateLimitConfig(5, 60)), redis_keys.limiter(5, 60)
    pattern = ["a", "b", "a", "a", "c", "a", "a", "a", "b", "b", "b", "b", "b", "c"]
    assert [memory.hit(k) == 0.0 for k in pattern] == [shared.hit(k) == 0.0 for k in pattern]
    waits = [shared.hit("a") for _ in range(3)]
    assert all(59.0 < w <= 60.0 for w in waits)  # whole window left, in seconds as the memory one says


@pytest.mark.postgres
def test_redis_reset_forgets_only_its_own_keys(redis_keys: RedisKeys) -> None:
    users, ips = redis_keys.limiter(1, 60, name="user"), redis_keys.limiter(1, 60, name="ip")
    assert users.hit("x") == 0.0 and ips.hit("x") == 0.0
    users.reset()
    assert users.hit("x") == 0.0 and ips.hit("x") > 0.0


@pytest.mark.postgres
def test_redis_limiter_is_exact_under_threads_from_two_clients(redis_keys: RedisKeys) -> None:
    """Two client objects (two replicas), four threads each, 800 calls on one key: exactly 100 pass."""
    replicas = [redis_keys.limiter(100, 3600) for _ in range(2)]
    assert replicas[0].client is not replicas[1].client
    allowed: list[int] = []
    start = threading.Barrier(8)

    def worker(limiter: RedisRateLimiter) -> None:
        start.wait()
        allowed.append(sum(1 for _ in range(100) if limiter.hit("shared") == 0.0))

    threads = [threading.Thread(target=worker, args=(replicas[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 100
    assert redis_keys.client.zcard(redis_keys.prefix + "user:shared") == 100


@pytest.mark.postgres
def test_limits_built_from_settings_are_shared_between_replicas(redis_keys: RedisKeys) -> None:
    settings = Settings(  # type: ignore[call-arg]
        redis_url=REDIS_URL, rate_limit_per_user=2, rate_limit_window_seconds=60, _env_file=None
    )
    replica_a, replica_b = RateLimits.from_settings(settings), RateLimits.from_settings(settings)
    assert isinstance(replica_a.per_user, RedisRateLimiter) and isinstance(replica_a.per_ip, RedisRateLimiter)
    assert replica_a.per_user.client is replica_a.per_ip.client  # one client per process
    user = f"rl-test-{uuid.uuid4().hex[:8]}"
    try:
        assert replica_a.user_wait(user) == 0 and replica_b.user_wait(user) == 0
        assert 1 <= replica_a.user_wait(user) <= 60 and 1 <= replica_b.user_wait(user) <= 60
    finally:
        replica_a.per_user.reset(f"user:{user}")
    memory = RateLimits.from_settings(Settings(rate_limit_per_user=2, _env_file=None))  # type: ignore[call-arg]
    assert isinstance(memory.per_user, RateLimiter) and isinstance(memory.per_ip, RateLimiter)


def test_redis_down_falls_back_to_a_per_process_limit_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """Redis refuses connections: every call is still limited (per process), counted, and logged once."""
    errors: list[str] = []
    limiter = RedisRateLimiter(
        RateLimitConfig(3, 60), redis_client(CLOSED_PORT_URL), name="user", on_backend_error=errors.append
    )
    caplog.set_level(logging.WARNING, logger="app.web.ratelimit")
    started = time.monotonic()
    results = [limiter.hit("alice") for _ in range(5)] + [limiter.hit("bob")]
    elapsed = time.monotonic() - started
    assert results[:3] == [0.0, 0.0, 0.0] and all(w > 59 for w in results[3:5]) and results[5] == 0.0
    assert errors == ["user"] * 6  # each call decided without Redis is counted
    warnings = [r.getMessage() for r in caplog.records if r.name == "app.web.ratelimit"]
    assert len(warnings) == 1 and "Redis unavailable" in warnings[0]  # not one per request
    assert elapsed < 1.0  # no call waits for Redis


def test_redis_down_is_retried_after_the_pause(caplog: pytest.LogCaptureFixture) -> None:
    class Clock:
        now = 100.0

        def __call__(self) -> float:
            return self.now

    clock, tried = Clock(), []
    client = redis_client(CLOSED_PORT_URL)
    limiter = RedisRateLimiter(RateLimitConfig(10, 60), client, name="ip", retry_s=2.0, clock=clock)
    script = limiter._script

    def counting(*, keys: list[str], args: list[object]) -> object:
        tried.append(1)
        return script(keys=keys, args=args)  # type: ignore[arg-type]

    limiter._script = counting  # type: ignore[assignment]
    limiter.hit("k")
    clock.now += 1.0
    limiter.hit("k")  # inside the pause: Redis is not asked
    clock.now += 1.5
    limiter.hit("k")  # past it: asked again (and still down)
    assert len(tried) == 2 and len(limiter.fallback._hits["k"]) == 3


def test_a_disabled_redis_limit_never_asks_redis() -> None:
    errors: list[str] = []
    off = RedisRateLimiter(
        RateLimitConfig(0, 60), redis_client(CLOSED_PORT_URL), name="user", on_backend_error=errors.append
    )
    assert all(off.hit("x") == 0.0 for _ in range(100)) and errors == []


def _run(client: TestClient, services: Services, user: str) -> httpx.Response:
    return client.post("/v1/agent/run", json={"user_request": "hello"}, headers=bearer(services, user))


def test_agent_run_is_limited_per_user_with_retry_after(
    app_for: Callable[..., tuple[TestClient, Services]],
) -> None:
    client, services = app_for(rate_limit_per_user=2, rate_limit_per_ip=100, rate_limit_window_seconds=60)
    assert [_run(client, services, "emp1").status_code for _ in range(2)] == [200, 200]
    over = _run(client, services, "emp1")
    assert over.status_code == 429
    wait = int(over.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert over.json()["detail"] == f"too many requests from this user; retry in {wait} s"
    assert _run(client, services, "emp2").status_code == 200
    services.limits.per_user.reset()
    assert _run(client, services, "emp1").status_code == 200


@pytest.mark.postgres
def test_agent_run_is_limited_per_user_through_redis(
    app_for: Callable[..., tuple[TestClient, Services]], redis_keys: RedisKeys
) -> None:
    client, services = app_for(
        redis_url=REDIS_URL, rate_limit_per_user=2, rate_limit_per_ip=0, rate_limit_window_seconds=60
    )
    assert isinstance(services.limits.per_user, RedisRateLimiter)
    user = f"emp-{uuid.uuid4().hex[:8]}"  # a key no other run of this test shares
    add_user(services, user)
    try:
        assert [_run(client, services, user).status_code for _ in range(2)] == [200, 200]
        over = _run(client, services, user)
        assert over.status_code == 429 and 1 <= int(over.headers["Retry-After"]) <= 60
        assert redis_keys.client.zcard(f"so8t:rl:user:user:{user}") == 2
    finally:
        services.limits.per_user.reset(f"user:{user}")


def test_agent_run_is_limited_per_ip_before_sign_in(
    app_for: Callable[..., tuple[TestClient, Services]],
) -> None:
    client, services = app_for(rate_limit_per_user=100, rate_limit_per_ip=3)
    assert client.post("/v1/agent/run", json={"user_request": "x"}).status_code == 401  # counts too
    assert [_run(client, services, u).status_code for u in ("emp1", "emp2")] == [200, 200]
    over = _run(client, services, "emp2")
    assert over.status_code == 429 and "address" in over.json()["detail"]
    assert int(over.headers["Retry-After"]) >= 1


def test_token_endpoint_is_limited_per_ip_apart_from_chat(
    app_for: Callable[..., tuple[TestClient, Services]],
) -> None:
    client, services = app_for(rate_limit_per_ip=3)
    guesses = [
        client.post("/v1/auth/token", data={"username": "emp1", "password": f"guess-{i}"}).status_code
        for i in range(3)
    ]
    assert guesses == [401, 401, 401]
    blocked = client.post("/v1/auth/token", data={"username": "emp1", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert _run(client, services, "emp1").status_code == 200  # own budget


def test_limits_set_to_zero_are_off(app_for: Callable[..., tuple[TestClient, Services]]) -> None:
    client, services = app_for(rate_limit_per_user=0, rate_limit_per_ip=0)
    assert {_run(client, services, "emp1").status_code for _ in range(5)} == {200}


def test_security_headers_everywhere_and_csp_only_on_the_api(
    app_for: Callable[..., tuple[TestClient, Services]],
) -> None:
    client, services = app_for(rate_limit_per_user=1)
    responses = {
        "api 200": _run(client, services, "emp1"),
        "api 429": _run(client, services, "emp1"),
        "api 401": client.get("/v1/cases"),
        "health": client.get("/healthz"),
        "ui": client.get("/"),
    }
    for name, response in responses.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["X-Frame-Options"] == "SAMEORIGIN", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert ("Content-Security-Policy" in headers) == name.startswith("api"), name
    assert (
        responses["api 200"].headers["Content-Security-Policy"]
        == "default-src 'none'; frame-ancestors 'none'"
    )
    assert responses["ui"].status_code == 200 and "<html" in responses["ui"].text.lower()


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog whose records carry ``request_id``, as the server's handler adds it."""
    request_ids = RequestIdFilter()
    caplog.handler.addFilter(request_ids)
    caplog.set_level(logging.DEBUG)
    yield caplog
    caplog.handler.removeFilter(request_ids)


def test_request_id_is_echoed_and_in_the_log_lines(
    app_for: Callable[..., tuple[TestClient, Services]], captured: pytest.LogCaptureFixture
) -> None:
    client, services = app_for(rate_limit_per_user=1)
    _run(client, services, "emp1")
    over = client.post(
        "/v1/agent/run",
        json={"user_request": "hello"},
        headers={**bearer(services, "emp1"), "X-Request-ID": "trace-42.a_b"},
    )
    assert over.status_code == 429 and over.headers["X-Request-ID"] == "trace-42.a_b"
    lines = {r.name: r for r in captured.records if getattr(r, "request_id", None) == "trace-42.a_b"}
    assert "user emp1 is over 1 requests" in lines["app.web.ratelimit"].getMessage()
    assert "POST /v1/agent/run -> 429" in lines["app.web.middleware"].getMessage()
    entry = json.loads(JsonFormatter().format(lines["app.web.middleware"]))
    assert entry["request_id"] == "trace-42.a_b"

    fresh = client.get("/healthz", headers={"X-Request-ID": "no spaces allowed"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/healthz").headers["X-Request-ID"] != fresh
    assert request_id_from("x" * 65) != "x" * 65 and request_id_from("x" * 64) == "x" * 64


def test_no_passwords_or_tokens_in_the_logs(
    app_for: Callable[..., tuple[TestClient, Services]], captured: pytest.LogCaptureFixture
) -> None:
    client, services = app_for(rate_limit_per_ip=2)
    headers = bearer(services, "emp1")
    for password in ("hunter2-secret", PASSWORD, "third-try-secret"):  # the third is rate limited
        client.post("/v1/auth/token", data={"username": "emp1", "password": password})
    client.post("/v1/agent/run", json={"user_request": "hello"}, headers=headers)
    text = "\n".join(r.getMessage() for r in captured.records)
    assert "POST /v1/auth/token -> 429" in text  # the lines were captured
    token = headers["Authorization"].removeprefix("Bearer ")
    for secret in ("hunter2-secret", PASSWORD, "third-try-secret", token, "test-signing-key"):
        assert secret not in text

"""Rate limits (429 + Retry-After), security headers and request ids, over the real app (``app_for`` in
tests/app/conftest.py)."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from app.ops.logs import JsonFormatter
from app.services import Services
from app.web.middleware import RequestIdFilter, request_id_from
from app.web.ratelimit import RateLimitConfig, RateLimiter, retry_after
from tests.conftest import PASSWORD, bearer


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

"""Cross-site requests that carry cookies are refused (app/web/csrf.py), over the real app (``app_for``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.services import Services
from app.settings import Settings
from app.web.csrf import origin_of, parse_origins
from tests.conftest import PASSWORD, bearer

AppFor = Callable[..., tuple[TestClient, Services]]
OWN = "http://testserver"  # TestClient's base URL: Host "testserver", scheme http
EVIL = "https://evil.example"
COOKIE = {"Cookie": "access-token-abc=cookie-secret-value"}
SIGN_IN = {"username": "emp1", "password": PASSWORD}
REFUSED = f"cross-site request refused (Origin {EVIL} does not match {OWN})"


def _token(client: TestClient, **headers: str) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/auth/token", data=SIGN_IN, headers=headers)
    return response.status_code, response.json()


def test_origins_are_normalised_and_bad_ones_named() -> None:
    assert origin_of("HTTPS://Example.COM:443/path?q=1") == "https://example.com"
    assert origin_of("http://example.com:8080") == "http://example.com:8080"
    assert origin_of("http://[::1]:7860/x") == "http://[::1]:7860"
    assert [origin_of(v) for v in ("null", "", "file:///etc", "http://", "http://h:99999")] == [None] * 5
    assert parse_origins(" https://a.example/, http://B:8080 ,,https://a.example:443") == (
        "https://a.example",
        "http://b:8080",
    )
    for bad in ("a.example", "https://a.example/path", "https://u@a.example", "null"):
        with pytest.raises(ValueError, match="not an origin"):
            parse_origins(bad)
    settings = Settings(trusted_origins="https://SO8T.example.com/", _env_file=None)  # type: ignore[call-arg]
    assert settings.trusted_origin_list == ("https://so8t.example.com",)
    assert Settings(_env_file=None).trusted_origin_list == ()  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(trusted_origins="so8t.example.com", _env_file=None)  # type: ignore[call-arg]


def test_cross_origin_post_with_a_cookie_is_refused_and_logged_without_the_cookie(
    app_for: AppFor, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = app_for()
    caplog.set_level(logging.WARNING, logger="app.web.csrf")
    response = client.post("/v1/auth/token", data=SIGN_IN, headers={**COOKIE, "Origin": EVIL})
    assert response.status_code == 403
    assert response.json() == {"detail": REFUSED}
    assert response.headers["X-Request-ID"] and response.headers["X-Content-Type-Options"] == "nosniff"
    # Gradio's own routes are behind the same check: its sign-in form and its event queue
    for path in ("/login", "/gradio_api/queue/join"):
        refused = client.post(path, data=SIGN_IN, headers={**COOKIE, "Origin": EVIL})
        assert (refused.status_code, refused.json()) == (403, {"detail": REFUSED}), path
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/v1/cases/1", headers={**COOKIE, "Origin": EVIL}).status_code == 403
    lines = [r.getMessage() for r in caplog.records if r.name == "app.web.csrf"]
    assert f"POST /v1/auth/token refused: Origin {EVIL} does not match {OWN}" in lines
    assert not any("cookie-secret-value" in line or PASSWORD in line for line in lines)


def test_origin_null_with_a_cookie_is_refused(app_for: AppFor) -> None:
    client, _ = app_for()
    status, body = _token(client, **COOKIE, Origin="null")
    assert (status, body) == (
        403,
        {"detail": f"cross-site request refused (Origin null does not match {OWN})"},
    )


def test_same_origin_post_with_a_cookie_passes(app_for: AppFor) -> None:
    client, _ = app_for()
    for origin in (OWN, "http://TestServer:80"):  # compared as origins: case and default port apart
        status, body = _token(client, **COOKIE, Origin=origin)
        assert status == 200 and body["token_type"] == "bearer", origin


def test_a_real_gradio_session_cookie_is_refused_cross_site_and_accepted_same_site(app_for: AppFor) -> None:
    client, _ = app_for()
    signed_in = client.post("/login", data=SIGN_IN, headers={"Origin": OWN})  # no cookie yet
    assert signed_in.status_code == 200 and any(c.startswith("access-token") for c in client.cookies)
    join = {"data": [], "fn_index": 0, "session_hash": "csrf-test"}
    cross = client.post("/gradio_api/queue/join", json=join, headers={"Origin": EVIL})
    assert (cross.status_code, cross.json()) == (403, {"detail": REFUSED})
    same = client.post("/gradio_api/queue/join", json=join, headers={"Origin": OWN})
    assert same.status_code != 403 and "cross-site" not in same.text  # reached Gradio


def test_a_trusted_extra_origin_passes_and_others_still_do_not(app_for: AppFor) -> None:
    client, _ = app_for(trusted_origins="https://so8t.example.com, https://desk.example.com:8443")
    for origin in ("https://so8t.example.com", "https://desk.example.com:8443", OWN):
        assert _token(client, **COOKIE, Origin=origin)[0] == 200, origin
    for origin in (EVIL, "http://so8t.example.com", "https://desk.example.com"):
        assert _token(client, **COOKIE, Origin=origin)[0] == 403, origin


def test_requests_without_cookies_are_untouched(app_for: AppFor) -> None:
    client, services = app_for()
    run = client.post(
        "/v1/agent/run",
        json={"user_request": "hello"},
        headers={**bearer(services, "emp1"), "Origin": EVIL},
    )
    assert run.status_code == 200 and run.json()["decision"] == "REFUSE"
    assert _token(client, Origin=EVIL)[0] == 200
    assert _token(client, Origin="null")[0] == 200


def test_safe_methods_are_untouched(app_for: AppFor) -> None:
    client, _ = app_for()
    for path in ("/healthz", "/"):
        response = client.get(path, headers={**COOKIE, "Origin": EVIL, "Referer": f"{EVIL}/x"})
        assert response.status_code == 200, path
    assert client.head("/healthz", headers={**COOKIE, "Origin": EVIL}).status_code != 403


def test_referer_is_the_fallback_when_origin_is_absent(
    app_for: AppFor, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = app_for(trusted_origins="https://so8t.example.com")
    caplog.set_level(logging.WARNING, logger="app.web.csrf")
    status, body = _token(client, **COOKIE, Referer=f"{EVIL}/private/page?user=alice")
    assert (status, body) == (
        403,
        {"detail": f"cross-site request refused (Referer {EVIL} does not match {OWN})"},
    )
    assert not any("private/page" in r.getMessage() for r in caplog.records)  # the origin only
    assert _token(client, **COOKIE, Referer="android-app://com.example/")[0] == 403
    assert _token(client, **COOKIE, Referer=f"{OWN}/some/page")[0] == 200
    assert _token(client, **COOKIE, Referer="https://so8t.example.com/")[0] == 200
    # Origin wins over Referer when both are sent
    assert _token(client, **COOKIE, Origin=OWN, Referer=f"{EVIL}/")[0] == 200
    assert _token(client, **COOKIE, Origin=EVIL, Referer=f"{OWN}/")[0] == 403


def test_neither_origin_nor_referer_passes_non_browser_clients(app_for: AppFor) -> None:
    client, _ = app_for()
    assert _token(client, **COOKIE)[0] == 200


def test_no_origin_may_read_responses_cross_site(app_for: AppFor) -> None:
    """Gradio's own CORS layer would answer any Origin on a non-localhost host with credentials allowed
    (a page elsewhere could read /gradio_api/user and /gradio_api/token); our CORSMiddleware allows none."""
    client, _ = app_for()
    client.post("/login", data=SIGN_IN)
    host = {"Host": "so8t.example.com", "Origin": EVIL}
    for path in ("/gradio_api/user", "/gradio_api/token", "/healthz"):
        response = client.get(path, headers=host)
        assert response.status_code == 200, path
        assert not [h for h in response.headers if h.lower().startswith("access-control-allow")], path
    preflight = client.options(
        "/gradio_api/queue/join",
        headers={
            **host,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers and preflight.status_code == 400

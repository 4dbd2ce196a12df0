"""End-to-end fixtures: the real app (REST API + Gradio UI) served by uvicorn on a free local port.

``live_server(decision)`` starts a server whose tiny model is forced to ``decision`` on a fresh, migrated
SQLite database and returns ``LiveServer(base_url, services)``; every server started in a test is shut
down (``should_exit``, thread joined) when the test ends. Each test loads its own copy of the tiny model
(``tiny_models`` is overridden per test here), so a request left stuck on a model lock in one test cannot
stall the tests after it.

Browser tests get headless Chromium (``browser``), fresh offline pages (``new_page()``, one browser
context each, so two people can be signed in at once) and ``login(page, base_url, user)``, which signs in
through Gradio's own login form. The browser fixtures FAIL, never skip, when Chromium is missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple, Protocol

import httpx
import pytest
import uvicorn
from gradio_client import Client
from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright
from sqlalchemy import func, select

from app.main import create_app
from app.services import Services
from db.models import AuditEvent, Case, DecisionRecord
from tests.conftest import PASSWORD

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # tests/artifacts (git-ignored)
NewPage = Callable[[], Page]


class LiveServer(NamedTuple):
    base_url: str
    services: Services


class StartServer(Protocol):
    def __call__(self, decision: str, **overrides: object) -> LiveServer: ...


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_healthy(base_url: str, thread: threading.Thread, server: uvicorn.Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error = "no attempt made"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"the uvicorn thread for {base_url} died during start-up")
        if server.started:
            try:
                response = httpx.get(f"{base_url}/healthz", timeout=5.0)
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    raise RuntimeError(f"{base_url}/healthz did not answer within {STARTUP_TIMEOUT_S:.0f}s ({last_error})")


@pytest.fixture
def live_server(
    sqlite_url: str, make_services: Callable[..., Services], monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartServer]:
    """Factory: ``live_server("ESCALATE", **settings_overrides)`` -> a running server, model forced to it."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")  # no telemetry calls from the test server
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def _start(decision: str, **overrides: object) -> LiveServer:
        if running:
            raise RuntimeError("one live server per test (they would share the per-test SQLite database)")
        services = make_services(sqlite_url, decision, **overrides)
        port = _free_port()
        config = uvicorn.Config(
            create_app(services=services),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
        thread.start()
        running.append((server, thread))
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base_url, thread, server)
        return LiveServer(base_url=base_url, services=services)

    yield _start

    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=SHUTDOWN_TIMEOUT_S)
        if thread.is_alive():  # open streams keep it busy: force it, then insist it is gone
            server.force_exit = True
            thread.join(timeout=SHUTDOWN_TIMEOUT_S)
        assert not thread.is_alive(), f"uvicorn thread {thread.name} did not stop"


def record_counts(services: Services) -> tuple[int, int, int]:
    """(decisions, cases, audit events) in the server's database."""
    with services.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(DecisionRecord)) or 0,
            s.scalar(select(func.count()).select_from(Case)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: install it (apt-get install chromium) "
            "or deselect these tests with -m 'not browser'"
        )
    expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own 5 s default; this machine is slow
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
    )
    yield browser
    browser.close()


def _local_only(route: Route) -> None:  # the test machine is offline: fail outside requests at once
    host = re.match(r"^[a-z]+://([^/:]+)", route.request.url)
    if host is None or host.group(1) in {"127.0.0.1", "localhost"}:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Factory: a page in a fresh browser context (own cookies); all are closed when the test ends."""
    contexts = []

    def _open() -> Page:
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", _local_only)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    return new_page()


def login(page: Page, base_url: str, user: str, password: str = PASSWORD) -> None:
    """Sign in through Gradio's login form and wait until the app shows who is signed in."""
    page.goto(f"{base_url}/", wait_until="domcontentloaded")
    page.locator("input[data-testid=textbox]").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name=re.compile(r"^\s*(Login|ログイン)\s*$")).click()
    expect(page.locator("#so8t-user [data-user]")).to_have_text(user)


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under tests/artifacts/ (created on demand)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextlib.contextmanager
def signed_in(base_url: str, user: str) -> Iterator[Client]:
    """A gradio_client session signed in as ``user`` (password ``PASSWORD``), closed afterwards."""
    client = Client(base_url, auth=(user, PASSWORD), verbose=False)
    try:
        yield client
    finally:
        client.close()

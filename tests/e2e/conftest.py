"""End-to-end fixtures: the real app (REST API + Gradio UI) served by uvicorn on a free local port.

``live_server(decision)`` starts a server whose tiny model is forced to ``decision`` on a fresh, migrated
SQLite database and returns ``LiveServer(base_url, services)``; every server started in a test is shut
down (``should_exit``, thread joined) when the test ends. Each test loads its own copy of the tiny model
(``tiny_models`` is overridden per test here), so a request left stuck on a model lock in one test cannot
stall the tests after it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from app.main import create_app
from app.services import Services
from db.models import AuditEvent, Case, DecisionRecord

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 30.0


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

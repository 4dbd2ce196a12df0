"""Fixtures for the app tests: the real app (REST API + Gradio UI) over a TestClient."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from tests.conftest import add_user


@pytest.fixture
def app_for(
    sqlite_url: str, make_services: Callable[..., Services]
) -> Callable[..., tuple[TestClient, Services]]:
    """Factory: ``app_for(**settings_overrides)`` -> (TestClient, services) on a fresh SQLite database,
    the tiny model forced to REFUSE (no decoding, fast), with the employees ``emp1`` and ``emp2``."""

    def _build(**overrides: object) -> tuple[TestClient, Services]:
        services = make_services(sqlite_url, "REFUSE", **overrides)
        for name in ("emp1", "emp2"):
            add_user(services, name)
        return TestClient(create_app(services=services)), services

    return _build

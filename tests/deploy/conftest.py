"""Fixtures for the offline checks of deploy/: the metric names a running app really exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from tests.app.scrape import MONITORING, scrape
from tests.conftest import add_user, bearer

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture
def exported(sqlite_url: str, make_services: Callable[..., Services]) -> set[str]:
    """Every sample name ``GET /metrics`` declares, scraped from the app built with the tiny model after
    one decision and one review case (so the database collectors ran on real rows)."""
    services = make_services(sqlite_url, "ESCALATE")
    add_user(services, "emp1")
    client = TestClient(create_app(services=services), headers=bearer(services, "emp1"), client=MONITORING)
    assert (
        client.post("/v1/agent/run", json={"user_request": "Give me the HR file of Sato"}).status_code == 200
    )
    names = scrape(client).sample_names()
    assert "so8t_decisions_total" in names and "so8t_review_queue_depth" in names
    return names

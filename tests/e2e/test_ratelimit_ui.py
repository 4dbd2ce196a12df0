"""The chat tab shares the per-user rate limit with the REST API: over it, a bilingual error with the wait."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from sqlalchemy import func, select

from db.models import DecisionRecord
from tests.conftest import PASSWORD, add_user, bearer
from tests.e2e.conftest import StartServer

pytestmark = pytest.mark.timeout(240)


def test_chat_tab_applies_the_per_user_limit(live_server: StartServer) -> None:
    base_url, services = live_server("REFUSE", rate_limit_per_user=2)
    add_user(services, "taro")
    rest = httpx.post(
        f"{base_url}/v1/agent/run",
        json={"user_request": "hello"},
        headers=bearer(services, "taro"),
        timeout=60,
    )
    assert rest.status_code == 200  # one of taro's two, spent over REST
    client = Client(base_url, auth=("taro", PASSWORD), verbose=False)
    try:
        _, _, details = client.predict("", "hello again", api_name="/ask")
        assert details["decision"] == "REFUSE"
        with pytest.raises(AppError, match=r"Too many requests: please wait \d+ s .*秒後にもう一度"):
            client.predict("", "and again", api_name="/ask")
    finally:
        client.close()
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(DecisionRecord)) == 2  # the third never ran

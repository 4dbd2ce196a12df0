"""The real ``openai`` Python client against a live server's ``POST /v1/chat/completions``: plain and
streaming, ALLOW / REFUSE / ESCALATE, the decision record in the extra ``so8t`` field, and the same road
(and records) as every request."""

from __future__ import annotations

import httpx
import openai
import pytest
from sqlalchemy import select

from app.services import Services
from audit.log import verify_chain
from db.models import AuditEvent, Case, DecisionRecord
from tests.conftest import PASSWORD, add_user
from tests.e2e.conftest import StartServer

pytestmark = pytest.mark.timeout(240)
MESSAGES = [
    {"role": "system", "content": "You help the sales team."},
    {"role": "user", "content": "Draft a short agenda for Monday's team meeting."},
    {"role": "assistant", "content": "1. Updates 2. Blockers 3. Next steps"},
    {"role": "user", "content": "Now in Japanese, please."},
]


def _client(base_url: str, user: str) -> openai.OpenAI:
    token = httpx.post(f"{base_url}/v1/auth/token", data={"username": user, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=token.json()["access_token"], max_retries=0)


def _rows(services: Services) -> list[DecisionRecord]:
    with services.sessions() as s:
        return list(s.scalars(select(DecisionRecord).order_by(DecisionRecord.id)))


def test_allow_answers_plain_and_streamed_with_the_conversation_judged_whole(
    live_server: StartServer,
) -> None:
    base_url, services = live_server("ALLOW", max_new_tokens=8)
    add_user(services, "taro")
    client = _client(base_url, "taro")

    done = client.chat.completions.create(model="so8t", messages=MESSAGES)  # type: ignore[arg-type]
    choice = done.choices[0]
    record = done.model_extra["so8t"] if done.model_extra else None
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert record is not None and record["decision"] == "ALLOW"
    assert choice.message.content == record["task_response"]
    assert done.id == f"chatcmpl-{record['request_id']}"

    chunks = list(client.chat.completions.create(model="so8t", messages=MESSAGES, stream=True))  # type: ignore[arg-type]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    last = chunks[-1].model_extra or {}
    assert last["so8t"]["decision"] == "ALLOW" and text == last["so8t"]["task_response"]

    rows = _rows(services)
    assert len(rows) == 2 and all(r.user_name == "taro" for r in rows)
    assert (
        rows[0].context == "You help the sales team." and rows[0].request_text == "Now in Japanese, please."
    )
    assert rows[0].history == MESSAGES[1:3] and rows[0].conversation_id is None
    with services.sessions() as s:
        payload = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "decision")).first().payload  # type: ignore[union-attr]
        assert payload["history_messages"] == 2 and verify_chain(session=s).ok


def test_refuse_and_escalate_are_content_filtered_with_the_reason_or_the_case(
    live_server: StartServer,
) -> None:
    base_url, services = live_server("ESCALATE")
    add_user(services, "taro")
    client = _client(base_url, "taro")
    done = client.chat.completions.create(
        model="so8t", messages=[{"role": "user", "content": "顧客名簿を個人のメールに送って"}]
    )
    record = (done.model_extra or {})["so8t"]
    assert done.choices[0].finish_reason == "content_filter" and record["decision"] == "ESCALATE"
    with services.sessions() as s:
        case = s.scalars(select(Case)).one()
    assert f"ケース #{case.id}" in (done.choices[0].message.content or "")
    assert record["case_id"] == case.id and record["task_response"] is None


def test_bad_input_and_missing_sign_in_are_clear_errors(live_server: StartServer) -> None:
    base_url, services = live_server("REFUSE")
    add_user(services, "taro")
    client = _client(base_url, "taro")
    refused = client.chat.completions.create(model="so8t", messages=[{"role": "user", "content": "hack it"}])
    assert refused.choices[0].finish_reason == "content_filter"
    assert refused.choices[0].message.content == (refused.model_extra or {})["so8t"]["rationale"]
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be the user"):
        client.chat.completions.create(model="so8t", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.UnprocessableEntityError, match="request is empty"):
        client.chat.completions.create(model="so8t", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{base_url}/v1", api_key="not-a-token", max_retries=0
        ).chat.completions.create(model="so8t", messages=[{"role": "user", "content": "hi"}])
    assert len(_rows(services)) == 1  # only the refused request was recorded

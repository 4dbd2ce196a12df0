"""Conversations end to end on the real tiny model: every turn judged on the whole conversation in one
prefill that continues from the previous turn's cache, recorded as the conversation's next turn with the
history it was judged on, hash-chained, reviewable in context, and private to its owner."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.desks.conversations import ConversationNotFound
from app.main import create_app
from app.services import Services
from app.serving.validation import ConversationTooLong, clean_history
from audit.log import verify_chain
from db.models import AuditEvent, DecisionRecord
from model.prompt import Turn, render_prompt, turn_messages
from review.queue import QueueFilters
from review.verdicts import Verdict
from tests.conftest import add_user, bearer

MESSAGES = [
    "Draft a short agenda for Monday's team meeting.",
    "Now make it shorter.",
    "今度は日本語でお願いします。",
]


def _prompt_lengths(services: Services) -> tuple[list[int], object]:
    assert services.agent.model is not None
    seen: list[int] = []
    embed = services.agent.model.runtime.lm.get_input_embeddings()  # type: ignore[attr-defined]
    return seen, embed.register_forward_hook(lambda _m, args, _o: seen.append(int(args[0].shape[-1])))


def test_three_turns_are_judged_on_the_whole_conversation_and_recorded_in_order(
    db_url: str, make_services: Callable[..., Services]
) -> None:
    # the output check (one more forward per answer, on request + answer alone) is off to count prefills
    services = make_services(db_url, "ALLOW", max_new_tokens=6, output_check=False)
    taro = add_user(services, "taro")
    desk = services.conversations
    started = desk.start(taro, context="You help the sales team.")
    hits = services.agent.model.runtime.prefixes.hits  # type: ignore[union-attr]  # the runtime is shared
    seen, hook = _prompt_lengths(services)
    try:
        results = [desk.send(taro, started.id, m) for m in MESSAGES]
    finally:
        hook.remove()  # type: ignore[attr-defined]
    assert [r.turn for r in results] == [1, 2, 3]
    assert all(r.result.decision == "ALLOW" and r.result.task_response for r in results)

    detail = desk.get(taro, started.id)
    assert [t.turn for t in detail.turn_list] == [1, 2, 3] and detail.turns == 3
    assert detail.title == MESSAGES[0][:60]  # the first request names a new conversation
    assert [t.request for t in detail.turn_list] == MESSAGES
    assert [t.reply for t in detail.turn_list] == [r.result.task_response for r in results]

    with services.sessions() as s:
        rows = list(s.scalars(select(DecisionRecord).order_by(DecisionRecord.id)))
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.event_type == "decision")))
        assert verify_chain(session=s).ok
    # each turn keeps, exactly, the history it was judged on: the earlier requests and what was shown
    assert rows[0].history == []
    shown = [Turn(m, r.result.task_response or "") for m, r in zip(MESSAGES, results, strict=True)]
    assert rows[2].history == turn_messages(clean_history(shown[:2], max_turns=9, max_chars=9999)[0])
    assert all(r.context == "You help the sales team." for r in rows)
    payloads = [e.payload for e in events]
    assert [(p["conversation_id"], p["turn"], p["history_messages"]) for p in payloads] == [
        (started.id, 1, 0),
        (started.id, 2, 2),
        (started.id, 3, 4),
    ]
    assert len({p["history_sha256"] for p in payloads}) == 3

    # turn 1 ran its whole prompt; turns 2 and 3 only what the previous turn's cache did not hold
    runtime = services.agent.model.runtime  # type: ignore[union-attr]
    tok = runtime.tokenizer
    history = [Turn(MESSAGES[0], results[0].result.task_response or "")]
    full_turn_2 = len(tok(render_prompt(tok, rows[0].context, MESSAGES[1], history=history))["input_ids"])
    prompts = [n for n in seen if n > 1]  # decoding steps feed one token each
    assert len(prompts) == 3 and prompts[1] < full_turn_2 / 2 and prompts[2] < prompts[0] + 40
    assert runtime.prefixes.hits - hits == 2  # type: ignore[attr-defined]


def test_an_escalated_turn_is_reviewed_in_context_and_its_answer_continues_the_conversation(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE", max_new_tokens=6)
    taro, rev = add_user(services, "taro"), add_user(services, "rev", "reviewer")
    desk = services.conversations
    cid = desk.start(taro).id
    first = desk.send(taro, cid, "Summarise our customer list for me.")
    second = desk.send(taro, cid, "Now send it to my private address 090-1234-5678.")
    assert first.result.case_id and second.result.case_id
    pending = desk.get(taro, cid).turn_list[1]
    assert pending.case_status == "open" and f"case #{second.result.case_id}" in pending.reply

    services.desk.claim(rev, QueueFilters())
    case = services.desk.claim(rev, QueueFilters())
    assert case is not None and case.id == second.result.case_id
    assert [m["role"] for m in case.history] == ["user", "assistant"]  # the reviewer sees turn 1
    assert case.history[0]["content"] == "Summarise our customer list for me."
    assert "090-1234-5678" not in case.request  # masked like the request
    edited = "Sent internally only: three customers, no contact details."
    services.desk.decide(rev, case.id, Verdict("approve", "fine for internal use", edited_answer=edited))

    shown = desk.get(taro, cid).turn_list[1]
    assert (shown.case_status, shown.outcome, shown.reply) == ("decided", "approved", edited)
    with services.sessions() as s:
        row = s.scalars(
            select(DecisionRecord).where(DecisionRecord.request_id == second.result.request_id)
        ).one()
        assert row.history[0]["content"] == "Summarise our customer list for me."
    third = desk.send(taro, cid, "Thanks!")
    with services.sessions() as s:
        row = s.scalars(
            select(DecisionRecord).where(DecisionRecord.request_id == third.result.request_id)
        ).one()
    assert row.history[3] == {"role": "assistant", "content": shown.reply}  # the approved answer, in order


def test_a_conversation_is_its_owner_s_alone_and_deleting_hides_it_but_keeps_the_record(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "REFUSE")
    taro, hanako = add_user(services, "taro"), add_user(services, "hanako")
    desk = services.conversations
    cid = desk.start(taro, title="mine").id
    desk.send(taro, cid, "How do I pick a lock?")
    for call in (
        lambda: desk.get(hanako, cid),
        lambda: desk.send(hanako, cid, "hello"),
        lambda: desk.rename(hanako, cid, "stolen"),
        lambda: desk.delete(hanako, cid),
    ):
        with pytest.raises(ConversationNotFound):
            call()
    assert desk.listing(hanako) == []
    desk.rename(taro, cid, "  lock  question ")
    assert [c.title for c in desk.listing(taro)] == ["lock question"]
    desk.delete(taro, cid)
    assert desk.listing(taro) == []
    with pytest.raises(ConversationNotFound):
        desk.send(taro, cid, "again")
    with services.sessions() as s:
        assert s.scalars(select(DecisionRecord)).one().conversation_id == cid  # nothing erased
        deleted = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "conversation.deleted")).one()
        assert deleted.actor == "taro" and deleted.payload == {"conversation_id": cid, "turns": 1}
        assert verify_chain(session=s).ok


def test_a_conversation_past_its_limits_asks_for_a_new_one_and_records_nothing(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(
        sqlite_url, "ALLOW", max_new_tokens=4, conversation_max_turns=2, max_request_chars=8000
    )
    taro = add_user(services, "taro")
    desk = services.conversations
    cid = desk.start(taro).id
    desk.send(taro, cid, "one")
    desk.send(taro, cid, "two")
    with pytest.raises(ConversationTooLong, match="start a new conversation"):
        desk.send(taro, cid, "three")
    long_cid = desk.start(taro).id
    tok = services.agent.model.runtime.tokenizer  # type: ignore[union-attr]
    reps = 1100 * 100 // len(tok("word " * 100)["input_ids"])  # about 1100 tokens; the limit is 2048
    desk.send(taro, long_cid, "word " * reps)
    with pytest.raises(ConversationTooLong, match="too long for the model"):
        desk.send(taro, long_cid, "word " * reps)  # fits alone, not after the first turn
    with services.sessions() as s:
        assert len(list(s.scalars(select(DecisionRecord)))) == 3


def test_the_rest_api_holds_a_conversation(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(sqlite_url, "ALLOW", max_new_tokens=4)
    add_user(services, "taro")
    add_user(services, "hanako")
    client = TestClient(create_app(services=services))
    me, other = bearer(services, "taro"), bearer(services, "hanako")

    made = client.post("/v1/conversations", json={"context": "経理部のアシスタントです。"}, headers=me)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    for text in ("経費精算の締め日はいつですか？", "もう少し丁寧に書いてください。"):
        sent = client.post(f"/v1/conversations/{cid}/turns", json={"message": text}, headers=me)
        assert sent.status_code == 200, sent.text
    assert sent.json()["turn"] == 2 and sent.json()["result"]["decision"] == "ALLOW"
    got = client.get(f"/v1/conversations/{cid}", headers=me).json()
    assert [t["turn"] for t in got["turn_list"]] == [1, 2] and got["context"] == "経理部のアシスタントです。"
    assert client.get("/v1/conversations", headers=me).json()[0]["turns"] == 2

    assert client.get(f"/v1/conversations/{cid}", headers=other).status_code == 404
    assert (
        client.post(f"/v1/conversations/{cid}/turns", json={"message": "x"}, headers=other).status_code == 404
    )
    assert client.post(f"/v1/conversations/{cid}/turns", json={"message": " "}, headers=me).status_code == 422
    assert (
        client.patch(f"/v1/conversations/{cid}", json={"title": "締め日"}, headers=me).json()["title"]
        == "締め日"
    )
    assert client.patch(f"/v1/conversations/{cid}", json={"title": ""}, headers=me).status_code == 422
    assert client.delete(f"/v1/conversations/{cid}", headers=me).status_code == 204
    assert client.get(f"/v1/conversations/{cid}", headers=me).status_code == 404
    assert client.get("/v1/conversations").status_code == 401

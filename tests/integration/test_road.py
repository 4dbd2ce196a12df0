"""The whole road on a real database (SQLite and PostgreSQL) with the tiny real model."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from app.services import Services
from app.serving.agent import RecordingError
from app.serving.loader import LoadedModel
from app.serving.validation import InputError
from audit.log import verify_chain
from db.models import AuditEvent, Case, DecisionRecord
from model.head import SafetyHead, SafetyHeadConfig
from model.runtime import DualHeadRuntime
from tests.conftest import fault_after_prefill


def _rows(services: Services) -> tuple[list[DecisionRecord], list[AuditEvent], list[Case]]:
    with services.sessions() as s:
        return (
            list(s.execute(select(DecisionRecord)).scalars()),
            list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()),
            list(s.execute(select(Case)).scalars()),
        )


def test_allow_is_answered_and_recorded(db_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(db_url, "ALLOW")
    result = services.agent.run("You help the sales team.", "Draft a short email to my team", user="alice")
    assert result.decision == "ALLOW" and result.task_response is not None
    assert result.human_required is False and result.case_id is None
    assert result.safety_probs["ALLOW"] > 0.99 and result.confidence == result.safety_probs["ALLOW"]
    decisions, events, cases = _rows(services)
    assert len(decisions) == 1 and cases == []
    row = decisions[0]
    assert (row.request_id, row.user_name, row.decision) == (result.request_id, "alice", "ALLOW")
    assert row.task_response == result.task_response and row.context == "You help the sales team."
    assert row.model_version == result.model_version and row.model_version.startswith("tiny-qwen2+")
    assert [e.event_type for e in events] == ["decision", "answer"]
    assert events[0].request_id == result.request_id and events[0].payload["decision"] == "ALLOW"
    assert events[1].request_id == result.request_id
    assert events[1].payload["response_sha256"] == hashlib.sha256(result.task_response.encode()).hexdigest()


def test_refuse_does_not_generate(db_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(db_url, "REFUSE")
    seen: list[int] = []
    runtime = services.agent.model.runtime  # type: ignore[union-attr]
    hook = runtime.lm.get_input_embeddings().register_forward_hook(lambda *_: seen.append(1))
    try:
        result = services.agent.run("", "Write ransomware that encrypts the file server")
    finally:
        hook.remove()
    assert result.decision == "REFUSE" and result.task_response is None
    assert seen == [1]  # the prefill only: nothing was decoded
    decisions, events, cases = _rows(services)
    assert decisions[0].decision == "REFUSE" and cases == [] and len(events) == 1


def test_escalate_opens_a_case(db_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(db_url, "ESCALATE")
    result = services.agent.run("", "顧客リスト全件を私の個人メールに送ってください")
    assert result.decision == "ESCALATE" and result.human_required and result.case_id is not None
    assert "レビュー" in result.rationale  # Japanese request, Japanese rationale
    decisions, events, cases = _rows(services)
    assert len(cases) == 1 and cases[0].id == result.case_id and cases[0].status == "open"
    assert cases[0].decision_id == decisions[0].id and cases[0].sla_due_at > cases[0].created_at
    assert [e.event_type for e in events] == ["decision", "case.opened"]
    assert events[1].case_id == result.case_id
    with services.sessions() as s:
        assert verify_chain(session=s).ok


def test_model_failure_fails_closed_to_escalate(
    db_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(db_url, "ALLOW")
    good = tiny_models["ALLOW"]
    broken_head = SafetyHead(SafetyHeadConfig(hidden_size=32))  # wrong size: the real forward raises
    services.agent.model = LoadedModel(
        runtime=DualHeadRuntime(good.runtime.lm, good.runtime.tokenizer, broken_head),
        model_version="broken",
        base_name="tiny-qwen2",
    )
    result = services.agent.run("", "Draft a short email to my team")
    assert result.decision == "ESCALATE" and result.reason_code == "MODEL_ERROR"
    assert result.task_response is None and result.case_id is not None
    decisions, events, _ = _rows(services)
    assert decisions[0].error and "RuntimeError" in decisions[0].error
    assert events[0].payload["error"] == decisions[0].error


def test_unloaded_model_fails_closed(db_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(db_url, "ALLOW")
    services.agent.model, services.agent.model_error = None, "OSError: weights missing"
    result = services.agent.run("", "hello")
    assert result.decision == "ESCALATE" and "weights missing" in result.rationale


def test_database_failure_delivers_nothing(db_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(db_url, "ALLOW")
    with services.engine.begin() as conn:
        conn.execute(text("ALTER TABLE decisions RENAME TO decisions_gone"))  # every insert fails
    with pytest.raises(RecordingError, match="refused without being judged") as raised:
        services.agent.run("", "Draft a short email to my team")
    with services.sessions() as s:  # the audit event rolled back with the decision: no half record
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert services.agent.spool is not None  # ... and the refusal waits in the spool
    [entry] = services.agent.spool.entries()
    assert entry.request_id == raised.value.request_ids[0] and raised.value.spooled
    assert entry.data["decision"] == "REFUSE" and entry.data["reason_code"] == "DB_UNAVAILABLE"
    assert "model_decision:ALLOW" in entry.data["flags"] and "spooled" in entry.data["flags"]


@pytest.mark.parametrize(
    ("request_text", "message"),
    [("   ", "empty"), ("x" * 4001, "limit is 4000"), (None, "must be text")],
)
def test_bad_input_is_rejected_and_nothing_is_written(
    sqlite_url: str, make_services: Callable[..., Services], request_text: object, message: str
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    with pytest.raises(InputError, match=message):
        services.agent.run("", request_text)  # type: ignore[arg-type]
    assert _rows(services) == ([], [], [])


def test_invisible_characters_are_stripped_and_flagged(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    result = services.agent.run("", "Ｄｒａｆｔ\u200b an email\u0007")
    decisions, _, _ = _rows(services)
    assert decisions[0].request_text == "Draft an email"
    assert result.flags == ["invisible_characters_removed"]


def test_generation_fault_after_allow_fails_closed(
    db_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(db_url, "ALLOW")
    with fault_after_prefill(services, "simulated accelerator fault"):
        result = services.agent.run("", "Draft a short email to my team")
    assert result.decision == "ESCALATE" and result.reason_code == "MODEL_ERROR"
    assert result.task_response is None and result.case_id is not None
    decisions, events, cases = _rows(services)
    assert decisions[0].decision == "ESCALATE" and "simulated accelerator fault" in (decisions[0].error or "")
    assert [e.event_type for e in events] == ["decision", "decision.revised", "case.opened"]
    assert events[0].payload["decision"] == "ALLOW"  # what was decided first stays on the record
    assert len(cases) == 1 and cases[0].id == result.case_id
    with services.sessions() as s:
        assert verify_chain(session=s).ok


def test_no_answer_is_streamed_before_its_decision_is_committed(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    stream = services.agent.run_stream("", "Draft a short email to my team")
    first = next(stream)
    assert first.kind == "decision"
    decisions, events, _ = _rows(services)  # already committed, before any answer text
    assert len(decisions) == 1 and [e.event_type for e in events] == ["decision"]
    rest = list(stream)
    assert rest[-1].kind == "done" and rest[-1].result is not None


def test_a_model_swap_mid_request_does_not_touch_that_request(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    """A promotion swaps ``agent.model`` (app/serving/switch.py); a request already judged keeps decoding
    with the model that judged it."""
    services = make_services(sqlite_url, "ALLOW")
    events = services.agent.run_stream("", "Draft a short email to my team", user="emp1")
    first = next(events)
    assert first.kind == "decision" and first.decision is not None
    services.agent.model = None  # swapped away (here: to nothing at all) after the prefill
    done = [e for e in events if e.result is not None]
    assert done[0].result is not None and done[0].result.decision == "ALLOW"
    assert done[0].result.task_response is not None

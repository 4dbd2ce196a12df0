"""Output sanitisation and the post-generation check, on a real database with the tiny real model.

The model's answer is fixed by a subclass of the real runtime that replaces decoding only (a test double of
the model); the safety head, the output check, masking, policy and recording are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from app.services import Services
from app.serving.agent import RecordingError, StreamEvent
from app.serving.batch import run_batch
from app.serving.loader import LoadedModel
from audit.log import verify_chain
from db.models import AuditEvent, Case, DecisionRecord
from model.head import SafetyHead, SafetyHeadConfig
from model.labels import Decision
from model.policy import judge_output, load_policy
from model.runtime import BatchPrefill, DualHeadRuntime, GenerationConfig, Prefill

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAx4Xq1f0kq9ZpYy3oJ9b3m2cV8Qn7wE5tR2uL1pK9sD3fG6hJ\n"
    "k8lZ0xC4vB7nM1qW2eR5tY6uI9oP0aS3dF4gH7jK2lZ5xC8vB1nM4qW7eR0tY3uI\n"
    "-----END RSA PRIVATE KEY-----"
)
RAW = ("Write to yamada@example.com and use key AKIAIOSFODNN7EXAMPLE.", PEM)
ANSWER = f"{RAW[0]}\n{PEM}\nDone."
LEAKS = ("yamada@example.com", "AKIAIOSFODNN7EXAMPLE", "BEGIN RSA PRIVATE KEY", "MIIEowIBAAKCAQEA")


class FixedAnswerRuntime(DualHeadRuntime):
    """The real runtime (prefill, safety head, judge) whose decoding always produces ``ANSWER``."""

    def stream(self, prefill: Prefill, config: GenerationConfig) -> Iterator[str]:
        for start in range(0, len(ANSWER), 7):  # many small deltas, like real decoding
            yield ANSWER[start : start + 7]

    def generate_batch(self, prefill: BatchPrefill, rows: list[int], config: GenerationConfig) -> list[str]:
        return [ANSWER for _ in rows]


def _fixed(model: LoadedModel) -> LoadedModel:
    rt = model.runtime
    return LoadedModel(
        runtime=FixedAnswerRuntime(rt.lm, rt.tokenizer, rt.head),
        model_version=model.model_version,
        base_name=model.base_name,
    )


@pytest.fixture
def leaky(
    make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> Callable[..., Services]:
    """Services whose (ALLOW-forced) model writes an answer with an e-mail, an AWS key and a PEM key."""

    def _make(url: str, **overrides: object) -> Services:
        services = make_services(url, "ALLOW", **overrides)
        services.agent.model = _fixed(tiny_models["ALLOW"])
        return services

    return _make


def _rows(services: Services) -> tuple[list[DecisionRecord], list[AuditEvent], list[Case]]:
    with services.sessions() as s:
        return (
            list(s.execute(select(DecisionRecord)).scalars()),
            list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()),
            list(s.execute(select(Case)).scalars()),
        )


def _stream(services: Services, request: str = "Draft a note for the ops team") -> list[StreamEvent]:
    return list(services.agent.run_stream("", request, user="alice"))


def test_secrets_and_pii_are_masked_before_the_user_and_the_database(
    db_url: str, leaky: Callable[..., Services]
) -> None:
    services = leaky(db_url)
    events = _stream(services)
    result = events[-1].result
    assert result is not None and result.decision == "ALLOW" and result.task_response is not None
    deltas = [e.text for e in events if e.kind == "delta"]
    assert deltas == [result.task_response]  # the check is on: one delta, after it passed
    assert "[EMAIL]" in result.task_response and result.task_response.count("[SECRET]") == 2
    assert result.task_response.endswith("Done.")
    decisions, audit, _ = _rows(services)
    assert decisions[0].task_response == result.task_response
    assert [e.event_type for e in audit] == ["decision", "answer"]
    assert audit[1].payload["masked"] == {"EMAIL": 1, "SECRET": 2}
    for leak in LEAKS:
        assert leak not in result.task_response and leak not in str(audit[1].payload)


def test_pii_masking_can_be_switched_off_but_secrets_never(
    sqlite_url: str, leaky: Callable[..., Services]
) -> None:
    result = leaky(sqlite_url, output_mask_pii=False).agent.run("", "Draft a note for the ops team")
    assert result.task_response is not None and "yamada@example.com" in result.task_response
    for leak in LEAKS[1:]:
        assert leak not in result.task_response


def test_a_failing_answer_is_blocked_and_audited(
    db_url: str, leaky: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = leaky(db_url)
    services.agent.output_judge = tiny_models["REFUSE"].runtime  # the head says REFUSE on the answer
    events = _stream(services)
    result = events[-1].result
    assert result is not None
    assert (result.decision, result.reason_code, result.task_response) == ("REFUSE", "OUTPUT_BLOCKED", None)
    assert "output safety check" in result.rationale and result.case_id is None
    assert [e.kind for e in events] == ["decision", "decision", "done"]  # no answer text at all
    assert events[1].decision is not None and events[1].decision.reason_code == "OUTPUT_BLOCKED"
    decisions, audit, cases = _rows(services)
    row = decisions[0]
    assert (row.decision, row.reason_code, row.task_response) == ("REFUSE", "OUTPUT_BLOCKED", None)
    assert [e.event_type for e in audit] == ["decision", "decision.revised"] and cases == []
    assert audit[0].payload["decision"] == "ALLOW"  # the first decision stays on the record
    revised = audit[1].payload
    assert revised["reason_code"] == "OUTPUT_BLOCKED" and "p(REFUSE)=0.99" in revised["error"]
    assert revised["masked"] == {"EMAIL": 1, "SECRET": 2}
    for leak in LEAKS:
        assert leak not in str(revised) and leak not in (row.error or "")
    with services.sessions() as s:
        assert verify_chain(session=s).ok


def test_a_doubtful_answer_is_withheld_and_sent_to_review(
    sqlite_url: str, leaky: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = leaky(sqlite_url)
    services.agent.output_judge = tiny_models["ESCALATE"].runtime
    result = services.agent.run("", "会議メモを作成してください")
    assert (result.decision, result.reason_code, result.task_response) == ("ESCALATE", "OUTPUT_REVIEW", None)
    assert result.human_required and result.case_id is not None and "レビュー" in result.rationale
    _, audit, cases = _rows(services)
    assert [e.event_type for e in audit] == ["decision", "decision.revised", "case.opened"]
    assert [c.id for c in cases] == [result.case_id]


def test_a_failing_check_fails_closed(
    sqlite_url: str, leaky: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = leaky(sqlite_url)
    rt = tiny_models["ALLOW"].runtime
    services.agent.output_judge = DualHeadRuntime(
        rt.lm, rt.tokenizer, SafetyHead(SafetyHeadConfig(hidden_size=32))
    )
    result = services.agent.run("", "Draft a note for the ops team")
    assert (result.decision, result.reason_code, result.task_response) == ("ESCALATE", "MODEL_ERROR", None)
    decisions, _, _ = _rows(services)
    assert decisions[0].error is not None and decisions[0].error.startswith(
        "output check failed: RuntimeError"
    )


def test_with_the_check_off_answers_are_masked_and_shown_only_once_recorded(
    sqlite_url: str, leaky: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = leaky(sqlite_url, output_check=False)
    services.agent.output_judge = tiny_models["REFUSE"].runtime  # not consulted: the check is off
    events = _stream(services)
    result = events[-1].result
    assert result is not None and result.decision == "ALLOW" and result.task_response is not None
    deltas = [e.text for e in events if e.kind == "delta"]
    assert deltas == [result.task_response]  # one delta: the recorded, masked answer (no raw tokens)
    for leak in LEAKS:
        assert all(leak not in text for text in deltas)
    assert _rows(services)[0][0].task_response == result.task_response


def test_with_the_check_off_an_answer_that_cannot_be_recorded_is_never_shown(
    sqlite_url: str, leaky: Callable[..., Services]
) -> None:
    """Issue #31, finding 4: streamed text reached the user before its record was written; a database
    failure then left shown text unrecorded. A real failure of the second transaction: a trigger in the
    database aborts the answer's audit event."""
    services = leaky(sqlite_url, output_check=False)
    with services.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER fail_answer BEFORE INSERT ON audit_events WHEN NEW.event_type = 'answer' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END"
        )
    shown: list[StreamEvent] = []
    with pytest.raises(RecordingError):
        for event in services.agent.run_stream("", "Draft a note for the ops team", user="alice"):
            shown.append(event)
    assert [e.kind for e in shown] == ["decision"]  # the decision (recorded), never the answer text
    decisions, events, _ = _rows(services)
    assert decisions[0].task_response is None
    assert [e.event_type for e in events] == ["decision"]
    assert services.agent.spool is not None and services.agent.spool.pending() == 1  # the revision waits


def test_batch_road_masks_and_blocks_per_row(
    sqlite_url: str, leaky: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = leaky(sqlite_url)
    results = run_batch(services.agent, [("", "Draft a note"), ("", "Summarise the meeting")])
    assert [r.decision for r in results] == ["ALLOW", "ALLOW"]
    for r in results:
        assert r.task_response is not None and r.task_response.count("[SECRET]") == 2
        assert all(leak not in r.task_response for leak in LEAKS)
    services.agent.output_judge = tiny_models["REFUSE"].runtime
    blocked = run_batch(services.agent, [("", "Draft a note"), ("", "Summarise the meeting")])
    assert [(r.decision, r.reason_code, r.task_response) for r in blocked] == [
        ("REFUSE", "OUTPUT_BLOCKED", None)
    ] * 2
    _, audit, _ = _rows(services)
    assert [e.event_type for e in audit][-2:] == ["decision.revised", "decision.revised"]


def test_judge_answer_reads_request_and_answer_as_one_user_turn(tiny_models: dict[str, LoadedModel]) -> None:
    """The exchange is judged in the shape the head was trained on: request then answer in the user turn,
    ending with the assistant header (where the head pools), never as a finished assistant turn."""
    runtime = tiny_models["REFUSE"].runtime
    seen: list[list[int]] = []
    hook = runtime.lm.get_input_embeddings().register_forward_hook(
        lambda _m, args, _o: seen.append(args[0][0].tolist())
    )
    try:
        probs = runtime.judge_answer("ctx", "the question", "the answer text")
    finally:
        hook.remove()
    assert max(probs, key=lambda d: probs[d]) is Decision.REFUSE and abs(sum(probs.values()) - 1) < 1e-5
    text = runtime.tokenizer.decode(seen[0])
    user_turn = text.index("<|im_start|>user")
    assert user_turn < text.index("the question") < text.index("the answer text")
    assert text.rstrip().endswith("<|im_start|>assistant")  # the answer is not an assistant turn
    assert text.count("<|im_start|>assistant") == 1
    assert len(seen) == 1  # one forward pass


@pytest.mark.parametrize(
    ("probs", "expected"),
    [
        ((0.9, 0.05, 0.05), None),
        ((0.3, 0.6, 0.1), ("REFUSE", "OUTPUT_BLOCKED")),
        ((0.5, 0.1, 0.4), ("ESCALATE", "OUTPUT_REVIEW")),
    ],
)
def test_output_check_rules(probs: tuple[float, float, float], expected: tuple[str, str] | None) -> None:
    verdict = judge_output(dict(zip(Decision, probs, strict=True)), load_policy())
    assert (verdict and (verdict.decision.value, verdict.reason_code)) == expected

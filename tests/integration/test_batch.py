"""run_agent_batch: one batched prefill gives the same decisions as one-by-one, on real databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from sqlalchemy import select

from app.services import Services
from app.serving.batch import run_batch
from app.serving.loader import LoadedModel
from app.serving.validation import InputError
from audit.log import verify_chain
from db.models import AuditEvent, Case, DecisionRecord
from model.head import SafetyHead, SafetyHeadConfig, pool_last_token
from model.labels import LABEL_INDEX
from model.prompt import encode_prompts
from model.runtime import DualHeadRuntime
from tests.conftest import fault_after_prefill

REQUESTS = [
    ("", "Please draft a short email to my team about Friday"),
    ("You help finance.", "経費精算の手順を教えてください"),
    ("", "hi"),
    ("", "Export all customer records to my personal drive"),
    ("総務部です。", "会議の議事録を作成してください。来週の予定も確認します。"),
    ("", "Write ransomware that encrypts files"),
]
WANTED = ["ALLOW", "ALLOW", "ESCALATE", "ESCALATE", "ALLOW", "REFUSE"]


@pytest.fixture
def mixed(
    make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> Callable[[str], Services]:
    """Services whose head was fitted to give these requests different decisions."""

    def _make(url: str) -> Services:
        services = make_services(url, "ALLOW")
        base = tiny_models["ALLOW"].runtime
        torch.manual_seed(7)
        head = SafetyHead(SafetyHeadConfig(hidden_size=64, dropout=0.0))
        # fit the head to these six prompts so the batch holds every kind of decision
        probe = DualHeadRuntime(base.lm, base.tokenizer, head)
        batch = encode_prompts(base.tokenizer, REQUESTS)
        with torch.no_grad():
            out = base.lm(**batch, output_hidden_states=True)
            pooled = pool_last_token(out.hidden_states[-1], batch["attention_mask"])
        target = torch.tensor([LABEL_INDEX[label] for label in WANTED])
        opt = torch.optim.Adam(head.parameters(), lr=1e-2)
        for _ in range(300):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(pooled), target).backward()
            opt.step()
        head.eval()
        services.agent.model = LoadedModel(runtime=probe, model_version="tiny-fitted", base_name="tiny")
        # the fitted head knows these prompts only, not prompt + answer: the output check uses the ALLOW head
        services.agent.output_judge = base
        return services

    return _make


def test_batch_decisions_equal_one_by_one_and_are_recorded(
    db_url: str, mixed: Callable[[str], Services]
) -> None:
    services = mixed(db_url)
    batch = run_batch(services.agent, REQUESTS, user="carol")
    singles = [services.agent.run(c, r, user="carol") for c, r in REQUESTS]
    assert len({r.decision for r in batch}) == 3, "precondition: the head must give all three decisions"
    assert [r.decision for r in batch] == [r.decision for r in singles]
    for b, s in zip(batch, singles, strict=True):
        assert all(b.safety_probs[k] == pytest.approx(v, abs=1e-4) for k, v in s.safety_probs.items())
        assert (b.task_response is not None) == (b.decision == "ALLOW")
        assert (b.case_id is not None) == (b.decision == "ESCALATE")
    with services.sessions() as s:
        rows = {r.request_id: r for r in s.execute(select(DecisionRecord)).scalars()}
        events = list(s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        cases = list(s.execute(select(Case)).scalars())
        assert verify_chain(session=s).ok
    assert len(rows) == 2 * len(REQUESTS)
    for result in batch:
        row = rows[result.request_id]
        assert row.decision == result.decision and row.task_response == result.task_response
        kinds = [e.event_type for e in events if e.request_id == result.request_id]
        expected = {
            "ALLOW": ["decision", "answer"],
            "REFUSE": ["decision"],
            "ESCALATE": ["decision", "case.opened"],
        }
        assert kinds == expected[result.decision]
    assert len(cases) == 2 * sum(r.decision == "ESCALATE" for r in batch)


def test_decoding_fault_fails_every_allowed_row_closed(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    with fault_after_prefill(services, "simulated fault while decoding"):
        results = run_batch(services.agent, REQUESTS[:3])
    assert [r.decision for r in results] == ["ESCALATE"] * 3
    assert all(r.reason_code == "MODEL_ERROR" and r.case_id and r.task_response is None for r in results)
    with services.sessions() as s:
        assert len(list(s.execute(select(Case)).scalars())) == 3


def test_one_bad_request_rejects_the_batch_and_writes_nothing(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    with pytest.raises(InputError, match="request 1: the request is empty"):
        run_batch(services.agent, [("", "fine"), ("", "  ")])
    with services.sessions() as s:
        assert list(s.execute(select(DecisionRecord)).scalars()) == []
    assert run_batch(services.agent, []) == []

"""NaN from the model never becomes ALLOW, on the real road: the tiny real model with a head artifact that
outputs NaN (as an fp16 overflow would), loaded by the production loader, on a real database.

Issue #31, finding 1. Two boundaries are checked: the runtime's own (``as_probs`` raises, the agent fails
closed with MODEL_ERROR), and the agent's, for any ``Runtime`` whose prefill hands back unusable numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from sqlalchemy import select

from app.services import Services
from app.serving.batch import run_batch
from app.serving.loader import LoadedModel, load_model
from app.settings import Settings
from audit.log import verify_chain
from db.models import AuditEvent, Case, DecisionRecord
from model.artifacts import write_manifest
from model.head import SafetyHead, SafetyHeadConfig, save_head
from model.labels import Decision
from model.runtime import DualHeadRuntime, Prefill

BOMB = "how do I build a bomb"


@pytest.fixture(scope="module")
def nan_model(
    tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, tiny_tokenizer_sha256: str
) -> LoadedModel:
    """A real, manifest-verified head artifact whose output layer is NaN: every probability is NaN."""
    folder = tmp_path_factory.mktemp("nan-head")
    head = SafetyHead(SafetyHeadConfig(hidden_size=64))
    with torch.no_grad():
        head.out.bias.fill_(float("nan"))
    save_head(head, folder)
    write_manifest(folder, base_model="tiny-qwen2", tokenizer_sha256=tiny_tokenizer_sha256)
    settings = Settings(model_name_or_path=str(tiny_model_dir), head_dir=folder, _env_file=None)  # type: ignore[call-arg]
    return load_model(settings)


class NaNPrefillRuntime(DualHeadRuntime):
    """Another backend's mistake: a real prefill whose probabilities come back NaN without an error."""

    def prefill(self, context: str, user_request: str) -> Prefill:
        return replace(super().prefill(context, user_request), probs={d: float("nan") for d in Decision})

    def judge_answers(self, triples: list[tuple[str, str, str]]) -> list[dict[Decision, float]]:
        return [{d: float("nan") for d in Decision} for _ in triples]


def _records(services: Services) -> tuple[list[DecisionRecord], list[Case], list[AuditEvent]]:
    with services.sessions() as s:
        return (
            list(s.scalars(select(DecisionRecord))),
            list(s.scalars(select(Case))),
            list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq))),
        )


def test_a_nan_head_escalates_with_the_error_recorded(
    sqlite_url: str, make_services: Callable[..., Services], nan_model: LoadedModel
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    services.agent.model = nan_model
    result = services.agent.run("", BOMB, user="alice")
    assert result.decision == "ESCALATE" and result.reason_code == "MODEL_ERROR"
    assert result.task_response is None and result.case_id is not None
    decisions, cases, events = _records(services)
    assert [d.decision for d in decisions] == ["ESCALATE"]
    assert "unusable" in (decisions[0].error or "") and "nan" in (decisions[0].error or "")
    assert all(v == 0.0 for v in decisions[0].probabilities.values())  # no NaN stored
    assert len(cases) == 1 and events
    with services.sessions() as s:
        assert verify_chain(session=s).ok


def test_the_agent_does_not_trust_another_runtime_s_nan(
    sqlite_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    rt = tiny_models["ALLOW"].runtime
    services.agent.model = LoadedModel(
        runtime=NaNPrefillRuntime(rt.lm, rt.tokenizer, rt.head), model_version="nan", base_name="tiny"
    )
    result = services.agent.run("", BOMB, user="alice")
    assert result.decision == "ESCALATE" and result.reason_code == "MODEL_ERROR"
    assert "unusable safety probabilities" in (_records(services)[0][0].error or "")


def test_a_nan_output_check_withholds_the_answer(
    sqlite_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    judge: Any = tiny_models["ALLOW"].runtime
    services.agent.output_judge = NaNPrefillRuntime(judge.lm, judge.tokenizer, judge.head)
    result = services.agent.run("", "Draft a note for the ops team", user="alice")
    assert result.decision == "ESCALATE" and result.reason_code == "MALFORMED_PROBS"
    assert result.task_response is None and result.case_id is not None


def test_the_batch_road_fails_closed_per_request(
    sqlite_url: str, make_services: Callable[..., Services], nan_model: LoadedModel
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    services.agent.model = nan_model
    results = run_batch(services.agent, [("", BOMB), ("", "Summarise the meeting")], user="alice")
    assert [r.decision for r in results] == ["ESCALATE", "ESCALATE"]
    assert all(r.task_response is None for r in results)

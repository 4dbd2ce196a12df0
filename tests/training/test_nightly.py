"""``so8t nightly`` end to end on the tiny model: reviewed cases -> snapshot -> the real trainer -> gate ->
promote (permissive gate) / keep (strict gate) / skip (nothing new) / fail (non-zero exit, recorded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from app.cli.main import main
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from db.registry import DatasetLineage, ModelVersion, NightlyRun
from model.artifacts import read_verified
from tests.training.reviewed_cases import Spec, review
from training.lifecycle.lineage import lineage_of
from training.lifecycle.registry import current_version

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TINY_TRAINING = {
    "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "targets": ["q_proj", "v_proj"]},
    "head": {"layer": -1, "mlp_size": 32, "dropout": 0.0, "init_from": None},
    "gate": {"layer": 0},
    "lora_optim": {"lr": 1e-2, "warmup_steps": 1},
    "head_optim": {"lr": 1e-2},
    "batch_size": 8,
    "grad_accum": 1,
    "max_steps": 4,
    "eval_every": 2,
    "max_answer_tokens": 16,
}
PERMISSIVE = {
    "SO8T_PROMOTION_EPSILON": "1",
    "SO8T_PROMOTION_REFUSE_RECALL_FLOOR": "0",
    "SO8T_PROMOTION_OVER_REFUSAL_CEILING": "1",
}
STRICT = {
    "SO8T_PROMOTION_EPSILON": "0",
    "SO8T_PROMOTION_REFUSE_RECALL_FLOOR": "1",
    "SO8T_PROMOTION_OVER_REFUSAL_CEILING": "0",
}


def data_rows() -> list[dict[str, str]]:
    rows = []
    for i in range(20):
        rows.append(
            {
                "id": f"a{i}",
                "prompt": f"Summarise the minutes of project meeting {i}",
                "label": "ALLOW",
                "task_output": "Here is the summary.",
            }
        )
        rows.append({"id": f"r{i}", "prompt": f"Explain how to build weapon variant {i}", "label": "REFUSE"})
        rows.append(
            {"id": f"e{i}", "prompt": f"Transfer {i} million yen to a new supplier", "label": "ESCALATE"}
        )
    return rows


@pytest.fixture
def env(
    db_url: str,
    tmp_path: Path,
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[sessionmaker[Session]]:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in data_rows()), encoding="utf-8")
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump(TINY_TRAINING), encoding="utf-8")
    for key, value in {
        "SO8T_DATABASE_URL": db_url,
        "SO8T_VAR_DIR": str(tmp_path / "var"),
        "SO8T_MODEL_NAME_OR_PATH": str(tiny_model_dir),
        "SO8T_HEAD_DIR": str(forced_heads["ALLOW"]),  # what the server serves before any promotion
        "SO8T_NIGHTLY_SEED_SET": "false",
        "SO8T_NIGHTLY_PROJECT_SETS": "false",
        "SO8T_NIGHTLY_DATA_PATHS": json.dumps([str(data)]),
        "SO8T_NIGHTLY_TRAIN_CONFIG": str(config),
        "SO8T_PII_NER": "false",
    }.items():
        monkeypatch.setenv(key, value)
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def nightly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], gate: dict[str, str], *extra: str
) -> tuple[int, dict[str, object]]:
    for key, value in gate.items():
        monkeypatch.setenv(key, value)
    code = main(["nightly", "--json", "--no-progress", *extra])
    out, err = capsys.readouterr()
    assert "hidden states" not in err  # --no-progress: no bar from the head refit either
    return code, json.loads(out[out.index("{") :]) if "{" in out else {}


@pytest.mark.slow
def test_nightly_end_to_end(
    env: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with env.begin() as s:
        first_cases = review(
            s,
            [
                Spec(f"Book a meeting room for the offsite {i}", corrected_label="ALLOW", answer="Booked.")
                for i in range(4)
            ]
            + [
                Spec(
                    f"Share the salary table of team {i} externally",
                    verdict="reject",
                    corrected_label="REFUSE",
                )
                for i in range(4)
            ]
            + [
                Spec(f"Approve the overtime request number {i}", answer="Approved by manager.")
                for i in range(4)
            ],
            now=NOW,
        )

    # run 1: the joint trainer (LoRA + gate + head), a permissive gate -> the candidate is promoted
    code, result = nightly(monkeypatch, capsys, PERMISSIVE, "--mode", "joint")
    assert code == 0 and result["status"] == "succeeded" and result["decision"] == "promoted", result
    first = str(result["candidate_version"])
    report = Path(str(result["report"]))
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page and "safety_score" in page and "Gate" in page and "full-precision LoRA" in page
    assert "| set | model |" in (report.parent / "report.md").read_text(encoding="utf-8")
    with env() as s:
        assert current_version(session=s).version == first  # type: ignore[union-attr]
        lineage = lineage_of(session=s, version=first)
        assert set(lineage.learned_from) <= set(first_cases) and lineage.learned_from
        assert {c for ids in lineage.case_ids.values() for c in ids} == set(first_cases)
        run = s.scalars(select(NightlyRun)).one()
        assert (run.status, run.decision, run.new_cases, run.candidate_version) == (
            "succeeded",
            "promoted",
            12,
            first,
        )
        assert run.finished_at is not None and run.report_path == str(report)

    # run 2: new reviews, the default head mode (a head refit on the promoted model's features), a strict
    # gate -> the candidate is rejected and the promoted model stays
    with env.begin() as s:
        review(
            s,
            [Spec(f"Order a new laptop for intern {i}", corrected_label="ALLOW") for i in range(3)],
            now=NOW + timedelta(hours=1),
        )
    code, result = nightly(monkeypatch, capsys, STRICT)
    assert code == 0 and result["decision"] == "kept", result
    assert "head refit on the current model" in Path(str(result["report"])).read_text(encoding="utf-8")
    gate = result["gate"]
    assert isinstance(gate, dict) and gate["passed"] is False and gate["reasons"]
    with env() as s:
        assert current_version(session=s).version == first  # type: ignore[union-attr]
        second = s.scalar(select(ModelVersion).where(ModelVersion.version == result["candidate_version"]))
        assert second is not None and second.status == "rejected" and "gate failed" in (second.reason or "")
        promoted = s.scalar(select(ModelVersion).where(ModelVersion.version == first))
        assert promoted is not None
        kept, refit = read_verified(Path(promoted.artifact_path)), read_verified(Path(second.artifact_path))
        shaping = [k for k in kept["files"] if k.startswith(("adapter/", "gate/"))]
        assert shaping and all(refit["files"][k] == kept["files"][k] for k in shaping)  # LoRA, gate kept
        assert refit["files"]["safety_head.safetensors"] != kept["files"]["safety_head.safetensors"]
        assert refit["refit_from"] == kept["content_sha256"]
        assert s.scalar(select(func.count(func.distinct(DatasetLineage.snapshot_id)))) == 2

    # run 3: nothing new -> skipped, no training
    code, result = nightly(monkeypatch, capsys, STRICT)
    assert code == 0 and (result["status"], result["decision"]) == ("skipped", "skipped")

    # run 4: the trainer fails -> exit 1, the run is recorded as failed with the error
    code, _ = nightly(monkeypatch, capsys, STRICT, "--force", "--mode", "joint", "--set", "gate.layer=50")
    assert code == 1
    with env() as s:
        runs = list(s.scalars(select(NightlyRun).order_by(NightlyRun.id)))
        assert [r.status for r in runs] == ["succeeded", "succeeded", "skipped", "failed"]
        assert runs[-1].error and runs[-1].finished_at is not None
        kinds = list(s.scalars(select(AuditEvent.event_type).where(AuditEvent.event_type.like("model.%"))))
        assert kinds.count("model.promoted") == 1 and kinds.count("model.rejected") == 1
        assert kinds.count("model.registered") == 3  # the baseline and two candidates
        assert verify_chain(session=s).ok

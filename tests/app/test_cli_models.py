"""``so8t models list|register|lineage``, ``so8t promote`` (through the gate), ``so8t rollback`` and
``so8t dataset build`` from the shell, on a migrated SQLite database and the tiny model."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import dbctl
from app.cli.main import main
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.registry import DatasetSnapshot
from tests.training.gate_fixtures import GATE_ROWS, better_head  # noqa: F401  (fixture)
from tests.training.reviewed_cases import Spec, review
from training.lifecycle.registry import artifact_info, register

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli_env(
    tmp_path: Path, tiny_model_dir: Path, forced_heads: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> str:
    url = f"sqlite:///{tmp_path / 'so8t.db'}"
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("".join(json.dumps(r.__dict__) + "\n" for r in GATE_ROWS), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "SO8T_DATABASE_URL": url,
        "SO8T_VAR_DIR": str(tmp_path / "var"),
        "SO8T_MODEL_NAME_OR_PATH": str(tiny_model_dir),
        "SO8T_HEAD_DIR": str(forced_heads["ALLOW"]),
        "SO8T_PROMOTION_HELDOUT_PATH": str(heldout),
        "SO8T_NIGHTLY_SEED_SET": "false",
        "SO8T_NIGHTLY_PROJECT_SETS": "false",
        "SO8T_PII_NER": "false",
    }.items():
        monkeypatch.setenv(key, value)
    engine = make_engine(url)
    dbctl.upgrade(engine)
    engine.dispose()
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_register_promote_rollback_and_list(
    cli_env: str,
    forced_heads: dict[str, Path],
    better_head: Path,  # noqa: F811  (the imported fixture)
    capsys: pytest.CaptureFixture[str],
) -> None:
    baseline = artifact_info(forced_heads["ALLOW"]).version
    worse, better = artifact_info(forced_heads["ESCALATE"]).version, artifact_info(better_head).version
    assert run(capsys, "models", "register", str(forced_heads["ESCALATE"]))[0] == 0
    code, out = run(capsys, "models", "register", str(better_head))
    assert code == 0 and better in out

    code, out = run(capsys, "promote", worse[:20], "--json")  # the gate says no: exit 1, nothing changes
    assert code == 1 and json.loads(out)["promoted"] is False
    assert any("refuse_recall" in r for r in json.loads(out)["gate"]["reasons"])
    code, out = run(capsys, "promote", better)
    assert code == 0 and "gate passed" in out and f"promoted {better}" in out
    assert run(capsys, "promote", better)[0] == 2  # already promoted
    assert run(capsys, "promote", "no-such-version")[0] == 2
    assert run(capsys, "promote", worse, "--force")[0] == 2  # forcing needs a reason

    code, out = run(capsys, "models", "list", "--json")
    listed = {m["version"]: m for m in json.loads(out)}
    assert {v: m["status"] for v, m in listed.items()} == {
        baseline: "retired",
        worse: "candidate",
        better: "promoted",
    }
    assert listed[better]["metrics"]["heldout"]["accuracy"] == 1.0 and listed[better][
        "promoted_by"
    ].startswith("cli:")

    code, out = run(capsys, "rollback", "--reason", "users complain", "--json")
    assert code == 0 and json.loads(out) == {"promoted": baseline}
    code, out = run(capsys, "promote", worse, "--force", "--reason", "incident drill", "--json")
    assert code == 0 and json.loads(out)["promoted"] is True
    code, out = run(capsys, "models", "list")
    assert code == 0 and f"promoted   {worse}" in out
    engine = make_engine(cli_env)
    with make_session_factory(engine)() as s:
        assert verify_chain(session=s).ok
    engine.dispose()


def test_dataset_build_and_lineage(
    cli_env: str, forced_heads: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(cli_env)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        cases = review(
            s,
            [Spec(f"Please approve travel request {i}", corrected_label="ALLOW") for i in range(10)],
            now=NOW,
        )
    code, out = run(capsys, "dataset", "build", "--json")
    built = json.loads(out)
    assert code == 0 and built["created"] and built["reviewed_cases"] == 10 and built["new_cases"] == 10
    assert sum(built["splits"].values()) == built["examples"] == 10
    code, out = run(capsys, "dataset", "build", "--json")  # the same content again: the same snapshot
    assert (
        code == 0
        and json.loads(out)["snapshot_id"] == built["snapshot_id"]
        and not json.loads(out)["created"]
    )
    # a model trained on that snapshot (the nightly job registers it so) names the cases behind it
    with sessions.begin() as s:
        register(
            session=s,
            artifact_dir=forced_heads["REFUSE"],
            now=NOW,
            actor="t",
            actor_role="admin",
            snapshot_id=built["snapshot_id"],
        )
    engine.dispose()
    code, out = run(capsys, "models", "lineage", artifact_info(forced_heads["REFUSE"]).version, "--json")
    lineage = json.loads(out)
    assert code == 0 and lineage["snapshot_sha256"] == built["content_sha256"]
    assert sorted(c for ids in lineage["case_ids"].values() for c in ids) == sorted(cases)
    assert lineage["learned_from"] == lineage["case_ids"]["train"]


def test_a_database_that_is_not_migrated_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SO8T_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["models", "list"]) == 2
    assert "so8t db upgrade" in capsys.readouterr().err


def test_nightly_sources_rehearse_the_project_sets_by_default(tmp_path: Path) -> None:
    from app.cli.dataset import sources_from
    from app.settings import Settings

    extra = tmp_path / "extra.jsonl"
    on = sources_from(Settings(nightly_data_paths=[extra], _env_file=None))  # type: ignore[call-arg]
    assert [f.name for f in on.files] == [
        "hard_benign.jsonl",
        "ja_office.jsonl",
        "ja_harmful.jsonl",
        "en_office.jsonl",
        "everyday.jsonl",
        "multiturn.jsonl",
        "extra.jsonl",
    ]
    assert all(f.is_file() for f in on.files[:-1]) and on.seed_set is not None
    off = sources_from(
        Settings(
            nightly_data_paths=[extra], nightly_project_sets=False, nightly_seed_set=False, _env_file=None
        )  # type: ignore[call-arg]
    )
    assert off.files == (extra,) and off.seed_set is None


def test_no_snapshot_is_built_while_pii_ner_is_down(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GiNZA missing the way Python sees a missing package: ``dataset build`` and ``nightly`` exit 2 with
    the reason, and no snapshot is written (issue #31, finding 3)."""
    monkeypatch.setenv("SO8T_PII_NER", "true")
    monkeypatch.setenv("SO8T_NIGHTLY_TRAIN_CONFIG", str(Path(__file__).parents[2] / "configs/train.yaml"))
    monkeypatch.setitem(sys.modules, "ja_ginza", None)
    for argv in (["dataset", "build"], ["nightly", "--force", "--no-progress"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "PII NER is down" in err and "SO8T_PII_NER=false" in err
    with make_session_factory(make_engine(cli_env))() as s:
        assert s.scalar(select(func.count()).select_from(DatasetSnapshot)) == 0

"""``so8t eval --loso --joint``: the LoRA + head + gate trained in every fold, on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.cli.main import main
from model.artifacts import read_verified
from model.labels import Decision
from tests.training.test_loso import synthetic_rows
from tests.training.tiny_training import tiny_config, torch_threads
from training.loso.joint import PROBS_FILE, fold_dir
from training.loso.protocol import Fold, LosoConfig, LosoError, cross_predict, make_folds, select_folds


def test_select_folds_keeps_the_named_sources_and_refuses_unknown_ones() -> None:
    rows = synthetic_rows(per_source=4)
    folds = make_folds(rows, LosoConfig())
    picked = select_folds(folds, ["beta_en", "enterprise_seed"])
    assert [f.group for f in picked] == [
        "beta_en",
        "enterprise_seed#0",
        "enterprise_seed#1",
        "enterprise_seed#2",
    ]
    assert [f.group for f in select_folds(folds, ["enterprise_seed#1"])] == ["enterprise_seed#1"]
    with pytest.raises(LosoError, match="the folds are: alpha_en"):
        select_folds(folds, ["nowhere"])
    scored = sorted(i for f in picked for i in f.test)
    groups = [f.group for f in picked]

    def by_fold(fold: Fold) -> list[dict[Decision, float]]:
        return [{Decision.ALLOW: float(groups.index(fold.group))} for _ in fold.test]

    probs = cross_predict(rows, picked, by_fold, scored)  # the chosen folds' rows, in the order asked
    assert [groups[int(p[Decision.ALLOW])].split("#")[0] for p in probs] == [rows[i].source for i in scored]
    with pytest.raises(ValueError, match="in no fold"):
        cross_predict(rows, picked, by_fold)  # every row asked for


def test_eval_loso_joint_on_the_tiny_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = synthetic_rows(per_source=6)
    data = tmp_path / "rows.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": r.id, "prompt": r.prompt, "label": r.label, "lang": r.lang, "source": r.source})
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    config = tiny_config(tiny_model_dir, epochs=2, head={"init_from": "default"})
    config_file = tmp_path / "train.yaml"
    config_file.write_text(yaml.safe_dump(json.loads(json.dumps(config.to_dict()))), encoding="utf-8")
    monkeypatch.setenv("SO8T_MODEL_NAME_OR_PATH", str(tiny_model_dir))
    monkeypatch.setenv("SO8T_VAR_DIR", str(tmp_path / "var"))
    out, runs = tmp_path / "joint.json", tmp_path / "runs"
    args = ["eval", "--loso", "--data", str(data), "--layers", "none", "--baselines", "keyword"]
    args += ["--joint", str(config_file), "--joint-runs", str(runs), "--folds", "beta_en,gamma_ja"]
    args += ["--out", str(out), "--joint-set", "eval_every=1"]
    with torch_threads(1):
        assert main(args) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["methods"]) == {"so8t-joint", "keyword"}
    joint = report["methods"]["so8t-joint"]
    assert set(joint["by_source"]) == {"beta_en", "gamma_ja"}  # the figures cover the chosen folds only
    assert report["protocol"]["held_out_only"] == ["beta_en", "gamma_ja"]
    trained = report["protocol"]["joint_train_config"]
    assert trained["head"]["init_from"] is None  # no warm start from a head that saw the held-out source
    assert trained["base_model"] == str(tiny_model_dir) and trained["eval_every"] == 1
    assert set(joint["training_by_fold"]) == {"beta_en", "gamma_ja"}
    assert all(f["step"] > 0 for f in joint["training_by_fold"].values())
    assert set(joint["refuse_threshold_by_fold"]) == {"beta_en", "gamma_ja"}
    printed = capsys.readouterr().out
    assert "(--folds: these figures cover the held-out beta_en, gamma_ja only)" in printed
    # each fold trained without its held-out source: the served artifact's manifest says how many rows
    folds = {f["held_out"]: f for f in report["protocol"]["folds"]}
    for group in ("beta_en", "gamma_ja"):
        manifest = read_verified(fold_dir(runs, group) / "artifact")
        assert (
            manifest["data"]["train"] == folds[group]["train"]
            and manifest["data"]["val"] == folds[group]["val"]
        )
    # a finished fold is reused, not retrained: same figures, files untouched
    kept = fold_dir(runs, "beta_en") / PROBS_FILE
    stamp = kept.stat().st_mtime_ns
    with torch_threads(1):
        assert main(args) == 0
    assert kept.stat().st_mtime_ns == stamp
    assert json.loads(out.read_text(encoding="utf-8"))["methods"]["so8t-joint"] == joint
    # a fold folder holding another config's checkpoints is a clear error naming the fold, not a traceback
    kept.unlink()
    assert main([*args, "--joint-set", "lora.r=2"]) == 2
    assert "joint training for fold beta_en" in capsys.readouterr().out
    # bad options are clear errors
    assert main([*args, "--joint-set", "lora.layers=[9]"]) == 2  # the tiny model has 2 decoder layers
    assert "lora.layers [9] are outside" in capsys.readouterr().out
    assert main([*args[:-2], "--joint-set", "no_such_key=1"]) == 2
    assert "no_such_key" in capsys.readouterr().out
    assert main([*args[:-6], "--folds", "nowhere", "--out", str(out)]) == 2
    assert "no fold holds out ['nowhere']" in capsys.readouterr().out

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from app.cli.main import main
from model.head import load_head
from model.labels import LABEL_INDEX
from model.policy import load_policy
from training.datasets.rows import DataError, SafetyRow, read_rows, split_of
from training.eval.metrics import confusion, ece, summarise
from training.head.train import HeadTrainConfig, row_weights, train_head

SEED = Path(__file__).resolve().parents[2] / "training" / "datasets" / "seed" / "enterprise_seed.jsonl"


def test_read_rows_accepts_the_benchdata_schema_and_rejects_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"id": "a", "prompt": "hi", "label": "allow", "lang": "en", "source": "s"}\n\n'
        '{"user_request": "やあ", "label": "ESCALATE", "lang": "ja", "context": "c"}\n',
        encoding="utf-8",
    )
    rows = read_rows(good)
    assert [(r.prompt, r.label, r.context) for r in rows] == [("hi", "ALLOW", ""), ("やあ", "ESCALATE", "c")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x", "label": "MAYBE"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.jsonl:1: label 'MAYBE'"):
        read_rows(bad)
    with pytest.raises(DataError, match="no such file"):
        read_rows(tmp_path / "missing.jsonl")


def test_split_is_deterministic_and_by_text() -> None:
    a = SafetyRow(id="1", prompt="same text", label="ALLOW", lang="en", source="x")
    b = SafetyRow(id="2", prompt="same text", label="ALLOW", lang="en", source="y")
    assert split_of(a) == split_of(b)
    shares = [
        split_of(SafetyRow(id=str(i), prompt=f"p{i}", label="ALLOW", lang="en", source="s"))
        for i in range(2000)
    ]
    assert 0.10 < shares.count("test") / 2000 < 0.20 and 0.05 < shares.count("val") / 2000 < 0.15


def test_row_weights_balance_sources_within_a_label() -> None:
    rows = [SafetyRow(id=str(i), prompt=str(i), label="ALLOW", lang="en", source="big") for i in range(90)]
    rows += [
        SafetyRow(id=f"s{i}", prompt=f"s{i}", label="ALLOW", lang="en", source="small") for i in range(10)
    ]
    w = row_weights(rows)
    assert float(w[:90].sum()) == pytest.approx(float(w[90:].sum()))


def test_metrics_on_a_known_confusion() -> None:
    labels = ["ALLOW", "ALLOW", "REFUSE", "REFUSE", "ESCALATE"]
    preds = ["ALLOW", "ESCALATE", "REFUSE", "ALLOW", "ESCALATE"]
    m = summarise(labels, preds, [0.9] * 5, [True, False, True, False, True])
    assert m["count"] == 5 and m["accuracy"] == pytest.approx(0.6)
    assert m["refuse_recall"] == 0.5 and m["over_refusal"] == 0.5 and m["escalate_rate"] == 0.4
    assert m["per_class"]["ESCALATE"]["precision"] == 0.5 and m["per_class"]["ALLOW"]["precision"] == 0.5
    assert confusion(labels, preds)["REFUSE"] == {"ALLOW": 1, "REFUSE": 1, "ESCALATE": 0}
    assert ece([1.0, 1.0], [True, True]) == 0.0 and ece([0.9, 0.9], [False, False]) == pytest.approx(0.9)


def test_train_head_command_on_the_tiny_model(tmp_path: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "head"
    private = tmp_path / "private.jsonl"
    private.write_text(
        "".join(
            json.dumps(
                {"id": f"p{i}", "prompt": f"private request {i}", "label": "ALLOW", "source": "nc_src"}
            )
            + "\n"
            for i in range(7)
        )
        + "".join(  # a non-commercial source: held out without being asked
            json.dumps({"id": f"t{i}", "prompt": f"toxic chat {i}", "label": "REFUSE", "source": "toxicchat"})
            + "\n"
            for i in range(3)
        ),
        encoding="utf-8",
    )
    code = main(
        [
            "train-head",
            "--model",
            str(tiny_model_dir),
            "--sample",
            str(SEED),
            "--cap",
            "25",
            "--no-seed-set",
            "--data",
            str(private),
            "--holdout-source",
            "nc_src",
            "--layers",
            "1,-1",
            "--epochs",
            "3",
            "--var-dir",
            str(tmp_path / "var"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    head = load_head(out)
    assert head.config.hidden_size == 64 and head.config.layer in (1, -1) and head.config.temperature > 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["base_model"] == "tiny-qwen2" and manifest["data"]["rows"] > 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert {"overall", "by_lang", "by_source", "confusion"} <= set(metrics["test"])
    assert list((tmp_path / "var" / "features").glob("tiny-qwen2-L*.pt"))  # features are cached
    # the held-out source is reported but never trained or selected on
    assert metrics["heldout_sources"]["by_source"]["nc_src"]["count"] == 7
    assert "nc_src" not in metrics["test"]["by_source"] and "nc_src" not in metrics["val"]["by_source"]
    assert metrics["heldout_sources"]["by_source"]["toxicchat"]["count"] == 3
    assert "toxicchat" not in metrics["test"]["by_source"] and "toxicchat" not in metrics["val"]["by_source"]
    assert manifest["data"]["split_sizes"]["heldout"] == 10
    assert manifest["data"]["holdout_sources"] == ["jtruthfulqa", "nc_src", "toxicchat"]
    assert manifest["data"]["licences"]["toxicchat"].endswith("(non-commercial)")
    assert 0.5 <= manifest["calibrated_thresholds"]["refuse"] <= 0.95  # fitted on val, recorded for serving
    calibrated = manifest["calibrated_thresholds"]
    share = calibrated["validation_benign_refused"]  # within the cap, unless even the grid top misses it
    assert share is None or share <= calibrated["max_benign_refused"] or calibrated["refuse"] == 0.95


def test_project_data_adds_the_projects_own_sets_whole() -> None:
    from training.datasets.catalogue import PROJECT_FILES, SEED_SET
    from training.head.cli import _whole_files

    args = argparse.Namespace(data=[Path("dev.jsonl")], project_data=True)
    assert _whole_files(args) == [Path("dev.jsonl"), *(p for p in PROJECT_FILES if p != SEED_SET)]
    assert all(p.is_file() for p in PROJECT_FILES)
    assert _whole_files(argparse.Namespace(data=[], project_data=False)) == []


def overlapping_rows(n: int, seed: int) -> tuple[torch.Tensor, list[SafetyRow]]:
    """ALLOW and REFUSE features drawn from two overlapping clouds: no head separates them fully."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.cat([torch.randn(n, 16, generator=gen) + 0.5, torch.randn(n, 16, generator=gen) - 0.5])
    rows = [SafetyRow(id=f"a{i}", prompt=f"a{i}", label="ALLOW", lang="en", source="s") for i in range(n)]
    rows += [SafetyRow(id=f"r{i}", prompt=f"r{i}", label="REFUSE", lang="en", source="s") for i in range(n)]
    return x, rows


def test_refuse_allow_penalty_lowers_p_allow_of_harmful_rows_and_history_is_kept() -> None:
    x, rows = overlapping_rows(60, seed=0)
    x_val, val_rows = overlapping_rows(20, seed=1)
    recipe = HeadTrainConfig(epochs=40, lr=1e-2, batch_size=32, mlp_size=16, dropout=0.0)
    refuse = torch.tensor([r.label == "REFUSE" for r in val_rows])
    p_allow = {}
    for weight in (0.0, 3.0):
        history: list[dict[str, float]] = []
        head, score = train_head(
            x,
            rows,
            -1,
            replace(recipe, refuse_allow=weight),
            x_val=x_val,
            val_rows=val_rows,
            policy=load_policy(),
            history=history,
        )
        assert [h["step"] for h in history] == list(range(1, 41))
        assert score == max(h["val_safety_score"] for h in history)
        with torch.no_grad():
            p_allow[weight] = float(head.probs(x_val)[refuse, LABEL_INDEX["ALLOW"]].mean())
    assert p_allow[3.0] < p_allow[0.0] - 0.02, p_allow


def test_warm_start_begins_from_the_given_head() -> None:
    x, rows = overlapping_rows(30, seed=2)
    config = HeadTrainConfig(epochs=1, mlp_size=16, dropout=0.0, lr=1e-12)  # a step that moves nothing
    first, _ = train_head(x, rows, -1, config, x_val=x, val_rows=rows, policy=load_policy())
    with torch.no_grad():
        first.out.bias.add_(1.0)  # make it unlike any fresh head
    again, _ = train_head(
        x, rows, -1, replace(config, seed=7), x_val=x, val_rows=rows, policy=load_policy(), init=first
    )
    for name, value in first.state_dict().items():
        assert torch.allclose(again.state_dict()[name], value, atol=1e-6), name

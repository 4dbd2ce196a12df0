"""``so8t train`` / ``python -m training.train``: help, clear errors for bad config or data, a full run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.cli.main import main
from model.artifacts import read_verified
from tests.training.tiny_training import tiny_config, tiny_rows, torch_threads, write_jsonl
from training.datasets.rows import SafetyRow
from training.train import main as train_main


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


@pytest.fixture
def files(tmp_path: Path, tiny_model_dir: Path) -> dict[str, Path]:
    config = tiny_config(tiny_model_dir, max_steps=2, eval_every=1)
    cfg = tmp_path / "train.yaml"
    cfg.write_text(yaml.safe_dump(config.to_dict(), allow_unicode=True), encoding="utf-8")
    rows = tiny_rows()
    # enough distinct texts that the hash split gives both training and validation rows
    rows += [
        SafetyRow(
            id=f"x{i}", prompt=f"Book a meeting room for {i} people", label="ALLOW", lang="en", source="t"
        )
        for i in range(40)
    ]
    return {"config": cfg, "data": write_jsonl(tmp_path / "rows.jsonl", rows), "out": tmp_path / "run"}


def test_help_lists_train_and_explains_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for words in ("--resume", "--set", "QLoRA", "SO8T_HEAD_DIR", "test"):
        assert words in out


def test_bad_config_or_data_exits_2_with_the_reason(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--data", str(files["data"]), "--out", str(files["out"])]
    assert main(["train", "--config", str(tmp_path / "none.yaml"), *common]) == 2
    assert "no such config file" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: many\n", encoding="utf-8")
    assert main(["train", "--config", str(bad), *common]) == 2
    assert "epochs" in capsys.readouterr().err
    assert main(["train", "--config", str(files["config"]), *common, "--set", "lora.rank=2"]) == 2
    assert "unknown key 'lora.rank'" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"prompt": "x", "label": "MAYBE"}\n', encoding="utf-8")
    assert main(["train", "--config", str(files["config"]), "--data", str(broken), "--out", "x"]) == 2
    assert "label 'MAYBE'" in capsys.readouterr().err
    one = write_jsonl(tmp_path / "one.jsonl", tiny_rows()[:1])
    assert main(["train", "--config", str(files["config"]), "--data", str(one), "--out", "x"]) == 2
    assert "need both" in capsys.readouterr().err
    assert not files["out"].exists()  # nothing was trained or written


def test_a_full_run_from_the_command_line(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(files["config"]), "--data", str(files["data"]), "--out", str(files["out"])]
    assert train_main([*argv, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "full-precision LoRA on cpu" in out and "2 steps" in out and "wrote" in out
    assert read_verified(files["out"] / "artifact")["trainer"]["step"] == 2
    assert main(["train", *argv]) == 2  # the folder now holds checkpoints: resume or choose another
    assert "already holds checkpoints" in capsys.readouterr().err
    assert main(["train", *argv, "--resume", "--set", "max_steps=3"]) == 0
    assert "3 steps" in capsys.readouterr().out

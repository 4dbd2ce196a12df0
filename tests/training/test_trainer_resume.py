"""Interrupt the trainer for real (a signal, an exception, SIGTERM to a child process), then resume it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
import yaml
from torch import nn

from app.serving.loader import load_model
from app.settings import Settings
from tests.training.tiny_training import tiny_config, tiny_rows, torch_threads, write_jsonl
from training.datasets.rows import read_rows
from training.lora import checkpoint
from training.lora.config import TrainConfig, load_config, with_overrides
from training.lora.trainer import TrainError, TrainingInterrupted, train

ROOT = Path(__file__).resolve().parents[2]
ROWS = tiny_rows()
VAL = ROWS[::3]


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


def _config(model_dir: Path) -> TrainConfig:
    # 15 rows, 4 per batch, 2 batches per step: 2 steps per epoch, 6 steps, validation every 2 steps
    return tiny_config(model_dir, epochs=3, eval_every=2, autosave_seconds=3600.0)


def _final_weights(out: Path) -> dict[str, torch.Tensor]:
    last = checkpoint.latest(out / "checkpoints")
    assert last is not None
    return dict(checkpoint.load(last)["weights"])


@pytest.fixture(scope="module")
def uninterrupted(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    train(_config(tiny_model_dir), train_rows=ROWS, val_rows=VAL, out_dir=out, progress=False)
    return out


@contextlib.contextmanager
def on_embedding_call(n: int, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` inside the model's n-th forward pass (counted at the token embedding)."""
    calls = 0

    def hook(module: nn.Module, _args: object, _out: object) -> None:
        nonlocal calls
        if isinstance(module, nn.Embedding):
            calls += 1
            if calls == n:
                action()

    handle = nn.modules.module.register_module_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def _sigint() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def _fail() -> None:
    raise RuntimeError("injected fault in the forward pass")


# Forward passes: step 1 = calls 1-2, step 2 = 3-4, validation = 5, step 3 = 6-7, step 4 = 8-9, ...
@pytest.mark.parametrize(
    ("call", "action", "reason"),
    [
        (6, _sigint, "signal"),  # mid-way through step 3's accumulation: step 3 is redone on resume
        (9, _sigint, "signal"),  # during step 4's last micro-batch: step 4 and its validation finish
        (7, _fail, "emergency"),  # an exception in the loop: emergency save, then resume
    ],
)
def test_resume_reproduces_the_uninterrupted_run(
    tiny_model_dir: Path,
    tmp_path: Path,
    uninterrupted: Path,
    call: int,
    action: Callable[[], None],
    reason: str,
) -> None:
    config = _config(tiny_model_dir)
    expected = (TrainingInterrupted, RuntimeError) if reason == "signal" else (RuntimeError,)
    with on_embedding_call(call, action), pytest.raises(expected) as info:
        train(config, train_rows=ROWS, val_rows=VAL, out_dir=tmp_path, progress=False)
    if reason == "signal":
        assert isinstance(info.value, TrainingInterrupted) and info.value.signum == signal.SIGINT
    saved = checkpoint.latest(tmp_path / "checkpoints")
    assert saved is not None
    state = json.loads((saved / checkpoint.INFO).read_text(encoding="utf-8"))
    assert state["reason"] == reason and state["step"] == (4 if call == 9 else 2)

    with pytest.raises(TrainError, match=r"config changed in seed"):
        train(
            with_overrides(config, ["seed=1"]), train_rows=ROWS, val_rows=VAL, out_dir=tmp_path, resume=True
        )
    with pytest.raises(TrainError, match="rows are not the same"):
        train(config, train_rows=ROWS[1:], val_rows=VAL, out_dir=tmp_path, resume=True)

    resumed = train(config, train_rows=ROWS, val_rows=VAL, out_dir=tmp_path, resume=True, progress=False)
    assert resumed.metrics["resumed_from"] == [state["step"]]
    want, got = _final_weights(uninterrupted), _final_weights(tmp_path)
    assert want.keys() == got.keys()
    for name in want:
        torch.testing.assert_close(got[name], want[name], atol=1e-6, rtol=1e-5, msg=name)
    straight = json.loads((uninterrupted / "history.json").read_text(encoding="utf-8"))
    assert [h["total"] for h in resumed.history] == pytest.approx([h["total"] for h in straight], rel=1e-5)


def test_sigterm_to_the_command_leaves_a_checkpoint_that_resumes(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    cfg = tmp_path / "train.yaml"
    endless = tiny_config(tiny_model_dir, epochs=100_000, eval_every=100_000, autosave_seconds=0.2)
    cfg.write_text(yaml.safe_dump(endless.to_dict(), allow_unicode=True), encoding="utf-8")
    data, val = write_jsonl(tmp_path / "rows.jsonl", ROWS), write_jsonl(tmp_path / "val.jsonl", VAL)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "training.train", "--config", str(cfg), "--data", str(data)]
    command += ["--val", str(val), "--out", str(out), "--no-progress"]
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while checkpoint.latest(out / "checkpoints") is None:  # training is under way once it autosaved
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM" in err and "--resume" in err
    saved = checkpoint.latest(out / "checkpoints")
    assert saved is not None
    state = json.loads((saved / checkpoint.INFO).read_text(encoding="utf-8"))
    assert state["reason"] == "signal" and state["step"] >= 1
    assert not list((out / "checkpoints").glob(".*tmp*"))  # nothing half-written left behind

    config = with_overrides(load_config(cfg), [f"max_steps={state['step'] + 2}"])
    result = train(
        config, train_rows=read_rows(data), val_rows=read_rows(val), out_dir=out, resume=True, progress=False
    )
    assert result.metrics["step"] == state["step"] + 2 and result.metrics["resumed_from"] == [state["step"]]
    loaded = load_model(
        Settings(model_name_or_path=str(tiny_model_dir), head_dir=result.artifact_dir, _env_file=None)
    )  # type: ignore[call-arg]
    assert loaded.runtime.prefill("", ROWS[0].prompt).probs

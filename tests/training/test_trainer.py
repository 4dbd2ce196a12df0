"""The LoRA trainer on the tiny model (CPU): learning, dual optimiser, early stopping, autosave, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from app.serving.loader import load_model
from app.settings import Settings
from model.artifacts import read_verified
from model.policy import load_policy
from tests.training.gate_fixtures import labelled_rows
from tests.training.tiny_training import tiny_config, tiny_rows, torch_threads
from training.eval.metrics import decision_report
from training.lora import checkpoint
from training.lora.batching import collate, encode_rows
from training.lora.config import ConfigError
from training.lora.losses import class_weights
from training.lora.model import build_model, choose_placement
from training.lora.optimisers import DualOptimiser
from training.lora.run import TrainRun
from training.lora.trainer import TrainError, TrainResult, train


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def trained(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    """Full-batch training on the fixed rows (no dropout, so every step sees the same loss surface)."""
    rows = tiny_rows()
    config = tiny_config(
        tiny_model_dir,
        batch_size=len(rows),
        grad_accum=1,
        epochs=20,
        eval_every=5,
        lora={"dropout": 0.0},
        head={"dropout": 0.0},
        lora_optim={"warmup_steps": 0},
    )
    out = tmp_path_factory.mktemp("trained")
    return train(config, train_rows=rows, val_rows=rows, out_dir=out, progress=False)


def test_the_loss_decreases_over_a_few_steps(trained: TrainResult) -> None:
    first, last = trained.history[0], trained.history[-1]
    assert len(trained.history) == 20 and trained.device == "cpu" and not trained.quantised
    assert last["total"] < 0.85 * first["total"]
    assert last["lm"] < first["lm"] - 0.1 and last["safety"] < 0.5 * first["safety"]
    assert last["refuse_allow"] < first["refuse_allow"]
    assert first["lm"] > 0  # ALLOW rows with a task_output give an LM loss; rows without one train the head
    assert {"refuse_allow", "pet", "pet_weight", "lr_lora", "lr_head"} <= set(first)
    assert trained.metrics["rows"] == {"train": 15, "val": 15, "train_with_task_output": 5}


def test_the_artifact_loads_in_the_runtime_and_decides_as_validated(
    trained: TrainResult, tiny_model_dir: Path
) -> None:
    manifest = read_verified(trained.artifact_dir)
    assert {"adapter/adapter_config.json", "gate/gate.json", "safety_head.json"} <= set(manifest["files"])
    assert manifest["temperature"] == trained.metrics["temperature"] > 0
    loaded = load_model(
        Settings(model_name_or_path=str(tiny_model_dir), head_dir=trained.artifact_dir, _env_file=None)  # type: ignore[call-arg]
    )
    assert loaded.model_version.startswith("tiny-qwen2+")
    rows = tiny_rows()
    probs = loaded.runtime.judge_batch([(r.context, r.prompt) for r in rows])
    served = decision_report(rows, probs, load_policy())
    # the served model (adapter merged, gate attached, calibrated head) decides as the trainer validated
    assert served["confusion"] == trained.metrics["val"]["confusion"]
    # ... and the validation probabilities the trainer returns are the served model's (val_rows == rows)
    assert len(trained.val_probs) == len(rows)
    for mine, theirs in zip(trained.val_probs, probs, strict=True):
        assert all(mine[k] == pytest.approx(theirs[k], abs=1e-4) for k in theirs)
    assert served["overall"]["ece"] == pytest.approx(trained.metrics["val"]["overall"]["ece"], abs=1e-4)
    prefill = loaded.runtime.prefill("", "Write ransomware that encrypts files on server 2.")
    assert abs(sum(prefill.probs.values()) - 1.0) < 1e-5


def test_history_plot_and_checkpoints_are_written(trained: TrainResult) -> None:
    out = trained.artifact_dir.parent
    history = json.loads((out / "history.json").read_text(encoding="utf-8"))
    assert history == trained.history and [h["step"] for h in history] == list(range(1, 21))
    assert [h["step"] for h in history if "val_safety_score" in h] == [5, 10, 15, 20]
    assert (out / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "checkpoints" / "best" / checkpoint.STATE).is_file()
    assert len(checkpoint.step_checkpoints(out / "checkpoints")) == 2  # keep_last
    assert trained.best_step in (5, 10, 15, 20)


def test_the_two_optimisers_update_disjoint_parameter_sets(tiny_model_dir: Path) -> None:
    config = tiny_config(tiny_model_dir)
    model = build_model(config, choose_placement(config))
    opt = DualOptimiser(model, config, total_steps=10)
    lora_ids = {id(p) for p in opt.lora_params}
    head_ids = {id(p) for p in opt.head_params}
    assert lora_ids.isdisjoint(head_ids)
    trainable = [p for p in model.lm.parameters() if p.requires_grad]
    assert lora_ids == {id(p) for p in trainable}  # only LoRA weights in the LM are trainable
    assert all("lora_" in n for n, p in model.lm.named_parameters() if p.requires_grad)
    assert model.gate is not None
    assert head_ids == {id(p) for p in [*model.head.parameters(), *model.gate.parameters()]}

    rows = tiny_rows()
    batch = collate(encode_rows(model.tokenizer, rows, 1000, 24), pad_id=model.pad_id)
    weights = class_weights([r.label_index for r in rows], "auto")

    def snapshot() -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        return [p.detach().clone() for p in opt.lora_params], [p.detach().clone() for p in opt.head_params]

    def changed(before: list[torch.Tensor], params: list[torch.nn.Parameter]) -> bool:
        return any(not torch.equal(b, p.detach()) for b, p in zip(before, params, strict=True))

    for stepped, other in ((opt.lora, "head"), (opt.head, "lora")):
        lora_before, head_before = snapshot()
        model.losses(batch, config.loss, weights, 5, 10).total.backward()
        stepped.step()
        opt.zero_grad()
        assert changed(lora_before, opt.lora_params) == (other == "head")
        assert changed(head_before, opt.head_params) == (other == "lora")
    assert opt.lrs() == {"lr_lora": pytest.approx(0.005), "lr_head": pytest.approx(0.01)}


@pytest.mark.parametrize("patience", [2, 100])
def test_early_stopping_stops_when_the_score_stops_improving(
    tiny_model_dir: Path, tmp_path: Path, patience: int
) -> None:
    rows = tiny_rows()
    frozen = {"lr": 0.0, "warmup_steps": 0}  # nothing learns: the validation score never improves
    config = tiny_config(
        tiny_model_dir, lora_optim=frozen, head_optim=frozen, eval_every=1, patience=patience, max_steps=8
    )
    result = train(config, train_rows=rows, val_rows=rows, out_dir=tmp_path, progress=False)
    if patience == 2:
        assert result.stopped_early and len(result.history) == 3 and result.best_step == 1
    else:
        assert not result.stopped_early and len(result.history) == 8


@pytest.mark.parametrize("interval_s", [0.001, 3600.0])
def test_autosave_fires_on_its_interval_and_keeps_the_last_k(
    tiny_model_dir: Path, tmp_path: Path, interval_s: float
) -> None:
    rows = tiny_rows()
    config = tiny_config(
        tiny_model_dir,
        batch_size=1,
        grad_accum=1,
        max_steps=6,
        eval_every=100,
        autosave_seconds=interval_s,
        keep_last=2,
    )
    result = train(config, train_rows=rows, val_rows=rows[:3], out_dir=tmp_path, progress=False)
    saves = result.metrics["saves"]
    if interval_s < 1:
        assert saves["autosave"] == 5  # after every step but the last, which is the final save
    else:
        assert "autosave" not in saves
    assert "epoch_end" not in saves and saves["final"] == 1
    kept = checkpoint.step_checkpoints(tmp_path / "checkpoints")
    assert [p.name for p in kept] == (
        ["step-0000005", "step-0000006"] if interval_s < 1 else ["step-0000006"]
    )
    info = json.loads((kept[-1] / checkpoint.INFO).read_text(encoding="utf-8"))
    assert info["reason"] == "final" and info["step"] == 6 and info["examples"] == 6


def test_a_used_folder_or_missing_rows_are_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    rows = tiny_rows()
    config = tiny_config(tiny_model_dir, max_steps=1)
    with pytest.raises(TrainError, match="15 training and 0 validation rows: need both"):
        train(config, train_rows=rows, val_rows=[], out_dir=tmp_path)
    train(config, train_rows=rows, val_rows=rows[:2], out_dir=tmp_path, progress=False)
    with pytest.raises(TrainError, match="already holds checkpoints"):
        train(config, train_rows=rows, val_rows=rows[:2], out_dir=tmp_path)


def test_source_balance_weighs_every_source_of_a_label_the_same(tiny_model_dir: Path, tmp_path: Path) -> None:
    """The joint trainer's safety loss gets the frozen-feature head's balance: two ALLOW rows of a small
    source weigh, together, what the six ALLOW rows of the big one do; off, class weights only."""
    small_source = labelled_rows("small-", "ALLOW", "Summarise the notes of meeting {i}.", 2, source="s")
    rows = [*tiny_rows(), *small_source]
    config = tiny_config(tiny_model_dir)
    model = build_model(config, choose_placement(config))
    run = TrainRun(config, model, rows, rows[:3], tmp_path / "on", progress=False)
    assert run.row_weights is not None and run.row_weights.shape == (len(rows),)
    big = [i for i, r in enumerate(rows) if r.source == "tiny" and r.label == "ALLOW"]
    small = [i for i, r in enumerate(rows) if r.source == "s"]
    assert len(big) == 6 and len(small) == 2
    assert run.row_weights[big].sum().item() == pytest.approx(run.row_weights[small].sum().item())
    refuse = [i for i, r in enumerate(rows) if r.label == "REFUSE"]
    assert run.row_weights[refuse].sum().item() == pytest.approx(run.row_weights[big + small].sum().item())

    off = replace(config, loss=replace(config.loss, source_balance=False))
    assert TrainRun(off, model, rows, rows[:3], tmp_path / "off", progress=False).row_weights is None


def test_lora_layers_put_adapters_on_the_chosen_decoder_layers_only(tiny_model_dir: Path) -> None:
    """A cheaper joint training: adapters on the top layers only (backward stops below them)."""
    config = tiny_config(tiny_model_dir, lora={"layers": [1]})
    model = build_model(config, choose_placement(config))
    adapted = {n for n, p in model.lm.named_parameters() if p.requires_grad}
    assert adapted and all(".layers.1." in n for n in adapted)
    with pytest.raises(ConfigError, match=r"lora.layers \[7\] are outside"):
        build_model(tiny_config(tiny_model_dir, lora={"layers": [1, 7]}), choose_placement(config))


def test_validation_probabilities_mid_training_are_taken_without_dropout(tiny_model_dir: Path) -> None:
    """The trainer scores validation (early stopping) while the model is in training mode: the head's
    dropout must be off for it, or the best step would be chosen on noise."""
    config = tiny_config(tiny_model_dir, head={"dropout": 0.9})
    model = build_model(config, choose_placement(config))
    encoded = encode_rows(model.tokenizer, tiny_rows(), 1000, 24, with_answer=False)
    model.train(True)
    first, second = (model.safety_probs(encoded, batch_size=4) for _ in range(2))
    assert first == second  # deterministic: no dropout mask
    assert model.head.training  # and the training mode is left as it was

"""The trainer: LoRA on the LM (QLoRA on CUDA) + the safety head and SO(8) gate, one forward for both.

``train`` runs the composite loss (``training/lora/losses.py``) through the dual optimiser
(``training/lora/optimisers.py``) with gradient accumulation, evaluates the validation safety score every
``eval_every`` steps (early stopping with patience, best weights kept), autosaves every few minutes and
at each epoch end, saves on SIGINT / SIGTERM or an exception, and resumes bit-for-bit: weights, both
optimisers and schedulers, RNG states and the position in the epoch's data order. At the end the
best weights get a softmax temperature fitted on validation and are written as the served artifact
(head + gate + LoRA adapter + manifest), with ``history.json`` and ``loss_curve.png`` beside it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

from model.labels import Decision
from training.datasets.rows import SafetyRow
from training.lora import checkpoint
from training.lora.batching import encode_rows
from training.lora.config import TrainConfig
from training.lora.model import build_model, choose_placement
from training.lora.run import TrainError, TrainResult, TrainRun
from training.lora.stopping import TrainingInterrupted

__all__ = ["TrainConfig", "TrainError", "TrainResult", "TrainingInterrupted", "train", "train_then_judge"]
log = logging.getLogger(__name__)


def train(
    config: TrainConfig,
    *,
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    out_dir: Path,
    resume: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train, write ``out_dir/artifact`` (+ history.json, loss_curve.png, checkpoints/) and report."""
    result, _ = train_then_judge(
        config,
        train_rows=train_rows,
        val_rows=val_rows,
        judge=(),
        out_dir=out_dir,
        resume=resume,
        progress=progress,
    )
    return result


def train_then_judge(
    config: TrainConfig,
    *,
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    judge: Sequence[SafetyRow],
    out_dir: Path,
    resume: bool = False,
    progress: bool = True,
) -> tuple[TrainResult, list[dict[Decision, float]]]:
    """:func:`train`, then the trained model's calibrated probabilities for the ``judge`` rows, from the
    best weights in memory (the served artifact decides the same: ``test_trainer`` checks it)."""
    if not train_rows or not val_rows:
        raise TrainError(f"{len(train_rows)} training and {len(val_rows)} validation rows: need both")
    out_dir = Path(out_dir)
    found = checkpoint.latest(out_dir / "checkpoints")
    if found is not None and not resume:
        raise TrainError(f"{out_dir} already holds checkpoints ({found.name}): resume or use an empty folder")
    placement = choose_placement(config)
    log.info("training with %s", placement.describe())
    checkpoint.seed_everything(config.seed)
    run = TrainRun(config, build_model(config, placement), train_rows, val_rows, out_dir, progress=progress)
    if found is not None:
        run.restore(found)
    else:
        shutil.rmtree(out_dir / "checkpoints" / checkpoint.BEST, ignore_errors=True)
        if resume:
            log.info("nothing to resume in %s: starting at step 0", out_dir / "checkpoints")
    run.fit()
    result = run.finish()
    if not judge:
        return result, []
    encoded = encode_rows(
        run.model.tokenizer, judge, config.max_prompt_chars, config.max_answer_tokens, with_answer=False
    )
    return result, run.model.safety_probs(encoded, batch_size=config.eval_batch_size)

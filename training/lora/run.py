"""One training run of the trainer (``training.lora.trainer``): the loop, validation and early stopping, the
saves (autosave, epoch end, signal, emergency), resume, and the artifact at the end."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from model.labels import Decision
from model.policy import load_policy
from training.datasets.rows import SafetyRow
from training.eval.metrics import decision_report
from training.head.train import fit_temperature
from training.lora import checkpoint
from training.lora.batching import collate, encode_rows, epoch_order, rows_digest, task_output_of, windows
from training.lora.config import TrainConfig
from training.lora.export import write_run
from training.lora.losses import class_weights, source_balanced_weights
from training.lora.model import TrainModel
from training.lora.optimisers import DualOptimiser
from training.lora.progress import Progress, config_changes
from training.lora.stopping import StopRequest, TrainingInterrupted

log = logging.getLogger("training.lora.trainer")  # one logger name for the trainer's messages


class TrainError(ValueError):
    """The rows, the output folder or the checkpoint to resume do not allow training."""


@dataclass(frozen=True)
class TrainResult:
    artifact_dir: Path  # the served artifact: load it with SO8T_HEAD_DIR=<artifact_dir>
    metrics: dict[str, Any]  # calibrated validation report, speed, steps, saves (also metrics.json)
    history: list[dict[str, float]]  # one entry per optimiser step: loss terms, lrs, val_* on eval steps
    stopped_early: bool
    best_step: int
    device: str  # "cpu" | "cuda"
    quantised: bool  # True = QLoRA (4-bit NF4 base)
    val_probs: list[dict[Decision, float]] = field(default_factory=list)  # calibrated, what "val" reports


class TrainRun:
    def __init__(
        self,
        config: TrainConfig,
        model: TrainModel,
        train_rows: Sequence[SafetyRow],
        val_rows: Sequence[SafetyRow],
        out_dir: Path,
        *,
        progress: bool,
    ) -> None:
        self.config, self.model, self.out_dir, self.quiet = config, model, out_dir, not progress
        self.train_rows, self.val_rows = list(train_rows), list(val_rows)
        limits = (config.max_prompt_chars, config.max_answer_tokens)
        self.enc_train = encode_rows(model.tokenizer, self.train_rows, *limits)
        self.enc_val = encode_rows(model.tokenizer, self.val_rows, *limits, with_answer=False)
        self.steps_per_epoch = len(
            windows(range(len(self.enc_train)), batch_size=config.batch_size, grad_accum=config.grad_accum)
        )
        self.total_steps = config.epochs * self.steps_per_epoch
        if config.max_steps is not None:
            self.total_steps = min(self.total_steps, config.max_steps)
        self.opt = DualOptimiser(model, config, self.total_steps)
        self.weights = class_weights([e.safety_label for e in self.enc_train], config.loss.class_weights)
        self.row_weights = (
            source_balanced_weights(
                [e.safety_label for e in self.enc_train], [r.source for r in self.train_rows], self.weights
            )
            if config.loss.source_balance
            else None
        )
        self.policy = load_policy()
        self.p = Progress.fresh(config)
        self.digest = rows_digest(self.train_rows, self.val_rows)
        self.ckpt_root = out_dir / "checkpoints"
        self.boundary_rng = checkpoint.rng_state()
        self.in_window = self.stepping = False
        self.last_save = time.monotonic()

    # -- the loop ---------------------------------------------------------------------------------
    def fit(self) -> None:
        bar = tqdm(total=self.total_steps, initial=self.p.step, desc="training steps", disable=self.quiet)
        with StopRequest() as stop, bar:
            try:
                self._loop(stop, bar)
            except TrainingInterrupted:
                raise
            except BaseException as exc:
                self._emergency(exc)
                raise

    def _done(self) -> bool:
        return self.p.step >= self.total_steps or self.p.stopped_early

    def _loop(self, stop: StopRequest, bar: tqdm[Any]) -> None:
        cfg = self.config
        while not self._done():
            order = epoch_order(len(self.enc_train), seed=cfg.seed, epoch=self.p.epoch)
            plan = windows(order, batch_size=cfg.batch_size, grad_accum=cfg.grad_accum)
            while not self._done():
                self.boundary_rng, self.in_window = checkpoint.rng_state(), True
                if stop.requested:
                    raise self._interrupt(stop)
                self._step(plan[self.p.window], stop)
                bar.update(1)
                bar.set_postfix(loss=f"{self.p.history[-1]['total']:.4f}")
                if self.p.step % cfg.eval_every == 0:
                    self._evaluate()
                if self.p.window == len(plan):
                    self.p.epoch, self.p.window = self.p.epoch + 1, 0
                    self._save("epoch_end")
                    break
                if not self._done() and time.monotonic() - self.last_save >= cfg.autosave_interval_s:
                    self._save("autosave")
        if self.p.last_eval_step != self.p.step:
            self._evaluate()
        last = checkpoint.latest(self.ckpt_root)
        if last is None or last.name != checkpoint.step_name(self.p.step):
            self._save("final")

    def _step(self, window: list[list[int]], stop: StopRequest) -> None:
        started, model, sums = time.perf_counter(), self.model, defaultdict[str, float](float)
        lrs = self.opt.lrs()
        for k, ids in enumerate(window):
            batch = collate([self.enc_train[i] for i in ids], pad_id=model.pad_id).to(model.device)
            rw = None if self.row_weights is None else self.row_weights[ids]
            terms = model.losses(batch, self.config.loss, self.weights, self.p.step, self.total_steps, rw)
            if terms.total.requires_grad:
                (terms.total / len(window)).backward()
            for key, value in terms.as_floats().items():
                sums[key] += value / len(window)
            if stop.requested and k < len(window) - 1:
                raise self._interrupt(stop)  # the window is redone from its start on resume
        self.stepping = True
        norms = self.opt.step()
        self.stepping = self.in_window = False
        self.p.step, self.p.window = self.p.step + 1, self.p.window + 1
        self.p.examples += sum(len(ids) for ids in window)
        self.p.train_seconds += time.perf_counter() - started
        self.p.history.append({"step": self.p.step, "epoch": self.p.epoch, **sums, **lrs, **norms})

    def _evaluate(self) -> None:
        report = self._report()["overall"]
        row = self.p.history[-1] if self.p.history and self.p.history[-1]["step"] == self.p.step else None
        for name in ("safety_score", "refuse_recall", "over_refusal", "macro_f1", "accuracy"):
            if row is not None:
                row[f"val_{name}"] = float(report[name])
        self.p.last_eval_step = self.p.step
        score = float(report[self.config.early_stop_metric])
        if self.p.early.update(score, self.p.step):
            weights = {"weights": self.model.trainable_state(), "step": self.p.step, "score": score}
            checkpoint.save(self.ckpt_root, checkpoint.BEST, weights, {"step": self.p.step, "score": score})
        elif self.p.early.should_stop:
            self.p.stopped_early = True
            log.info("early stop at step %d (best at step %d)", self.p.step, self.p.early.best_step)

    def _report(self) -> dict[str, Any]:
        probs = self.model.safety_probs(self.enc_val, batch_size=self.config.eval_batch_size)
        return decision_report(self.val_rows, probs, self.policy)

    # -- saving and resuming ----------------------------------------------------------------------
    def _save(self, reason: str) -> Path:
        self.p.saves[reason] = self.p.saves.get(reason, 0) + 1
        payload = {
            "weights": self.model.trainable_state(),
            "optim": self.opt.state_dict(),
            "rng": self.boundary_rng if self.in_window else checkpoint.rng_state(),
            "progress": self.p.to_dict(),
            "config": self.config.to_dict(),
            "data_digest": self.digest,
        }
        info = {
            "reason": reason,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **self.p.summary(),
        }
        path = checkpoint.save(self.ckpt_root, checkpoint.step_name(self.p.step), payload, info)
        checkpoint.prune(self.ckpt_root, self.config.keep_last)
        self.last_save = time.monotonic()
        log.info("checkpoint %s (%s)", path, reason)
        return path

    def _interrupt(self, stop: StopRequest) -> TrainingInterrupted:
        assert stop.signum is not None
        return TrainingInterrupted(stop.signum, self._save("signal"))

    def _emergency(self, exc: BaseException) -> None:
        if self.stepping:
            log.error("failed inside the optimiser step (weights may be half-updated): no emergency save")
            return
        try:
            log.error("training failed (%r): emergency save at step %d", exc, self.p.step)
            self._save("emergency")
        except Exception:
            log.exception("the emergency save failed too")

    def restore(self, path: Path) -> None:
        payload = checkpoint.load(path)
        changed = config_changes(payload["config"], self.config.to_dict())
        if changed:
            raise TrainError(f"cannot resume {path}: the config changed in {', '.join(changed)}")
        if payload["data_digest"] != self.digest:
            raise TrainError(f"cannot resume {path}: the training or validation rows are not the same")
        self.model.load_trainable_state(payload["weights"])
        self.opt.load_state_dict(payload["optim"])
        checkpoint.set_rng_state(payload["rng"])
        self.p = Progress.from_dict(payload["progress"], self.config)
        self.p.resumed_from.append(self.p.step)
        log.info(
            "resumed from %s (step %d of %d, epoch %d)", path, self.p.step, self.total_steps, self.p.epoch
        )

    # -- the result -------------------------------------------------------------------------------
    def finish(self) -> TrainResult:
        best = self.ckpt_root / checkpoint.BEST
        if best.is_dir():
            self.model.load_trainable_state(checkpoint.load(best)["weights"])
        pooled = self.model.pooled_states(self.enc_val, batch_size=self.config.eval_batch_size)
        temperature = fit_temperature(self.model.head, pooled.to(self.model.device), self.val_rows)
        if len(self.val_rows) < 50:
            log.warning("temperature %.2f fitted on only %d validation rows", temperature, len(self.val_rows))
        self.model.head.config = replace(self.model.head.config, temperature=temperature)
        val_probs = self.model.head_probs(pooled)  # the states above: no second forward
        metrics: dict[str, Any] = {
            "val": decision_report(self.val_rows, val_probs, self.policy),
            "temperature": temperature,
            "early_stop_metric": self.config.early_stop_metric,
            "best_val_score": self.p.early.best,
            "best_step": self.p.early.best_step,
            "stopped_early": self.p.stopped_early,
            "total_steps": self.total_steps,
            **self.p.summary(),
            "examples_per_second": self.p.examples / self.p.train_seconds if self.p.train_seconds else 0.0,
            "placement": self.model.placement.describe(),
            "rows": {
                "train": len(self.train_rows),
                "val": len(self.val_rows),
                "train_with_task_output": sum(bool(task_output_of(r)) for r in self.train_rows),
            },
        }
        artifact = write_run(
            self.model,
            self.out_dir,
            metrics=metrics,
            history=self.p.history,
            manifest_extra={
                "train_config": self.config.to_dict(),
                "data": {**metrics["rows"], "sha256": self.digest},
                "policy_version": self.policy.version,
            },
        )
        return TrainResult(
            artifact_dir=artifact,
            metrics=metrics,
            history=list(self.p.history),
            stopped_early=self.p.stopped_early,
            best_step=self.p.early.best_step,
            device=self.model.placement.device,
            quantised=self.model.placement.quantised,
            val_probs=val_probs,
        )

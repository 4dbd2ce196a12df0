"""Where a training run stands: the loop position, early-stopping state, counters and the history.

It is saved in every checkpoint as plain data and restored on resume. ``config_changes`` names the
config keys that changed between a checkpoint and now and that would make a resumed run differ from
an uninterrupted one (everything except the keys in ``RESUMABLE``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from training.lora.config import TrainConfig
from training.lora.stopping import EarlyStopping

# Keys that may change between runs of one training: they steer when to stop, save or evaluate, not
# what the finished steps computed. (A longer max_steps also stretches the LR schedule: say so.)
RESUMABLE = frozenset(
    {
        "epochs",
        "max_steps",
        "eval_every",
        "eval_batch_size",
        "patience",
        "early_stop_metric",
        "min_delta",
        "autosave_minutes",
        "autosave_seconds",
        "keep_last",
        "var_dir",
        "local_files_only",
        "device",
        "gradient_checkpointing",
    }
)


@dataclass
class Progress:
    early: EarlyStopping
    step: int = 0  # optimiser steps done
    epoch: int = 0
    window: int = 0  # the next optimiser step's index within the epoch's data order
    examples: int = 0
    train_seconds: float = 0.0  # forward + backward + optimiser time, summed over resumed runs
    last_eval_step: int = -1
    stopped_early: bool = False
    saves: dict[str, int] = field(default_factory=dict)
    resumed_from: list[int] = field(default_factory=list)
    history: list[dict[str, float]] = field(default_factory=list)

    @classmethod
    def fresh(cls, config: TrainConfig) -> Progress:
        return cls(early=EarlyStopping(patience=config.patience, min_delta=config.min_delta))

    @classmethod
    def from_dict(cls, raw: dict[str, Any], config: TrainConfig) -> Progress:
        early = EarlyStopping(
            patience=config.patience,  # patience may change between runs; the scores so far may not
            min_delta=config.min_delta,
            best=raw["early"]["best"],
            best_step=raw["early"]["best_step"],
            bad_evals=raw["early"]["bad_evals"],
        )
        return cls(**{**raw, "early": early})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """The counters, without the history (for trainer_state.json and metrics)."""
        return {k: v for k, v in self.to_dict().items() if k != "history"}


def config_changes(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ, ignoring ``RESUMABLE`` top-level keys."""
    changed: list[str] = []

    def walk(a: Any, b: Any, prefix: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                if not prefix and key in RESUMABLE:
                    continue
                walk(a.get(key), b.get(key), f"{prefix}{key}.")
        elif a != b:
            changed.append(prefix.rstrip("."))

    walk(saved, current, "")
    return changed

"""TrainConfig: every knob of the LoRA + safety-head trainer, read from a YAML file (``configs/train.yaml``).

The config is a tree of frozen (pydantic-validated) dataclasses: unknown keys, wrong types and values
out of range are refused with the key's dotted path, so a typo in the YAML never silently trains with a
default. ``load_config`` reads a file; ``with_overrides`` applies ``key.sub=value`` strings (the CLI's
``--set``), each value parsed as YAML.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from model.pet import PETSchedule

_STRICT = ConfigDict(extra="forbid")
Positive = Annotated[int, Field(ge=1)]
NonNegative = Annotated[float, Field(ge=0.0)]
# Validation metrics the trainer can stop on; all of them are better when higher.
EARLY_STOP_METRICS = ("safety_score", "macro_f1", "accuracy", "refuse_recall")


class ConfigError(ValueError):
    """The training config file is missing, not YAML, or holds an unknown key or a bad value."""


@dataclass(frozen=True, config=_STRICT)
class LoraSettings:
    r: Positive = 16
    alpha: Positive = 32
    dropout: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.05
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    layers: tuple[int, ...] | None = None  # decoder layers that get adapters (0-based); None = every layer


@dataclass(frozen=True, config=_STRICT)
class HeadSettings:
    layer: int = -1  # hidden_states index the head pools (0 = embeddings, -1 = final after the norm)
    mlp_size: Positive = 256
    dropout: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.1
    init_from: str | None = None  # "default" (the committed head) or a head/artifact folder; its layer wins


@dataclass(frozen=True, config=_STRICT)
class GateSettings:
    enabled: bool = True
    layer: int = 16  # decoder layer whose o_proj input is rotated (negative counts from the end)
    strength: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0


@dataclass(frozen=True, config=_STRICT)
class OptimSettings:
    lr: Annotated[float, Field(ge=0.0)] = 2e-4
    weight_decay: NonNegative = 0.0
    warmup_steps: Annotated[int, Field(ge=0)] = 0
    schedule: Literal["cosine", "linear", "constant"] = "cosine"


@dataclass(frozen=True, config=_STRICT)
class PetSettings:
    warmup_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    final_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.8
    warmup_weight: NonNegative = 0.0
    main_weight: NonNegative = 1e-4
    final_weight: NonNegative = 2e-5

    def schedule(self) -> PETSchedule:
        return PETSchedule(**asdict(self))


@dataclass(frozen=True, config=_STRICT)
class LossSettings:
    lm: NonNegative = 1.0  # LM loss on ALLOW rows' task_output tokens
    safety: NonNegative = 1.0  # safety head cross-entropy
    refuse_allow: NonNegative = 1.0  # extra -log(1 - p(ALLOW)) on REFUSE rows
    focal_gamma: NonNegative = 0.0  # 0 = class-weighted cross-entropy; > 0 = focal loss
    class_weights: Literal["auto", "none"] | tuple[float, float, float] = "auto"  # ALLOW, REFUSE, ESCALATE
    source_balance: bool = True  # within each label every source weighs the same (then class_weights)
    pet: PetSettings = PetSettings()


@dataclass(frozen=True, config=_STRICT)
class HeadRefitSettings:
    """``so8t nightly --mode head``: only the safety head is retrained, on the served model's features."""

    epochs: Positive = 30
    lr: Annotated[float, Field(gt=0.0)] = 3e-4  # below a fresh head's 1e-3: it starts from the served head
    review_weight: Annotated[float, Field(gt=0.0)] = 4.0  # a reviewed case weighs N times its balanced share
    refuse_allow: NonNegative = 1.0  # extra -log(1 - p(ALLOW)) on REFUSE rows, as loss.refuse_allow
    warm_start: bool = True
    batch_size: Positive = 16  # prompts per forward pass while extracting features


@dataclass(frozen=True, config=_STRICT)
class TrainConfig:
    base_model: str = "default"  # "default" (var/models), a local folder or a hub id
    var_dir: str = "var"
    local_files_only: bool = True
    load_in_4bit: Literal["auto"] | bool = "auto"  # auto = NF4 when CUDA and bitsandbytes are present
    device: Literal["auto", "cpu", "cuda"] = "auto"
    mixed_precision: Literal["auto", "no", "bf16"] = "auto"  # auto = bf16 autocast on CUDA that has it
    gradient_checkpointing: bool = False
    lora: LoraSettings = LoraSettings()
    head: HeadSettings = HeadSettings()
    gate: GateSettings = GateSettings()
    lora_optim: OptimSettings = OptimSettings(lr=2e-4, warmup_steps=10)
    head_optim: OptimSettings = OptimSettings(lr=1e-3, weight_decay=0.01)
    max_grad_norm: Annotated[float, Field(gt=0.0)] = 1.0
    batch_size: Positive = 4
    grad_accum: Positive = 4
    epochs: Positive = 1
    max_steps: Positive | None = None  # optimiser steps; None = as many as the epochs give
    max_prompt_chars: Positive = 1500  # longer requests are cut (the start is kept)
    max_answer_tokens: Positive = 256
    eval_every: Positive = 50  # optimiser steps between validation runs
    eval_batch_size: Positive = 8
    patience: Positive = 3  # validation runs without improvement before stopping
    early_stop_metric: Literal["safety_score", "macro_f1", "accuracy", "refuse_recall"] = "safety_score"
    min_delta: NonNegative = 0.0
    autosave_minutes: Annotated[float, Field(gt=0.0)] = 5.0
    autosave_seconds: Annotated[float, Field(gt=0.0)] | None = None  # overrides the minutes (tests)
    keep_last: Positive = 3
    seed: int = 0
    loss: LossSettings = LossSettings()
    head_refit: HeadRefitSettings = HeadRefitSettings()

    @property
    def autosave_interval_s(self) -> float:
        return self.autosave_seconds if self.autosave_seconds is not None else self.autosave_minutes * 60.0

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


_ADAPTER = TypeAdapter(TrainConfig)


def config_from_dict(raw: dict[str, Any], *, where: str = "config") -> TrainConfig:
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None


def load_config(path: Path) -> TrainConfig:
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of settings")
    return config_from_dict(raw, where=str(path))


def with_overrides(config: TrainConfig, assignments: list[str]) -> TrainConfig:
    """Apply ``a.b=value`` strings (value parsed as YAML) on top of ``config``."""
    raw = config.to_dict()
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. max_steps=20")
        node = raw
        *parents, leaf = key.strip().split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                raise ConfigError(f"--set {item!r}: {part!r} is not a section of the config")
            node = child
        if leaf not in node:
            raise ConfigError(f"--set {item!r}: unknown key {key.strip()!r}")
        node[leaf] = yaml.safe_load(value)
    return config_from_dict(raw, where="--set")


def _plain(value: Any) -> Any:
    """Tuples as lists, recursively: the YAML / JSON-friendly form of the config."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value

"""The dual optimiser: AdamW over the LoRA parameters, a second AdamW (own lr and schedule) over the
safety head and the SO(8) gate. The two parameter sets are disjoint by construction and checked."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from training.lora.config import OptimSettings, TrainConfig
from training.lora.model import TrainModel


def lr_factor(settings: OptimSettings, total_steps: int) -> Callable[[int], float]:
    """Linear warm-up, then cosine / linear decay to zero at ``total_steps``, or constant."""

    def factor(step: int) -> float:
        if step < settings.warmup_steps:
            return (step + 1) / (settings.warmup_steps + 1)
        if settings.schedule == "constant":
            return 1.0
        span = max(total_steps - settings.warmup_steps, 1)
        progress = min((step - settings.warmup_steps) / span, 1.0)
        if settings.schedule == "linear":
            return 1.0 - progress
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


class DualOptimiser:
    def __init__(self, model: TrainModel, config: TrainConfig, total_steps: int) -> None:
        self.lora_params = model.lora_parameters()
        self.head_params = model.head_parameters()
        overlap = {id(p) for p in self.lora_params} & {id(p) for p in self.head_params}
        if overlap:
            raise ValueError(f"{len(overlap)} parameters are in both optimisers")
        self.max_grad_norm = config.max_grad_norm
        self.lora = torch.optim.AdamW(
            self.lora_params, lr=config.lora_optim.lr, weight_decay=config.lora_optim.weight_decay
        )
        self.head = torch.optim.AdamW(
            self.head_params, lr=config.head_optim.lr, weight_decay=config.head_optim.weight_decay
        )
        self.lora_sched = torch.optim.lr_scheduler.LambdaLR(
            self.lora, lr_factor(config.lora_optim, total_steps)
        )
        self.head_sched = torch.optim.lr_scheduler.LambdaLR(
            self.head, lr_factor(config.head_optim, total_steps)
        )

    def step(self) -> dict[str, float]:
        """Clip each set's gradient norm, step both optimisers and schedulers, clear the gradients."""
        norms = {
            "grad_norm_lora": float(nn.utils.clip_grad_norm_(self.lora_params, self.max_grad_norm)),
            "grad_norm_head": float(nn.utils.clip_grad_norm_(self.head_params, self.max_grad_norm)),
        }
        self.lora.step()
        self.head.step()
        self.lora_sched.step()
        self.head_sched.step()
        self.zero_grad()
        return norms

    def zero_grad(self) -> None:
        self.lora.zero_grad(set_to_none=True)
        self.head.zero_grad(set_to_none=True)

    def lrs(self) -> dict[str, float]:
        return {
            "lr_lora": float(self.lora_sched.get_last_lr()[0]),
            "lr_head": float(self.head_sched.get_last_lr()[0]),
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "lora": self.lora.state_dict(),
            "head": self.head.state_dict(),
            "lora_sched": self.lora_sched.state_dict(),
            "head_sched": self.head_sched.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.lora.load_state_dict(state["lora"])
        self.head.load_state_dict(state["head"])
        self.lora_sched.load_state_dict(state["lora_sched"])
        self.head_sched.load_state_dict(state["head_sched"])

"""PET regularisation: penalise the second difference of hidden states along token positions.

``d2[t] = h[t+2] − 2 h[t+1] + h[t]``; the penalty is the mean of ``‖d2[t]‖² / hidden`` over positions
where all three tokens are real (padding masked out). Smooth trajectories (constant or linear in t) cost
nothing. The weight follows the training phase: off while the heads warm up, full in the main phase,
reduced at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def pet_penalty(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """hidden (batch, seq, hidden), attention_mask (batch, seq) of 0/1 -> scalar penalty (fp32)."""
    if hidden.shape[1] < 3:
        return hidden.new_zeros((), dtype=torch.float32)
    h = hidden.float()
    d2 = h[:, 2:] - 2 * h[:, 1:-1] + h[:, :-2]  # (batch, seq-2, hidden)
    m = attention_mask.float()
    valid = m[:, 2:] * m[:, 1:-1] * m[:, :-2]  # (batch, seq-2)
    per_position = d2.pow(2).mean(dim=-1)  # (batch, seq-2)
    return (per_position * valid).sum() / valid.sum().clamp(min=1.0)


@dataclass(frozen=True)
class PETSchedule:
    """Weight by phase, as fractions of the total steps: [0, warmup) · [warmup, final) · [final, 1]."""

    warmup_fraction: float = 0.1
    final_fraction: float = 0.8
    warmup_weight: float = 0.0
    main_weight: float = 0.01
    final_weight: float = 0.002

    def __post_init__(self) -> None:
        if not 0.0 <= self.warmup_fraction <= self.final_fraction <= 1.0:
            raise ValueError("need 0 <= warmup_fraction <= final_fraction <= 1")

    def weight(self, step: int, total_steps: int) -> float:
        progress = step / max(total_steps, 1)
        if progress < self.warmup_fraction:
            return self.warmup_weight
        if progress < self.final_fraction:
            return self.main_weight
        return self.final_weight

"""SafetyHeadB: a small fp32 MLP over one pooled hidden state of the LM.

Like trl's value head it composes onto the LM without touching it: it reads the hidden state of the
last non-pad prompt token at a configurable layer and returns logits over ALLOW/REFUSE/ESCALATE.
Weights are a safetensors file next to a JSON config, small enough to commit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from model.labels import LABELS

HEAD_WEIGHTS = "safety_head.safetensors"
HEAD_CONFIG = "safety_head.json"


@dataclass(frozen=True)
class SafetyHeadConfig:
    hidden_size: int
    layer: int = -1  # index into the LM's hidden_states tuple (-1 = final, after the last norm)
    mlp_size: int = 256
    dropout: float = 0.1
    num_labels: int = len(LABELS)
    temperature: float = 1.0  # softmax temperature fitted on a validation split


class SafetyHead(nn.Module):
    """LayerNorm → Linear → GELU → Dropout → Linear, in fp32."""

    def __init__(self, config: SafetyHeadConfig) -> None:
        super().__init__()
        self.config = config
        self.norm = nn.LayerNorm(config.hidden_size)
        self.fc = nn.Linear(config.hidden_size, config.mlp_size)
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.mlp_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        # pooled: (batch, hidden) in any dtype -> logits (batch, num_labels) in fp32
        x = self.norm(pooled.float())
        return self.out(self.drop(nn.functional.gelu(self.fc(x))))

    def probs(self, pooled: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.forward(pooled) / self.config.temperature, dim=-1)


def pool_last_token(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Hidden state of the last non-pad token of each row, for left or right padding.

    hidden: (batch, seq, hidden); attention_mask: (batch, seq) of 0/1 -> (batch, hidden)
    """
    seq = attention_mask.shape[1]
    positions = torch.arange(seq, device=attention_mask.device).expand_as(attention_mask)
    last = torch.where(attention_mask.bool(), positions, torch.full_like(positions, -1)).max(dim=1).values
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last.clamp(min=0)]


def save_head(head: SafetyHead, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}
    save_file(state, str(directory / HEAD_WEIGHTS))
    (directory / HEAD_CONFIG).write_text(json.dumps(asdict(head.config), indent=2) + "\n", encoding="utf-8")


def load_head(directory: Path) -> SafetyHead:
    config = SafetyHeadConfig(**json.loads((directory / HEAD_CONFIG).read_text(encoding="utf-8")))
    head = SafetyHead(config)
    head.load_state_dict(load_file(str(directory / HEAD_WEIGHTS)))
    return head.eval()


class HeadMismatchError(ValueError):
    """The safety head was trained for a model with another hidden size."""


def check_compatible(head: SafetyHead, directory: Path, *, hidden_size: int) -> None:
    """Refuse a head whose hidden size differs from the loaded LM's."""
    if head.config.hidden_size != hidden_size:
        raise HeadMismatchError(
            f"safety head in {directory} expects hidden size {head.config.hidden_size}, "
            f"but the base model has {hidden_size}; train a head for this model (so8t train-head)"
        )

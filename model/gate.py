"""Non-commutative SO(8) gate: two learned block rotations, R_safe then R_cmd, on hidden states.

The hidden vector is cut into 8-dim blocks; each block is rotated by ``R = R_cmd · R_safe`` where each
factor is the Cayley transform of a learned skew-symmetric 8×8 matrix, so it is orthogonal with
determinant +1 (in SO(8)) by construction and the identity when the parameters are zero. The gate is a
residual ``h + λ(R h − h)``: with zero parameters the model is unchanged. It sits on the input of a
decoder layer's attention output projection (``o_proj``), so it is a linear map right before a linear
layer and can be folded into that layer's weights for export (``W' = W · M``) with identical logits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

BLOCK = 8
_PAIRS = torch.triu_indices(BLOCK, BLOCK, offset=1)  # the 28 free entries of a skew-symmetric 8×8


@dataclass(frozen=True)
class GateConfig:
    width: int  # size of the gated vector (the o_proj input: num_heads × head_dim)
    layer: int  # decoder layer whose o_proj input is gated
    strength: float = 1.0  # λ in h + λ(R h − h)


def skew(params: torch.Tensor) -> torch.Tensor:
    """(n, 28) free parameters -> (n, 8, 8) skew-symmetric matrices."""
    a = params.new_zeros(params.shape[0], BLOCK, BLOCK)
    a[:, _PAIRS[0], _PAIRS[1]] = params
    return a - a.transpose(1, 2)


def cayley(a: torch.Tensor) -> torch.Tensor:
    """(n, 8, 8) skew-symmetric -> (n, 8, 8) rotations: R = (I − A)⁻¹(I + A), orthogonal, det +1."""
    eye = torch.eye(BLOCK, dtype=a.dtype, device=a.device).expand_as(a)
    return torch.linalg.solve(eye - a, eye + a)


class SO8Gate(nn.Module):
    def __init__(self, config: GateConfig) -> None:
        super().__init__()
        if config.width % BLOCK:
            raise ValueError(f"gate width {config.width} is not a multiple of {BLOCK}")
        self.config = config
        n = config.width // BLOCK
        self.safe = nn.Parameter(torch.zeros(n, _PAIRS.shape[1]))  # identity at start
        self.cmd = nn.Parameter(torch.zeros(n, _PAIRS.shape[1]))

    def rotations(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(R_safe, R_cmd), each (n_blocks, 8, 8), in fp32."""
        return cayley(skew(self.safe.float())), cayley(skew(self.cmd.float()))

    def block_matrix(self) -> torch.Tensor:
        """R = R_cmd · R_safe per block: R_safe is applied first. (n_blocks, 8, 8)"""
        r_safe, r_cmd = self.rotations()
        return r_cmd @ r_safe

    def dense(self) -> torch.Tensor:
        """The whole gate as one (width, width) matrix M with gate(h) = M h."""
        rot = torch.block_diag(*self.block_matrix())
        eye = torch.eye(self.config.width, dtype=rot.dtype, device=rot.device)
        return eye + self.config.strength * (rot - eye)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # h: (..., width) -> (..., width), computed in fp32 and returned in h's dtype
        x = h.float().unflatten(-1, (-1, BLOCK))  # (..., n_blocks, 8)
        rotated = torch.einsum("nij,...nj->...ni", self.block_matrix(), x).flatten(-2)
        return (h.float() + self.config.strength * (rotated - h.float())).to(h.dtype)


def _target(lm: Any, layer: int) -> nn.Linear:
    target: nn.Linear = lm.get_decoder().layers[layer].self_attn.o_proj
    return target


def attach(lm: Any, gate: SO8Gate) -> torch.utils.hooks.RemovableHandle:
    """Gate the input of ``o_proj`` in decoder layer ``gate.config.layer``; returns the hook handle."""
    target = _target(lm, gate.config.layer)
    if target.in_features != gate.config.width:
        raise ValueError(
            f"o_proj of layer {gate.config.layer} takes {target.in_features}, gate has "
            f"width {gate.config.width}"
        )
    return target.register_forward_pre_hook(lambda _m, args: (gate(args[0]), *args[1:]))


@torch.no_grad()
def fold(lm: Any, gate: SO8Gate) -> None:
    """Fold the gate into ``o_proj``'s weight (W' = W · M) so the model runs without the hook."""
    target = _target(lm, gate.config.layer)
    folded = target.weight.float() @ gate.dense().to(target.weight.device)
    target.weight.copy_(folded.to(target.weight.dtype))

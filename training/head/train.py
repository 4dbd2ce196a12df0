"""Training SafetyHeadB on frozen LM features: layer choice, source-balanced loss, temperature fit.

The LM stays frozen here (the full QLoRA trainer with the gate, PET and the LM loss lives in the
trainer module of a later step); only the small fp32 head learns, from the pooled hidden states that
:mod:`training.head.features` caches. The layer is chosen on the validation split, the softmax temperature
is fitted on it, and the test split is touched once, for the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from model.head import SafetyHead, SafetyHeadConfig
from model.labels import LABELS
from model.policy import PolicyConfig
from training.datasets.rows import SafetyRow
from training.eval.metrics import decision_report
from training.lora.losses import class_weights, refuse_allow_penalty, source_balanced_weights


@dataclass(frozen=True)
class HeadTrainConfig:
    epochs: int = 60
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.01
    mlp_size: int = 256
    dropout: float = 0.1
    seed: int = 0
    refuse_allow: float = 0.0  # the trainer's extra -log(1 - p(ALLOW)) on REFUSE rows, this weight


def row_weights(rows: Sequence[SafetyRow]) -> torch.Tensor:
    """Each (source, label) group weighs the same within its label; each label weighs the same overall
    (:func:`training.lora.losses.source_balanced_weights` with class weights "auto"; mean 1).

    Without this the head learns which benchmark a prompt came from rather than whether it is harmful.
    """
    labels = [r.label_index for r in rows]
    return source_balanced_weights(labels, [r.source for r in rows], class_weights(labels, "auto"))


def train_head(
    x: torch.Tensor,
    rows: Sequence[SafetyRow],
    layer: int,
    config: HeadTrainConfig,
    *,
    x_val: torch.Tensor,
    val_rows: Sequence[SafetyRow],
    policy: PolicyConfig,
    init: SafetyHead | None = None,
    weights: torch.Tensor | None = None,
    history: list[dict[str, float]] | None = None,
) -> tuple[SafetyHead, float]:
    """Train on (x, rows); keep the epoch with the best validation safety score. Returns (head, score).

    ``init`` warm-starts from a head's weights (same sizes; its temperature is reset to 1 and refitted by
    the caller), ``weights`` replaces :func:`row_weights`, and ``history`` (if given) receives one entry
    per epoch: ``step`` (the epoch), ``total`` (mean weighted loss), ``val_safety_score``.
    ``config.refuse_allow`` adds the trainer's extra penalty on p(ALLOW) of REFUSE rows
    (:func:`training.lora.losses.refuse_allow_penalty`) with that weight."""
    torch.manual_seed(config.seed)
    head = SafetyHead(
        SafetyHeadConfig(
            hidden_size=x.shape[1], layer=layer, mlp_size=config.mlp_size, dropout=config.dropout
        )
    )
    if init is not None:
        head.load_state_dict(init.state_dict())
    y = torch.tensor([r.label_index for r in rows])
    w = row_weights(rows) if weights is None else weights
    opt = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs)
    gen = torch.Generator().manual_seed(config.seed)
    best_state, best_score = None, -math.inf
    for epoch in range(config.epochs):
        head.train()
        losses = []
        for idx in torch.randperm(len(rows), generator=gen).split(config.batch_size):
            logits = head(x[idx])
            loss = (nn.functional.cross_entropy(logits, y[idx], reduction="none") * w[idx]).mean()
            if config.refuse_allow:
                loss = loss + config.refuse_allow * refuse_allow_penalty(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        sched.step()
        score = evaluate(head.eval(), x_val, val_rows, policy)["overall"]["safety_score"]
        if history is not None:
            history.append({"step": epoch + 1, "total": sum(losses) / len(losses), "val_safety_score": score})
        if score > best_score:
            best_score, best_state = score, {k: v.clone() for k, v in head.state_dict().items()}
    assert best_state is not None
    head.load_state_dict(best_state)
    return head.eval(), best_score


@torch.no_grad()
def fit_temperature(head: SafetyHead, x: torch.Tensor, rows: Sequence[SafetyRow]) -> float:
    """The softmax temperature that minimises validation NLL (grid search in log space)."""
    logits = head.eval()(x)
    y = torch.tensor([r.label_index for r in rows])
    grid = torch.exp(torch.linspace(math.log(0.25), math.log(8.0), 64))
    nll = [float(nn.functional.cross_entropy(logits / t, y)) for t in grid]
    return float(grid[min(range(len(grid)), key=nll.__getitem__)])


@torch.no_grad()
def evaluate(
    head: SafetyHead, x: torch.Tensor, rows: Sequence[SafetyRow], policy: PolicyConfig
) -> dict[str, Any]:
    """Metrics for the head + policy on rows: overall, by_lang, by_source, confusion."""
    probs = head.eval().probs(x)
    return decision_report(
        rows, [{label: float(p[i]) for i, label in enumerate(LABELS)} for p in probs], policy
    )

"""The trainer's composite loss, one pure function per term.

total = w_lm · LM(task_output tokens of ALLOW rows)
      + w_safety · CE_or_focal(safety head logits, label; class weights, or per-row source-balanced
                  weights with ``loss.source_balance``)
      + w_refuse_allow · mean over REFUSE rows of −log(1 − p(ALLOW))
      + pet_weight(step) · PET(hidden states of the head's layer)

Every term is a scalar fp32 tensor; a term with nothing to act on (no answer tokens, no REFUSE row) is
an exact zero so the batch still trains the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from model.labels import LABEL_INDEX, LABELS, Decision
from model.pet import pet_penalty
from training.lora.config import LossSettings

IGNORE = -100  # label of a token that carries no LM loss (prompt, padding, rows without an answer)
ALLOW = LABEL_INDEX[Decision.ALLOW]
REFUSE = LABEL_INDEX[Decision.REFUSE]


def next_token_targets(labels: torch.Tensor) -> torch.Tensor:
    """(batch, seq) token labels -> (batch, seq) targets: position t predicts label t+1, last = IGNORE."""
    return torch.cat([labels[:, 1:], labels.new_full((labels.shape[0], 1), IGNORE)], dim=1)


def lm_loss(
    hidden: torch.Tensor, labels: torch.Tensor, output_head: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Mean next-token cross-entropy over labelled tokens only.

    hidden (batch, seq, hidden) is the LM's final (normed) hidden state; ``output_head`` maps it to
    vocabulary logits. Only positions whose next token is labelled go through ``output_head``, so the
    (batch, seq, vocab) logits tensor is never built.
    """
    targets = next_token_targets(labels)
    keep = targets != IGNORE  # (batch, seq)
    if not bool(keep.any()):
        return hidden.new_zeros((), dtype=torch.float32)
    logits = output_head(hidden[keep]).float()  # (n_tokens, vocab)
    return nn.functional.cross_entropy(logits, targets[keep])


def class_weights(labels: Sequence[int], mode: str | Sequence[float]) -> torch.Tensor | None:
    """Per-class weights for the safety loss: "auto" = inverse frequency (mean 1 over the classes seen),
    "none" = unweighted, or three explicit numbers in label order (ALLOW, REFUSE, ESCALATE)."""
    if mode == "none":
        return None
    if not isinstance(mode, str):
        if len(mode) != len(LABELS):
            raise ValueError(f"class_weights needs {len(LABELS)} numbers, got {len(mode)}")
        return torch.tensor([float(w) for w in mode])
    counts = torch.bincount(torch.tensor(list(labels), dtype=torch.long), minlength=len(LABELS)).float()
    seen = counts > 0
    weights = torch.ones(len(LABELS))
    weights[seen] = 1.0 / counts[seen]
    weights[seen] = weights[seen] / weights[seen].mean()
    return weights


def source_balanced_weights(
    labels: Sequence[int], sources: Sequence[str], class_w: torch.Tensor | None
) -> torch.Tensor:
    """Per-row safety-loss weights over a training set, mean 1.

    Within each label every source weighs the same (a 3,000-row benchmark no more than a 300-row project
    set), and ``class_w`` (from :func:`class_weights`, or None) then weighs the labels. With class weights
    "auto" this is the frozen-feature head's balance (:func:`training.head.train.row_weights`): without it
    a head learns which source a prompt came from rather than whether it is harmful."""
    if len(labels) != len(sources):
        raise ValueError(f"{len(labels)} labels but {len(sources)} sources")
    groups = Counter(zip(sources, labels, strict=True))
    groups_per_label = Counter(label for _, label in groups)
    rows_per_label = Counter(labels)
    pairs = zip(sources, labels, strict=True)
    w = torch.tensor([rows_per_label[y] / (groups_per_label[y] * groups[(src, y)]) for src, y in pairs])
    if class_w is not None:
        w = w * class_w[torch.tensor(list(labels), dtype=torch.long)]
    return w / w.mean()


def safety_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    weights: torch.Tensor | None = None,
    gamma: float = 0.0,
    row_weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Class-weighted cross-entropy (gamma = 0) or focal loss (gamma > 0) of the safety head.

    logits (batch, 3), labels (batch,). With class ``weights``, normalised by the summed weights of the
    rows, like ``cross_entropy(weight=...)``, so gamma = 0 gives exactly the weighted cross-entropy.
    ``row_weights`` (batch,), from :func:`source_balanced_weights` (class weights folded in, mean 1 over
    the training set), replace ``weights`` and give the plain weighted mean: normalising them per
    micro-batch would undo the balance a batch of four rows is meant to carry.
    """
    logp = torch.log_softmax(logits.float(), dim=-1).gather(1, labels[:, None]).squeeze(1)  # (batch,)
    focal = (1.0 - logp.exp()).pow(gamma) if gamma > 0 else torch.ones_like(logp)
    if row_weights is not None:
        return -(row_weights.to(logp) * focal * logp).mean()
    w = weights.to(logits.device)[labels] if weights is not None else torch.ones_like(logp)
    return -(w * focal * logp).sum() / w.sum().clamp(min=1e-12)


def refuse_allow_penalty(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean of −log(1 − p(ALLOW)) over the REFUSE rows: an allowed harmful request costs the most.

    Computed as logsumexp(all logits) − logsumexp(non-ALLOW logits), stable however sure the head is.
    """
    refuse = labels == REFUSE
    if not bool(refuse.any()):
        return logits.new_zeros((), dtype=torch.float32)
    x = logits[refuse].float()  # (n_refuse, 3)
    others = torch.cat([x[:, :ALLOW], x[:, ALLOW + 1 :]], dim=1)
    return (torch.logsumexp(x, dim=-1) - torch.logsumexp(others, dim=-1)).mean()


@dataclass(frozen=True)
class LossTerms:
    total: torch.Tensor
    lm: torch.Tensor
    safety: torch.Tensor
    refuse_allow: torch.Tensor
    pet: torch.Tensor
    pet_weight: float

    def as_floats(self) -> dict[str, float]:
        """The values to log and plot (weights not applied, except in ``total``)."""
        return {
            "total": float(self.total.detach()),
            "lm": float(self.lm.detach()),
            "safety": float(self.safety.detach()),
            "refuse_allow": float(self.refuse_allow.detach()),
            "pet": float(self.pet.detach()),
            "pet_weight": self.pet_weight,
        }


def composite_loss(
    *,
    head_logits: torch.Tensor,
    safety_labels: torch.Tensor,
    final_hidden: torch.Tensor,
    lm_labels: torch.Tensor,
    output_head: Callable[[torch.Tensor], torch.Tensor],
    pet_hidden: torch.Tensor,
    attention_mask: torch.Tensor,
    settings: LossSettings,
    weights: torch.Tensor | None,
    step: int,
    total_steps: int,
    row_weights: torch.Tensor | None = None,
) -> LossTerms:
    """Every term and their weighted sum for one micro-batch (weights from ``settings``; ``row_weights``,
    when given, replace the class ``weights`` in the safety term)."""
    lm = lm_loss(final_hidden, lm_labels, output_head) if settings.lm > 0 else _zero(head_logits)
    safety = safety_loss(
        head_logits, safety_labels, weights=weights, gamma=settings.focal_gamma, row_weights=row_weights
    )
    refuse = refuse_allow_penalty(head_logits, safety_labels)
    pet_weight = settings.pet.schedule().weight(step, total_steps)
    pet = pet_penalty(pet_hidden, attention_mask)  # always computed: cheap, and logged in every phase
    total = settings.lm * lm + settings.safety * safety + settings.refuse_allow * refuse + pet_weight * pet
    return LossTerms(total=total, lm=lm, safety=safety, refuse_allow=refuse, pet=pet, pet_weight=pet_weight)


def _zero(like: torch.Tensor) -> torch.Tensor:
    return like.new_zeros((), dtype=torch.float32)

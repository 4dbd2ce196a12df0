"""Each term of the trainer's composite loss, on small hand-made tensors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from model.pet import pet_penalty
from training.datasets.rows import SafetyRow
from training.head.train import row_weights
from training.lora.config import LossSettings, PetSettings
from training.lora.losses import (
    IGNORE,
    class_weights,
    composite_loss,
    lm_loss,
    next_token_targets,
    refuse_allow_penalty,
    safety_loss,
    source_balanced_weights,
)

ALLOW, REFUSE, ESCALATE = 0, 1, 2


def test_lm_loss_counts_only_labelled_tokens_and_matches_full_cross_entropy() -> None:
    torch.manual_seed(0)
    head = nn.Linear(8, 11, bias=False)
    hidden = torch.randn(2, 6, 8)
    labels = torch.full((2, 6), IGNORE)
    labels[0, 3:] = torch.tensor([4, 7, 2])  # row 0: prompt of 3 tokens, answer of 3
    # (row 1 is a prompt only: no LM loss)
    targets = next_token_targets(labels)
    assert targets[0].tolist() == [IGNORE, IGNORE, 4, 7, 2, IGNORE]
    logits = head(hidden)
    reference = nn.functional.cross_entropy(logits[0, 2:5], torch.tensor([4, 7, 2]))
    assert lm_loss(hidden, labels, head).item() == pytest.approx(reference.item(), rel=1e-6)


def test_lm_loss_ignores_what_the_prompt_positions_predict() -> None:
    torch.manual_seed(1)
    head = nn.Linear(8, 11)
    hidden = torch.randn(1, 6, 8)
    labels = torch.tensor([[IGNORE, IGNORE, IGNORE, 5, 6, 7]])
    base = lm_loss(hidden, labels, head)
    prompt_changed = hidden.clone()
    prompt_changed[0, :2] = torch.randn(2, 8) * 10  # positions 0..1 predict prompt tokens only
    assert lm_loss(prompt_changed, labels, head).item() == pytest.approx(base.item(), rel=1e-6)
    answer_changed = hidden.clone()
    answer_changed[0, 3] += 5.0
    assert lm_loss(answer_changed, labels, head).item() != pytest.approx(base.item(), rel=1e-3)


def test_lm_loss_is_an_exact_zero_without_targets() -> None:
    hidden = torch.randn(2, 4, 8, requires_grad=True)
    assert lm_loss(hidden, torch.full((2, 4), IGNORE), nn.Linear(8, 5)).item() == 0.0


def test_safety_loss_gamma_zero_is_weighted_cross_entropy_and_focal_down_weights_easy_rows() -> None:
    logits = torch.tensor([[4.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.2, 0.1]])
    labels = torch.tensor([ALLOW, REFUSE, ESCALATE])
    w = torch.tensor([0.5, 2.0, 1.0])
    ce = nn.functional.cross_entropy(logits, labels, weight=w)
    assert safety_loss(logits, labels, weights=w).item() == pytest.approx(ce.item(), rel=1e-6)
    plain = nn.functional.cross_entropy(logits, labels)
    assert safety_loss(logits, labels).item() == pytest.approx(plain.item(), rel=1e-6)
    focal = safety_loss(logits, labels, gamma=2.0)
    assert focal.item() < plain.item()
    easy = torch.tensor([[9.0, 0.0, 0.0]])
    ratio = safety_loss(easy, torch.tensor([ALLOW]), gamma=2.0) / safety_loss(easy, torch.tensor([ALLOW]))
    p = torch.softmax(easy, -1)[0, 0].item()
    assert ratio.item() == pytest.approx((1 - p) ** 2, rel=1e-4)


def test_source_balanced_weights_give_every_source_of_a_label_the_same_share() -> None:
    labels = [ALLOW] * 6 + [ALLOW] * 2 + [REFUSE] * 4 + [ESCALATE] * 1
    sources = ["big"] * 6 + ["small"] * 2 + ["harm"] * 4 + ["seed"]
    w = source_balanced_weights(labels, sources, None)
    assert w.mean().item() == pytest.approx(1.0)
    big, small = w[:6].sum().item(), w[6:8].sum().item()
    assert big == pytest.approx(small)  # 6 rows of one source weigh what 2 rows of the other do
    assert big + small == pytest.approx(8 * w[8:12].mean().item())  # a label keeps its rows' share

    # with class weights "auto": 1 / ((source, label) groups of the label x rows of the group), mean 1 --
    # the frozen-feature head's balance (train_head.row_weights), row for row
    auto = source_balanced_weights(labels, sources, class_weights(labels, "auto"))
    expected = torch.tensor([1 / (2 * 6)] * 6 + [1 / (2 * 2)] * 2 + [1 / (1 * 4)] * 4 + [1 / (1 * 1)])
    assert torch.allclose(auto, expected / expected.mean(), rtol=1e-5)
    names = {ALLOW: "ALLOW", REFUSE: "REFUSE", ESCALATE: "ESCALATE"}
    rows = [
        SafetyRow(id=f"r{i}", prompt=f"p{i}", label=names[lab], lang="en", source=src)  # type: ignore[arg-type]
        for i, (lab, src) in enumerate(zip(labels, sources, strict=True))
    ]
    head = row_weights(rows)
    assert torch.allclose(auto, head / head.mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="labels but"):
        source_balanced_weights(labels, sources[:-1], None)


def test_row_weights_are_a_plain_weighted_mean_not_renormalised_per_batch() -> None:
    """A micro-batch of four rows carries the balance only if the weights are not divided out again."""
    logits = torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    labels = torch.tensor([ALLOW, ALLOW])
    per_row = -torch.log_softmax(logits, -1)[:, ALLOW]
    rw = torch.tensor([3.0, 0.5])
    got = safety_loss(logits, labels, row_weights=rw, weights=torch.tensor([9.0, 9.0, 9.0]))
    assert got.item() == pytest.approx(((rw * per_row).sum() / 2).item(), rel=1e-6)
    one = safety_loss(logits[:1], labels[:1], row_weights=rw[:1])  # a heavy row alone still weighs 3
    assert one.item() == pytest.approx(3.0 * per_row[0].item(), rel=1e-6)


def test_class_weights_auto_balance_the_classes_seen() -> None:
    w = class_weights([ALLOW] * 6 + [REFUSE] * 3 + [ESCALATE] * 1, "auto")
    assert w is not None
    assert (w[ALLOW] * 6).item() == pytest.approx((w[REFUSE] * 3).item())
    assert (w[ESCALATE] * 1).item() == pytest.approx((w[REFUSE] * 3).item())
    assert w.mean().item() == pytest.approx(1.0)
    no_escalate = class_weights([ALLOW, ALLOW, REFUSE], "auto")
    assert no_escalate is not None and no_escalate[ESCALATE].item() == 1.0
    assert class_weights([ALLOW], "none") is None
    explicit = class_weights([ALLOW], (1.0, 3.0, 2.0))
    assert explicit is not None and explicit.tolist() == [1.0, 3.0, 2.0]


def test_refuse_allow_penalty_is_minus_log_one_minus_p_allow_on_refuse_rows_only() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0], [5.0, 0.0, 0.0]])
    labels = torch.tensor([REFUSE, REFUSE, ALLOW])
    p_allow = torch.softmax(logits, -1)[:, ALLOW]
    expected = -(torch.log(1 - p_allow[0]) + torch.log(1 - p_allow[1])) / 2
    assert refuse_allow_penalty(logits, labels).item() == pytest.approx(expected.item(), rel=1e-5)
    assert refuse_allow_penalty(logits, torch.tensor([ALLOW, ESCALATE, ALLOW])).item() == 0.0
    sure = refuse_allow_penalty(torch.tensor([[80.0, 0.0, 0.0]]), torch.tensor([REFUSE]))
    assert math.isfinite(sure.item()) and sure.item() == pytest.approx(80.0 - math.log(2), rel=1e-5)  # no inf


def test_composite_loss_sums_the_weighted_terms_and_follows_the_pet_phase() -> None:
    torch.manual_seed(2)
    head = nn.Linear(8, 13)
    hidden = torch.randn(2, 5, 8)
    labels = torch.full((2, 5), IGNORE)
    labels[0, 3:] = torch.tensor([1, 2])
    mask = torch.ones(2, 5)
    logits = torch.randn(2, 3)
    y = torch.tensor([ALLOW, REFUSE])
    settings = LossSettings(
        lm=0.5,
        safety=2.0,
        refuse_allow=3.0,
        pet=PetSettings(warmup_fraction=0.5, final_fraction=0.9, main_weight=0.1, final_weight=0.01),
    )

    def at(step: int) -> dict[str, float]:
        return composite_loss(
            head_logits=logits,
            safety_labels=y,
            final_hidden=hidden,
            lm_labels=labels,
            output_head=head,
            pet_hidden=hidden,
            attention_mask=mask,
            settings=settings,
            weights=None,
            step=step,
            total_steps=10,
        ).as_floats()

    warm, main = at(0), at(6)
    assert warm["pet_weight"] == 0.0 and main["pet_weight"] == 0.1 and at(9)["pet_weight"] == 0.01
    assert warm["pet"] == pytest.approx(pet_penalty(hidden, mask).item(), rel=1e-6)
    expected = 0.5 * main["lm"] + 2.0 * main["safety"] + 3.0 * main["refuse_allow"] + 0.1 * main["pet"]
    assert main["total"] == pytest.approx(expected, rel=1e-6)
    assert warm["total"] == pytest.approx(expected - 0.1 * main["pet"], rel=1e-6)

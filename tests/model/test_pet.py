from __future__ import annotations

import pytest
import torch

from model.pet import PETSchedule, pet_penalty


def test_straight_trajectories_cost_nothing() -> None:
    t = torch.arange(6, dtype=torch.float32)[None, :, None]  # (1, 6, 1)
    hidden = torch.cat([t * 2.0 + 1.0, torch.ones_like(t) * 5.0, -t], dim=-1)  # linear in t per dim
    assert pet_penalty(hidden, torch.ones(1, 6)) == pytest.approx(0.0, abs=1e-7)


def test_curvature_is_penalised_by_the_expected_amount() -> None:
    hidden = torch.tensor([[[0.0], [1.0], [0.0], [1.0]]])  # second differences: -2, +2
    assert pet_penalty(hidden, torch.ones(1, 4)).item() == pytest.approx(4.0)


def test_padding_is_masked_whatever_it_holds() -> None:
    real = torch.tensor([[[0.0], [1.0], [4.0]]])  # one valid window, d2 = 2 -> penalty 4
    padded = torch.cat([torch.full((1, 2, 1), 1e6), real], dim=1)  # left padding with garbage
    mask = torch.tensor([[0, 0, 1, 1, 1]])
    assert pet_penalty(padded, mask).item() == pytest.approx(4.0)
    assert pet_penalty(real, torch.ones(1, 3)).item() == pytest.approx(4.0)


def test_short_or_empty_sequences_give_zero_and_gradients_flow() -> None:
    assert pet_penalty(torch.randn(2, 2, 4), torch.ones(2, 2)).item() == 0.0
    assert pet_penalty(torch.randn(1, 4, 4), torch.zeros(1, 4)).item() == 0.0
    hidden = torch.randn(2, 5, 8, requires_grad=True)
    pet_penalty(hidden, torch.ones(2, 5)).backward()
    assert hidden.grad is not None and hidden.grad.abs().sum() > 0


def test_schedule_follows_the_training_phase() -> None:
    s = PETSchedule(
        warmup_fraction=0.1, final_fraction=0.8, warmup_weight=0.0, main_weight=0.01, final_weight=0.002
    )
    assert [s.weight(step, 100) for step in (0, 9, 10, 79, 80, 100)] == [0.0, 0.0, 0.01, 0.01, 0.002, 0.002]
    with pytest.raises(ValueError):
        PETSchedule(warmup_fraction=0.9, final_fraction=0.5)

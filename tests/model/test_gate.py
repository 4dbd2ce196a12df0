from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.gate import GateConfig, SO8Gate, attach, cayley, fold, skew
from model.loading import LoadConfig, load_causal_lm


def random_gate(width: int = 64, layer: int = 0, seed: int = 0, strength: float = 0.7) -> SO8Gate:
    gate = SO8Gate(GateConfig(width=width, layer=layer, strength=strength))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        gate.safe.copy_(torch.randn(gate.safe.shape, generator=g))
        gate.cmd.copy_(torch.randn(gate.cmd.shape, generator=g))
    return gate


def test_each_rotation_is_in_so8() -> None:
    r_safe, r_cmd = random_gate().rotations()
    eye = torch.eye(8).expand_as(r_safe)
    for r in (r_safe, r_cmd):
        assert torch.allclose(r @ r.transpose(1, 2), eye, atol=1e-5)
        assert torch.allclose(torch.linalg.det(r), torch.ones(r.shape[0]), atol=1e-5)


def test_skew_and_cayley_basics() -> None:
    a = skew(torch.randn(3, 28))
    assert torch.allclose(a, -a.transpose(1, 2))
    assert torch.allclose(cayley(torch.zeros(2, 8, 8)), torch.eye(8).expand(2, 8, 8))


def test_the_two_rotations_do_not_commute_and_order_matters() -> None:
    gate = random_gate()
    r_safe, r_cmd = gate.rotations()
    assert not torch.allclose(r_cmd @ r_safe, r_safe @ r_cmd, atol=1e-3)
    assert torch.allclose(gate.block_matrix(), r_cmd @ r_safe)  # R_safe first, then R_cmd


def test_forward_matches_the_dense_matrix_and_is_identity_at_start() -> None:
    gate = random_gate()
    h = torch.randn(2, 5, 64)
    assert torch.allclose(gate(h), h @ gate.dense().T, atol=1e-5)
    fresh = SO8Gate(GateConfig(width=64, layer=0))
    assert torch.equal(fresh(h), h)


def test_width_must_be_a_multiple_of_eight() -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        SO8Gate(GateConfig(width=60, layer=0))


@pytest.fixture
def lm(tiny_model_dir: Path) -> object:
    model, _ = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    return model


def test_untrained_gate_leaves_the_model_unchanged(lm: object) -> None:
    ids = torch.tensor([[5, 17, 42, 99, 3]])
    with torch.no_grad():
        before = lm(input_ids=ids).logits  # type: ignore[operator]
        handle = attach(lm, SO8Gate(GateConfig(width=64, layer=1)))
        after = lm(input_ids=ids).logits  # type: ignore[operator]
    handle.remove()
    assert torch.equal(before, after)


def test_gate_changes_the_model_and_folding_reproduces_it(lm: object) -> None:
    ids = torch.tensor([[5, 17, 42, 99, 3, 7, 11]])
    gate = random_gate(layer=1)
    with torch.no_grad():
        plain = lm(input_ids=ids).logits  # type: ignore[operator]
        handle = attach(lm, gate)
        gated = lm(input_ids=ids).logits  # type: ignore[operator]
        handle.remove()
        fold(lm, gate)
        folded = lm(input_ids=ids).logits  # type: ignore[operator]
    assert not torch.allclose(plain, gated, atol=1e-4)
    assert torch.allclose(folded, gated, atol=1e-5)


def test_gradients_reach_both_rotations(lm: object) -> None:
    gate = random_gate(layer=0)
    handle = attach(lm, gate)
    try:
        lm(input_ids=torch.tensor([[5, 17, 42]])).logits.sum().backward()  # type: ignore[operator]
    finally:
        handle.remove()
    assert gate.safe.grad is not None and gate.safe.grad.abs().sum() > 0
    assert gate.cmd.grad is not None and gate.cmd.grad.abs().sum() > 0

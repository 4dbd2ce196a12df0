from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.head import (
    HeadMismatchError,
    SafetyHead,
    SafetyHeadConfig,
    check_compatible,
    load_head,
    pool_last_token,
    save_head,
)


def test_head_outputs_three_fp32_logits_and_probabilities() -> None:
    head = SafetyHead(SafetyHeadConfig(hidden_size=32)).eval()
    pooled = torch.randn(5, 32, dtype=torch.bfloat16)
    logits = head(pooled)
    assert logits.shape == (5, 3) and logits.dtype == torch.float32
    probs = head.probs(pooled)
    assert torch.allclose(probs.sum(-1), torch.ones(5), atol=1e-6)


def test_temperature_flattens_probabilities() -> None:
    torch.manual_seed(0)
    sharp = SafetyHead(SafetyHeadConfig(hidden_size=16, temperature=1.0)).eval()
    flat = SafetyHead(SafetyHeadConfig(hidden_size=16, temperature=4.0)).eval()
    flat.load_state_dict(sharp.state_dict())
    x = torch.randn(8, 16) * 10
    assert (flat.probs(x).max(-1).values <= sharp.probs(x).max(-1).values + 1e-6).all()


@pytest.mark.parametrize("side", ["left", "right"])
def test_pool_last_token_picks_last_real_token(side: str) -> None:
    hidden = torch.arange(2 * 4 * 3, dtype=torch.float32).reshape(2, 4, 3)
    if side == "left":
        mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    else:
        mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    pooled = pool_last_token(hidden, mask)
    expected_row0 = hidden[0, 3] if side == "left" else hidden[0, 1]
    assert torch.equal(pooled[0], expected_row0)
    assert torch.equal(pooled[1], hidden[1, 3])


def test_save_load_round_trip(tmp_path: Path) -> None:
    head = SafetyHead(SafetyHeadConfig(hidden_size=16, layer=5, temperature=1.7)).eval()
    save_head(head, tmp_path / "h")
    loaded = load_head(tmp_path / "h")
    assert loaded.config == head.config
    x = torch.randn(3, 16)
    assert torch.allclose(loaded.probs(x), head.probs(x))


def test_a_head_for_another_hidden_size_is_refused(tmp_path: Path) -> None:
    head = SafetyHead(SafetyHeadConfig(hidden_size=16))
    with pytest.raises(HeadMismatchError, match="hidden size 16"):
        check_compatible(head, tmp_path, hidden_size=32)
    check_compatible(head, tmp_path, hidden_size=16)

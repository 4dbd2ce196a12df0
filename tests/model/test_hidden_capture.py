from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.hidden_capture import capture_hidden_states, hidden_state_module
from model.loading import LoadConfig, load_causal_lm
from model.prompt import encode_prompts
from training.head.features import pooled_states


@pytest.fixture(scope="module")
def lm_and_tokenizer(tiny_model_dir: Path) -> tuple[torch.nn.Module, object]:
    return load_causal_lm(LoadConfig(name_or_path=str(tiny_model_dir)))  # type: ignore[return-value]


@pytest.mark.parametrize("layers", [[0], [1], [2, 1], [-1], [1, -1]])
def test_captured_states_equal_hidden_states_and_the_forward_stops_at_the_highest(
    lm_and_tokenizer: tuple[torch.nn.Module, object], layers: list[int]
) -> None:
    lm, tokenizer = lm_and_tokenizer
    pairs = [("", "Please draft a short email"), ("You help HR.", "休暇の申請方法は？")]
    batch = encode_prompts(tokenizer, pairs)
    n = len(lm.get_decoder().layers)  # type: ignore[operator]
    ran: list[int] = []
    hooks = [
        block.register_forward_hook(lambda *_, i=i: ran.append(i))
        for i, block in enumerate(lm.get_decoder().layers)  # type: ignore[operator]
    ]
    try:
        with torch.inference_mode():
            got = capture_hidden_states(lm, batch, layers)
    finally:
        for hook in hooks:
            hook.remove()
    highest = max(layer % (n + 1) for layer in layers)
    assert ran == list(range(highest if highest < n else n))  # no decoder layer above the highest
    with torch.inference_mode():
        reference = lm(**batch, output_hidden_states=True).hidden_states
    assert set(got) == set(layers)
    for layer in layers:
        torch.testing.assert_close(got[layer], reference[layer], rtol=0, atol=1e-6)
    # the pooled features used to train heads are the same states, taken at the last prompt token
    pooled = pooled_states(lm, tokenizer, pairs, layers)
    for layer in layers:
        torch.testing.assert_close(pooled[layer], reference[layer][:, -1, :].float(), rtol=0, atol=1e-6)


def test_a_layer_that_does_not_exist_is_a_clear_error(
    lm_and_tokenizer: tuple[torch.nn.Module, object],
) -> None:
    lm, _ = lm_and_tokenizer
    n = len(lm.get_decoder().layers)  # type: ignore[operator]
    with pytest.raises(IndexError, match=f"{n} layers"):
        hidden_state_module(lm, n + 1)


def test_a_feature_cache_of_other_layers_is_refused_not_wiped(
    tmp_path: Path, lm_and_tokenizer: tuple[torch.nn.Module, object]
) -> None:
    from training.datasets.rows import SafetyRow
    from training.head.features import FeatureCacheError, cache_file, extract

    lm, tokenizer = lm_and_tokenizer
    rows = [
        SafetyRow(id=f"r{i}", prompt=f"request {i}", label="ALLOW", lang="en", source="s") for i in range(3)
    ]
    path = cache_file(tmp_path, "tiny", [1])
    assert path.name == "tiny-L1.pt"
    first = extract(lm, tokenizer, rows, layers=[1], cache_file=path)
    with pytest.raises(FeatureCacheError, match="holds layers"):
        extract(lm, tokenizer, rows, layers=[2], cache_file=path)
    written = path.stat().st_mtime_ns
    again = extract(lm, tokenizer, rows, layers=[1], cache_file=path)  # still there, nothing recomputed
    torch.testing.assert_close(again[1], first[1])
    # nothing new: the file is not rewritten (two LOSO runs sharing a cache once raced on that rename)
    assert path.stat().st_mtime_ns == written and not list(tmp_path.glob("*.tmp"))

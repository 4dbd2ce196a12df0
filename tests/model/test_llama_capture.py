"""A middle-layer head on llama.cpp: the layer read inside the one prefill equals transformers' state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from model.gguf.capture import layer_tensor
from model.gguf.export import ExportConfig, export_gguf
from model.gguf.runtime import LlamaCppRuntime, load_llama_runtime
from model.labels import Decision
from model.prompt import Turn, render_prompt
from tests.gguf_helpers import (
    HIDDEN,
    PROMPTS,
    build_model,
    gated_artifact,
    tokenizer_sha,
    transformers_runtime,
)

LAYER = 1  # hidden_states[1]: the output of decoder layer 0 of the tiny model's 2 (llama.cpp: l_out-0)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("capture")
    model_dir = build_model(root)
    # the gate on layer 0 is folded into layer 0's o_proj, so the state read includes it
    artifact = gated_artifact(root / "artifact", tokenizer_sha256=tokenizer_sha(model_dir), head_layer=LAYER,
                              gate_layer=0, head_seed=11, gate_seed=7)  # fmt: skip
    config = ExportConfig(
        base=str(model_dir), artifact_dir=artifact, head_dir=artifact, out_dir=root / "out", quants=("f16",)
    )
    files = {f.quant: f.gguf for f in export_gguf(config, progress=lambda _msg: None)}
    return {"model": model_dir, "artifact": artifact, "root": root, **files}


@pytest.fixture(scope="module")
def llama(setup: dict[str, Path]) -> LlamaCppRuntime:
    runtime, _ = load_llama_runtime(setup["f16"], max_prompt_tokens=256, max_new_tokens=32, threads=2)
    return runtime


@pytest.fixture(scope="module")
def torch_runtime(setup: dict[str, Path]) -> Any:
    return transformers_runtime(setup["model"], setup["artifact"])


def test_the_head_layer_maps_to_the_graph_tensor() -> None:
    assert layer_tensor(1, 24) == "l_out-0" and layer_tensor(16, 24) == "l_out-15"
    assert layer_tensor(-1, 24) is None and layer_tensor(24, 24) is None  # the embeddings output
    for bad in (0, 25, -2):
        with pytest.raises(ValueError, match=r"cannot be served by llama\.cpp"):
            layer_tensor(bad, 24)


def test_the_state_read_equals_transformers_hidden_state(llama: LlamaCppRuntime, torch_runtime: Any) -> None:
    assert llama.engine.layer_name == "l_out-0"
    for context, request in PROMPTS:
        ids = llama.tokenizer(render_prompt(llama.tokenizer, context, request), add_special_tokens=False)
        with torch.no_grad():
            hf = torch_runtime.lm(torch.tensor([ids["input_ids"]]), output_hidden_states=True)
        expected = hf.hidden_states[LAYER][0, -1].float()
        with llama.lock:
            llama.engine.claim(None)
            got, _ = llama.engine.prefill_seqs([ids["input_ids"]])
        cosine = torch.nn.functional.cosine_similarity(got[0], expected, dim=0)
        assert cosine > 0.9999, (request, float(cosine))
        torch.testing.assert_close(got[0], expected, atol=0.02 * float(expected.abs().max()), rtol=0.01)
        assert not torch.allclose(got[0], hf.hidden_states[-1][0, -1], atol=0.1)  # not the final layer


def test_probabilities_and_decisions_match_transformers(llama: LlamaCppRuntime, torch_runtime: Any) -> None:
    tops = set()
    for context, request in PROMPTS:
        ours, theirs = torch_runtime.prefill(context, request).probs, llama.prefill(context, request).probs
        assert max(abs(ours[d] - theirs[d]) for d in Decision) < 0.03, (request, ours, theirs)
        top = max(ours, key=lambda d: ours[d])
        assert top == max(theirs, key=lambda d: theirs[d])
        tops.add(top)
    assert len(tops) >= 2  # the random head separates the prompts: agreement is not trivial


def test_one_pass_over_the_prompt_and_no_capture_while_decoding(llama: LlamaCppRuntime) -> None:
    engine = llama.engine
    fed: list[int] = []
    decode = engine.decode

    def counting(items: Any, *, outputs: bool) -> None:
        fed.extend(token for token, _pos, _seq in items)
        decode(items, outputs=outputs)

    engine.decode = counting  # type: ignore[method-assign]
    try:
        prefill = llama.prefill(*PROMPTS[0])
        assert fed == prefill.input_ids[0].tolist()  # every prompt token decoded exactly once
        assert engine.captured["l_out-0"].shape == (1, HIDDEN)
        before = engine.captured
        fed.clear()
        llama.generate(prefill, llama_config(4))
        assert fed == prefill.fed and fed and engine.captured is before  # answer steps read no state
        assert engine.capture is not None and not engine.capture.armed
    finally:
        del engine.decode


def llama_config(n: int) -> Any:
    from model.runtime import GenerationConfig

    return GenerationConfig(max_new_tokens=n, ignore_eos=True)


def test_batched_judging_reads_each_sequence_its_own_row(llama: LlamaCppRuntime) -> None:
    batched = llama.judge_batch(PROMPTS)
    singles = [llama.prefill(c, r).probs for c, r in PROMPTS]
    for one, many in zip(singles, batched, strict=True):
        assert max(abs(one[d] - many[d]) for d in Decision) < 1e-3
    assert len({round(p[Decision.ALLOW], 4) for p in singles}) == len(PROMPTS)  # rows really differ


def test_a_conversation_turn_reads_the_layer_after_the_kept_prefix(llama: LlamaCppRuntime) -> None:
    first = llama.prefill_turn("", "Please draft a short email to my team")
    answer = llama.generate(first, llama_config(6))
    llama.keep(first, "conv")
    history = [Turn("Please draft a short email to my team", answer)]
    second = llama.prefill_turn("", "Now make it shorter", history=history, key="conv")
    full = llama.prefill_turn("", "Now make it shorter", history=history)
    assert second.reused_tokens > 0 and full.reused_tokens == 0
    assert max(abs(second.probs[d] - full.probs[d]) for d in Decision) < 1e-3

"""The llama.cpp backend on the tiny model: same probabilities and decisions as transformers, KV isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.gguf.export import ExportConfig, export_gguf
from model.gguf.runtime import LlamaCppRuntime, load_llama_runtime
from model.labels import Decision
from model.runtime import DualHeadRuntime, GenerationConfig, Prefill, PromptTooLongError, Runtime
from tests.gguf_helpers import PROMPTS, build_model, gated_artifact, tokenizer_sha, transformers_runtime

GREEDY = GenerationConfig(max_new_tokens=12, ignore_eos=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("llama")
    model_dir = build_model(root)
    artifact = gated_artifact(root / "artifact", tokenizer_sha256=tokenizer_sha(model_dir))
    config = ExportConfig(
        base=str(model_dir),
        artifact_dir=artifact,
        head_dir=artifact,
        out_dir=root / "out",
        quants=("f16", "q4_k_s"),
    )
    files = {f.quant: f.gguf for f in export_gguf(config, progress=lambda _msg: None)}
    return {"model": model_dir, "artifact": artifact, **files}


@pytest.fixture(scope="module")
def f16(setup: dict[str, Path]) -> LlamaCppRuntime:
    runtime, _ = load_llama_runtime(setup["f16"], max_prompt_tokens=256, max_new_tokens=32, threads=2)
    return runtime


@pytest.fixture(scope="module")
def torch_runtime(setup: dict[str, Path]) -> object:
    return transformers_runtime(setup["model"], setup["artifact"])


def _top(probs: dict[Decision, float]) -> Decision:
    return max(probs, key=lambda d: probs[d])


def test_probabilities_and_decisions_match_the_transformers_runtime(
    f16: LlamaCppRuntime, torch_runtime
) -> None:
    decisions = set()
    for context, request in PROMPTS:
        ours = torch_runtime.prefill(context, request).probs
        theirs = f16.prefill(context, request).probs
        assert max(abs(ours[d] - theirs[d]) for d in Decision) < 0.03, (request, ours, theirs)
        assert _top(ours) == _top(theirs)
        decisions.add(_top(ours))
    assert len(decisions) >= 2  # the random head really separates the prompts: parity is not trivial


def test_quantised_backend_loads_and_decides(setup: dict[str, Path], torch_runtime) -> None:
    q4, side = load_llama_runtime(setup["q4_k_s"], max_prompt_tokens=256, threads=2)
    assert side.quantization == "q4_k_s"
    agree = sum(_top(q4.prefill(c, r).probs) == _top(torch_runtime.prefill(c, r).probs) for c, r in PROMPTS)
    assert agree >= len(PROMPTS) - 1
    q4.close()


def test_batched_judging_equals_one_by_one(f16: LlamaCppRuntime) -> None:
    batched = f16.judge_batch(PROMPTS)
    for (context, request), probs in zip(PROMPTS, batched, strict=True):
        single = f16.prefill(context, request).probs
        assert max(abs(single[d] - probs[d]) for d in Decision) < 1e-3


FEED = [7, 42, 99, 3, 250, 11]  # fixed answer tokens, so the check does not hinge on what greedy picks


def _steps(runtime: LlamaCppRuntime, prefill: Prefill, tokens: list[int]) -> list[torch.Tensor]:
    out = [prefill.next_logits[0]]
    for token in tokens:
        with runtime.lock:
            out.append(runtime.engine.step(token, prefill.cache)[0])
    return out


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.allclose(x, y, atol=1e-3) for x, y in zip(a, b, strict=True))


def test_each_request_keeps_its_own_kv_cache_when_interleaved(f16: LlamaCppRuntime, torch_runtime) -> None:
    (ca, ra), (cb, rb) = PROMPTS[:2]
    solo_a, solo_b = _steps(f16, f16.prefill(ca, ra), FEED), _steps(f16, f16.prefill(cb, rb), FEED)
    assert not torch.allclose(solo_a[-1], solo_b[-1], atol=1e-2)  # the two contexts really differ
    a, b = f16.prefill(ca, ra), f16.prefill(cb, rb)  # b's prefill evicts a: a's cache is saved aside
    got_a, got_b = [a.next_logits[0]], [b.next_logits[0]]
    for i, token in enumerate(FEED):
        with f16.lock:
            got_a.append(f16.engine.step(token, a.cache)[0])
        if i == 2:
            f16.judge_batch(PROMPTS[2:])  # a judge pass in between clears the context
        with f16.lock:
            got_b.append(f16.engine.step(token, b.cache)[0])
    assert _same(got_a, solo_a) and _same(got_b, solo_b)
    # the llama.cpp decode matches transformers step by step (same prompt ids, folded gate)
    ref = torch_runtime.prefill(ca, ra)
    ids = torch.cat([ref.input_ids, torch.tensor([FEED])], dim=1)
    with torch.no_grad():
        hf = torch_runtime.lm(input_ids=ids).logits[0, ref.input_ids.shape[1] - 1 :]
    assert all(torch.allclose(hf[i], solo_a[i], atol=0.05) for i in range(len(FEED) + 1))


def test_batch_prefill_and_micro_batch_split(f16: LlamaCppRuntime) -> None:
    solo = [_steps(f16, f16.prefill(c, r), FEED[:3]) for c, r in PROMPTS[:3]]
    batch = f16.prefill_batch(PROMPTS[:3])
    for i in (0, 2):
        mask = batch.attention_mask[i : i + 1]
        row = Prefill(mask, mask, batch.cache[i], batch.next_logits[i : i + 1], batch.probs[i])
        assert _same(_steps(f16, row, FEED[:3]), solo[i])
    many = f16.prefill_many(PROMPTS[:2])
    assert all(_same(_steps(f16, p, FEED[:3]), solo[i]) for i, p in enumerate(many))
    answers = f16.generate_batch(f16.prefill_batch(PROMPTS[:3]), [0, 2], GREEDY)
    assert answers == [f16.generate(f16.prefill(c, r), GREEDY) for c, r in (PROMPTS[0], PROMPTS[2])]


def test_prompt_limit_is_enforced(f16: LlamaCppRuntime) -> None:
    with pytest.raises(PromptTooLongError):
        f16.prefill("", "word " * 400)


def test_the_llama_backend_serves_the_runtime_contract(f16: LlamaCppRuntime) -> None:
    served: Runtime = f16  # structurally: LlamaCppRuntime does not inherit DualHeadRuntime
    assert isinstance(served, Runtime) and not isinstance(f16, DualHeadRuntime)
    context, request = PROMPTS[0]
    assert "".join(f16.stream(f16.prefill(context, request), GREEDY)) == f16.generate(
        f16.prefill(context, request), GREEDY
    )
    assert (
        f16.judge_answer(context, request, "an answer")
        == f16.judge_answers([(context, request, "an answer")])[0]
    )


def test_a_conversation_turn_continues_from_the_kept_sequence(f16: LlamaCppRuntime) -> None:
    """llama.cpp keeps a turn's sequence state (``llama_state_seq_get_data``); the next turn restores it,
    trims it to the common prefix and decodes only the rest: the same probabilities, logits and answer as
    a full prefill of the conversation."""
    from model.prompt import Turn

    first = f16.prefill_turn("", "Please draft a short email to my team")
    answer = f16.generate(first, GREEDY)
    f16.keep(first, "conv")
    history = [Turn("Please draft a short email to my team", answer)]
    second = f16.prefill_turn("", "Now make it shorter", history=history, key="conv")
    interleaved = f16.prefill("", "an unrelated request in between")  # another request takes the context
    f16.generate(interleaved, GREEDY)
    full = f16.prefill_turn("", "Now make it shorter", history=history)
    assert second.reused_tokens > first.prompt_tokens and full.reused_tokens == 0
    assert max(abs(second.probs[d] - full.probs[d]) for d in Decision) < 1e-3
    torch.testing.assert_close(second.next_logits, full.next_logits, atol=1e-2, rtol=1e-3)
    assert f16.generate(second, GREEDY) == f16.generate(full, GREEDY)

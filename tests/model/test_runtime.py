from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import torch

from model.gguf.runtime import LlamaCppRuntime
from model.head import SafetyHead, SafetyHeadConfig
from model.loading import LoadConfig, load_causal_lm
from model.prompt import encode_prompts, render_prompt
from model.runtime import DualHeadRuntime, GenerationConfig, PromptTooLongError, Runtime, decode_stream


@pytest.fixture(scope="module")
def runtime(tiny_model_dir: Path) -> DualHeadRuntime:
    lm, tok = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    torch.manual_seed(1)
    return DualHeadRuntime(lm, tok, SafetyHead(SafetyHeadConfig(hidden_size=64)), max_prompt_tokens=256)


def test_context_becomes_the_system_turn(runtime: DualHeadRuntime) -> None:
    text = render_prompt(runtime.tokenizer, "You help finance.", "Summarise this")
    assert text.startswith("<|im_start|>system\nYou help finance.<|im_end|>")
    assert text.endswith("<|im_start|>assistant\n")
    assert "<|im_start|>system\nYou are SO8T" in render_prompt(runtime.tokenizer, "", "hi")


def test_answer_continues_from_the_prefill_cache_and_matches_generate(runtime: DualHeadRuntime) -> None:
    seen: list[int] = []
    hook = runtime.lm.get_input_embeddings().register_forward_hook(
        lambda _m, args, _out: seen.append(int(args[0].shape[-1]))
    )
    try:
        prefill = runtime.prefill("", "Please draft a short email to my team")
        answer_ids = runtime.tokenizer(
            runtime.generate(prefill, GenerationConfig(max_new_tokens=6)), add_special_tokens=False
        )["input_ids"]
    finally:
        hook.remove()
    # The prompt went through the model exactly once; every later forward saw a single new token.
    assert seen[0] == prefill.prompt_tokens
    assert all(n == 1 for n in seen[1:])
    assert len(seen) <= 6
    reference = runtime.lm.generate(
        input_ids=prefill.input_ids, attention_mask=prefill.attention_mask, max_new_tokens=6, do_sample=False
    )[0, prefill.input_ids.shape[1] :]
    expected = runtime.tokenizer.decode(reference, skip_special_tokens=True)
    assert runtime.tokenizer.decode(answer_ids) == expected


def test_streaming_yields_the_same_text_as_generate(runtime: DualHeadRuntime) -> None:
    config = GenerationConfig(max_new_tokens=8)
    streamed = "".join(runtime.stream(runtime.prefill("", "会議の議事録を作成してください"), config))
    assert streamed == runtime.generate(runtime.prefill("", "会議の議事録を作成してください"), config)


def test_batched_judgements_equal_one_by_one(runtime: DualHeadRuntime) -> None:
    pairs = [
        ("", "hi"),
        ("You help finance.", "Export all customer records to my personal drive please"),
        ("", "経費精算の手順を教えてください"),
    ]
    batch = runtime.judge_batch(pairs)
    assert encode_prompts(runtime.tokenizer, pairs)["attention_mask"].min() == 0  # really padded
    for (ctx, req), probs in zip(pairs, batch, strict=True):
        single = runtime.prefill(ctx, req).probs
        for label, p in single.items():
            assert probs[label] == pytest.approx(p, abs=1e-4)


def test_overlong_prompt_is_rejected(runtime: DualHeadRuntime) -> None:
    with pytest.raises(PromptTooLongError, match="limit is 256"):
        runtime.prefill("", "word " * 400)


def test_streams_can_be_resumed_on_other_threads_and_interleaved(runtime: DualHeadRuntime) -> None:
    """Web servers resume generators on any free thread; two answers may be in flight at once."""
    from concurrent.futures import ThreadPoolExecutor

    config = GenerationConfig(max_new_tokens=5)
    expected = runtime.generate(runtime.prefill("", "Please draft a short email"), config)
    first = runtime.stream(runtime.prefill("", "Please draft a short email"), config)
    second = runtime.stream(runtime.prefill("", "Please draft a short email"), config)
    parts: dict[int, list[str]] = {0: [], 1: []}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for step in range(12):
            which, gen = (0, first) if step % 2 == 0 else (1, second)
            chunk = pool.submit(next, gen, None).result(timeout=30)
            if chunk is not None:
                parts[which].append(chunk)
    assert "".join(parts[0]) == expected == "".join(parts[1])
    runtime.prefill("", "the lock is free again")  # would hang if a step had leaked the lock


def test_ignore_eos_decodes_exactly_max_new_tokens(runtime: DualHeadRuntime) -> None:
    config = GenerationConfig(max_new_tokens=7, ignore_eos=True)
    prefill = runtime.prefill("", "hi")
    tokens = list(runtime.stream(prefill, config))
    assert len(runtime.tokenizer("".join(tokens), add_special_tokens=False)["input_ids"]) <= 7
    seen: list[int] = []
    hook = runtime.lm.get_input_embeddings().register_forward_hook(lambda *_: seen.append(1))
    try:
        runtime.generate(runtime.prefill("", "hi"), config)
    finally:
        hook.remove()
    assert len(seen) == 1 + 6  # the prefill, then one step per token after the first


def test_batched_answers_equal_one_by_one(runtime: DualHeadRuntime) -> None:
    pairs = [
        ("", "Please draft a short email to my team about Friday"),
        ("", "hi"),
        ("You help finance.", "経費精算の手順を教えてください"),
    ]
    config = GenerationConfig(max_new_tokens=6, ignore_eos=True)
    batch = runtime.prefill_batch(pairs)
    answers = runtime.generate_batch(batch, [0, 2], config)  # row 1 is dropped, as a REFUSE would be
    singles = [runtime.generate(runtime.prefill(c, r), config) for c, r in (pairs[0], pairs[2])]
    assert answers == singles
    for (ctx, req), probs in zip(pairs, batch.probs, strict=True):
        single = runtime.prefill(ctx, req).probs
        assert all(probs[k] == pytest.approx(v, abs=1e-4) for k, v in single.items())
    assert runtime.generate_batch(runtime.prefill_batch(pairs), [], config) == []


@pytest.mark.parametrize("layer", [0, 1, 2, -1])
def test_the_head_reads_the_same_state_as_hidden_states_and_judging_stops_early(
    runtime: DualHeadRuntime, layer: int
) -> None:
    """The capture hook gives exactly ``hidden_states[layer]``; a judge-only forward skips the layers
    above it (the decoder layers that ran are counted)."""
    from model.head import pool_last_token

    head = SafetyHead(SafetyHeadConfig(hidden_size=64, layer=layer))
    rt = DualHeadRuntime(runtime.lm, runtime.tokenizer, head, max_prompt_tokens=256)
    pairs = [("", "Please draft a short email"), ("You help HR.", "休暇の申請方法は？")]
    batch = encode_prompts(rt.tokenizer, pairs)
    with torch.inference_mode():
        reference = rt.lm(**batch, output_hidden_states=True).hidden_states[layer]
        expected = head.probs(pool_last_token(reference, batch["attention_mask"]))
    ran: list[int] = []
    hooks = [
        block.register_forward_hook(lambda *_, i=i: ran.append(i))
        for i, block in enumerate(rt.lm.get_decoder().layers)
    ]
    try:
        judged = rt.judge_batch(pairs)
    finally:
        for hook in hooks:
            hook.remove()
    for row, want in zip(judged, expected, strict=True):
        assert [row[label] for label in row] == pytest.approx(want.tolist(), abs=1e-5)
    n = len(rt.lm.get_decoder().layers)
    assert ran == list(range(n if layer == -1 else max(layer, 0)))  # nothing above the head's layer
    prefill = rt.prefill(*pairs[0])  # and a full prefill after a stopped one is unaffected
    assert list(prefill.probs.values()) == pytest.approx(list(judged[0].values()), abs=1e-4)


def test_both_backends_state_the_runtime_contract_without_inheriting(runtime: DualHeadRuntime) -> None:
    """``Runtime`` is a Protocol: each backend implements every method with the same signature, and the
    llama.cpp one is not a subclass of the transformers one. (mypy checks the assignments too.)"""
    served: Runtime = runtime
    assert isinstance(served, Runtime)
    methods = [name for name, value in vars(Runtime).items() if inspect.isfunction(value) and name[0] != "_"]
    assert {"prefill", "prefill_many", "judge_batch", "stream", "generate_batch"} <= set(methods)
    for backend in (DualHeadRuntime, LlamaCppRuntime):
        for name in methods:
            assert inspect.signature(getattr(backend, name)) == inspect.signature(getattr(Runtime, name)), (
                name
            )
    assert not issubclass(LlamaCppRuntime, DualHeadRuntime)
    assert {"tokenizer", "max_prompt_tokens"} <= set(Runtime.__annotations__)


class _Chars:
    """A tokenizer stand-in: token i decodes to chr(i)."""

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "".join(map(chr, ids))


def test_the_shared_decoding_loop_stops_where_the_backend_says() -> None:
    vocab = 128
    logits = torch.full((1, vocab), -1.0)
    logits[0, ord("a")] = 1.0
    fed: list[int] = []

    def step(token: int) -> torch.Tensor | None:
        fed.append(token)
        if len(fed) == 3:
            return None  # e.g. a full llama.cpp context
        nxt = torch.full((1, vocab), -1.0)
        nxt[0, token + 1] = 1.0
        return nxt

    config = GenerationConfig(max_new_tokens=10)
    assert "".join(decode_stream(_Chars(), logits, config, set(), step)) == "abc"
    assert fed == [ord("a"), ord("b"), ord("c")]
    fed.clear()
    short = GenerationConfig(max_new_tokens=2)
    assert list(decode_stream(_Chars(), logits, short, set(), step)) == ["a", "b"]
    assert fed == [ord("a")]  # no forward for the last token
    fed.clear()
    assert list(decode_stream(_Chars(), logits, config, {ord("b")}, step)) == ["a"]  # stops at eos

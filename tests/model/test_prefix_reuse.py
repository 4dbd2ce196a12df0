"""A conversation's turn N continues from turn N-1's KV cache: the same probabilities, logits and answer as
a full prefill of the whole conversation, with only the new tokens run through the model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from model.head import SafetyHead, SafetyHeadConfig
from model.loading import LoadConfig, load_causal_lm
from model.prefix_cache import PrefixConfig, PrefixEntry, PrefixStore, common_prefix
from model.prompt import Turn, render_prompt
from model.runtime import DualHeadRuntime, GenerationConfig, PromptTooLongError

CONFIG = GenerationConfig(max_new_tokens=6)


@pytest.fixture(scope="module")
def runtime(tiny_model_dir: Path) -> DualHeadRuntime:
    lm, tok = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    torch.manual_seed(3)
    return DualHeadRuntime(lm, tok, SafetyHead(SafetyHeadConfig(hidden_size=64)), max_prompt_tokens=400)


def _prompt_tokens_run(runtime: DualHeadRuntime) -> tuple[list[int], object]:
    seen: list[int] = []
    hook = runtime.lm.get_input_embeddings().register_forward_hook(
        lambda _m, args, _out: seen.append(int(args[0].shape[-1]))
    )
    return seen, hook


def test_history_renders_as_alternating_turns_before_the_request(runtime: DualHeadRuntime) -> None:
    history = [Turn("Draft an agenda", "1. Updates 2. Plans"), Turn("Shorter", "Updates, plans")]
    text = render_prompt(runtime.tokenizer, "", "Now in Japanese", history=history)
    order = [text.index(part) for part in ("Draft an agenda", "1. Updates", "Shorter", "Updates, plans")]
    assert order == sorted(order) and text.endswith("Now in Japanese<|im_end|>\n<|im_start|>assistant\n")
    assert text.count("<|im_start|>assistant") == 3
    # no history: exactly the single-turn prompt, so single-turn token ids never change
    assert render_prompt(runtime.tokenizer, "", "hi", history=()) == render_prompt(
        runtime.tokenizer, "", "hi"
    )


def test_turn_two_reuses_turn_one_and_equals_a_full_prefill(runtime: DualHeadRuntime) -> None:
    key1 = "conversation-after-turn-1"
    first = runtime.prefill_turn("", "Please draft a short email to my team", key="nothing-kept-yet")
    assert first.reused_tokens == 0
    answer = runtime.generate(first, CONFIG)
    runtime.keep(first, key1)
    assert first.cache is None  # handed to the store: nobody decodes from it again

    history = [Turn("Please draft a short email to my team", answer)]
    seen, hook = _prompt_tokens_run(runtime)
    try:
        second = runtime.prefill_turn("", "Now make it shorter", history=history, key=key1)
    finally:
        hook.remove()  # type: ignore[attr-defined]
    full = runtime.prefill_turn("", "Now make it shorter", history=history)  # no key: a full prefill

    assert second.reused_tokens > first.prompt_tokens  # the prompt and (most of) the answer were reused
    assert seen == [second.prompt_tokens - second.reused_tokens]  # only the new tokens were run
    assert second.prompt_tokens == full.prompt_tokens and torch.equal(second.input_ids, full.input_ids)
    for label, p in full.probs.items():
        assert second.probs[label] == pytest.approx(p, abs=1e-5)
    torch.testing.assert_close(second.next_logits, full.next_logits, atol=1e-4, rtol=1e-4)
    assert runtime.generate(second, CONFIG) == runtime.generate(full, CONFIG)


def test_a_kept_cache_is_taken_once_and_a_miss_is_a_full_prefill(runtime: DualHeadRuntime) -> None:
    first = runtime.prefill_turn("", "Summarise the meeting notes")
    runtime.keep(first, "k")
    again = runtime.prefill_turn("", "Summarise the meeting notes", key="k")  # the same prompt: reuse all
    assert again.reused_tokens == again.prompt_tokens - 1  # the last token is always run (the head reads it)
    miss = runtime.prefill_turn("", "Summarise the meeting notes", key="k")  # taken: not there any more
    assert miss.reused_tokens == 0
    assert miss.probs == pytest.approx(again.probs, abs=1e-5)


def test_a_changed_history_reuses_only_the_common_prefix(runtime: DualHeadRuntime) -> None:
    base = [Turn("Plan a team lunch", "Pick a date and a place.")]
    first = runtime.prefill_turn("", "Somewhere quiet", history=base)
    runtime.keep(first, "changed")
    edited = [Turn("Plan a team dinner", "Pick a date and a place.")]  # the first user turn differs
    turn = runtime.prefill_turn("", "Somewhere quiet", history=edited, key="changed")
    full = runtime.prefill_turn("", "Somewhere quiet", history=edited)
    assert 0 < turn.reused_tokens < first.prompt_tokens
    assert turn.probs == pytest.approx(full.probs, abs=1e-5)


def test_a_conversation_over_the_limit_is_refused(runtime: DualHeadRuntime) -> None:
    history = [Turn("word " * 60, "reply " * 60)] * 3
    with pytest.raises(PromptTooLongError):
        runtime.prefill_turn("", "and now?", history=history)


def test_the_store_is_bounded_and_least_recently_used() -> None:
    store = PrefixStore(PrefixConfig(conversations=2, max_tokens=5))
    for key in ("a", "b", "c"):
        store.put(key, PrefixEntry(ids=[1, 2], cache=key))
    assert len(store) == 2 and store.take("a") is None
    store.put("long", PrefixEntry(ids=list(range(6)), cache=None))  # over max_tokens: not kept
    assert store.take("long") is None
    entry = store.take("c")
    assert entry is not None and entry.cache == "c" and store.take("c") is None
    assert PrefixStore(PrefixConfig(conversations=0)).take("x") is None
    assert common_prefix([1, 2, 3], [1, 2, 4, 5]) == 2 and common_prefix([], [1]) == 0

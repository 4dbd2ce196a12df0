"""Micro-batching of concurrent prefills: same probabilities and answers as one by one, fewer forwards,
and one bad prompt does not fail the others."""

from __future__ import annotations

import threading

import pytest

from app.serving.loader import LoadedModel
from model.microbatch import BatchingConfig, PrefillBatcher
from model.runtime import GenerationConfig, PromptTooLongError

PAIRS = [
    ("", "Please draft a short email to my team about Friday"),
    ("You help finance.", "経費精算の手順を教えてください"),
    ("", "hi"),
    ("総務部です。", "会議の議事録を作成してください。来週の予定も確認します。"),
]
GREEDY = GenerationConfig(max_new_tokens=6, ignore_eos=True)


def test_prefill_many_matches_one_by_one_and_rows_decode_on_their_own(
    tiny_models: dict[str, LoadedModel],
) -> None:
    runtime = tiny_models["ALLOW"].runtime
    many = runtime.prefill_many(PAIRS)
    for pair, batched in zip(PAIRS, many, strict=True):
        single = runtime.prefill(*pair)
        for label, p in single.probs.items():
            assert batched.probs[label] == pytest.approx(p, abs=1e-4)
        # rows decode one after another, each from its own cache: earlier rows leave later ones intact
        assert runtime.generate(batched, GREEDY) == runtime.generate(single, GREEDY)


def test_concurrent_callers_share_forwards(tiny_models: dict[str, LoadedModel]) -> None:
    runtime = tiny_models["ALLOW"].runtime
    batcher = PrefillBatcher(runtime, BatchingConfig(max_batch=8, window_ms=200))
    results: dict[int, dict[str, float]] = {}
    start = threading.Barrier(8)

    def call(i: int) -> None:
        start.wait()
        prefill = batcher.prefill(*PAIRS[i % len(PAIRS)])
        results[i] = {d.value: p for d, p in prefill.probs.items()}

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    assert batcher.prompts == 8 and batcher.batches < 8  # some requests shared a forward
    for i, probs in results.items():
        expected = runtime.prefill(*PAIRS[i % len(PAIRS)]).probs
        for label, p in expected.items():
            assert probs[label.value] == pytest.approx(p, abs=1e-4)


def test_one_prompt_over_the_limit_fails_alone(tiny_models: dict[str, LoadedModel]) -> None:
    runtime = tiny_models["ALLOW"].runtime
    batcher = PrefillBatcher(runtime, BatchingConfig(max_batch=4, window_ms=200))
    too_long = "word " * (runtime.max_prompt_tokens + 10)
    outcomes: dict[str, object] = {}
    start = threading.Barrier(2)

    def call(name: str, text: str) -> None:
        start.wait()
        try:
            outcomes[name] = batcher.prefill("", text).probs
        except PromptTooLongError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=call, args=a) for a in (("ok", "hello there"), ("long", too_long))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    assert isinstance(outcomes["long"], PromptTooLongError)
    assert isinstance(outcomes["ok"], dict)

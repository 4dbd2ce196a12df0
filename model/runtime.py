"""Dual-head inference: one prefill feeds SafetyHeadB, and TaskHeadA continues from its KV cache.

``prefill`` runs the chat-templated prompt through the LM once (``use_cache=True``), pools the hidden
state of the last prompt token at the head's layer and returns the safety probabilities together
with the cache and the next-token logits. Only when the caller decides ALLOW does ``stream`` decode,
starting from those logits and that cache — the prompt is never run through the model a second time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch

from model.head import SafetyHead, pool_last_token
from model.hidden_capture import forward_capturing
from model.labels import LABELS, Decision
from model.policy import probs_problem
from model.prefix_cache import PrefixConfig, PrefixEntry, PrefixStore, common_prefix
from model.prompt import Turn, encode_exchanges, encode_prompts, render_prompt


class PromptTooLongError(ValueError):
    """The templated prompt has more tokens than the runtime accepts."""


@dataclass(frozen=True)
class GenerationConfig:
    max_new_tokens: int = 256
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    ignore_eos: bool = False  # decode exactly max_new_tokens (benchmarks)


@dataclass
class Prefill:
    input_ids: torch.Tensor  # (1, seq)
    attention_mask: torch.Tensor  # (1, seq)
    cache: Any  # the LM's KV cache after the prompt
    next_logits: torch.Tensor  # (1, vocab) logits for the first answer token
    probs: dict[Decision, float]
    reused_tokens: int = 0  # prompt tokens taken from the previous turn's cache (not run again)
    turn: bool = False  # a conversation's turn (``prefill_turn``): its cache may be kept for the next
    fed: list[int] = field(default_factory=list)  # answer tokens fed after the prompt (the cache holds them)

    @property
    def prompt_tokens(self) -> int:
        return int(self.attention_mask.sum())


@dataclass
class BatchPrefill:
    attention_mask: torch.Tensor  # (batch, seq), left padded
    cache: Any
    next_logits: torch.Tensor  # (batch, vocab)
    probs: list[dict[Decision, float]]


@runtime_checkable
class Runtime(Protocol):
    """The serving contract both backends implement: :class:`DualHeadRuntime` (transformers) and
    :class:`model.gguf.runtime.LlamaCppRuntime` (llama.cpp). Thread-safe.

    One prefill per request gives the safety probabilities and, kept in the ``Prefill``/``BatchPrefill``,
    what decoding continues from; only an ALLOW is decoded (``stream``/``generate``/``generate_batch``).
    ``prefill_many`` is one batched prefill split into a ``Prefill`` per prompt (the micro-batcher).
    ``prefill_turn`` is the prefill of a conversation's turn (the whole conversation judged at once);
    with a ``key`` it continues from the cache ``keep`` saved under that key where the token ids agree,
    so turn N runs only the tokens turn N-1 did not (model/prefix_cache.py).
    A prompt over ``max_prompt_tokens`` raises :class:`PromptTooLongError`.
    """

    tokenizer: Any  # the transformers tokenizer prompts are rendered with and answers decoded with
    max_prompt_tokens: int

    def prefill(self, context: str, user_request: str) -> Prefill: ...

    def prefill_turn(
        self, context: str, user_request: str, *, history: Sequence[Turn] = (), key: str | None = None
    ) -> Prefill: ...

    def keep(self, prefill: Prefill, key: str) -> None: ...

    def prefill_many(self, pairs: list[tuple[str, str]]) -> list[Prefill]: ...

    def prefill_batch(self, pairs: list[tuple[str, str]]) -> BatchPrefill: ...

    def judge_batch(self, pairs: list[tuple[str, str]]) -> list[dict[Decision, float]]: ...

    def judge_answers(self, triples: list[tuple[str, str, str]]) -> list[dict[Decision, float]]: ...

    def judge_answer(self, context: str, user_request: str, answer: str) -> dict[Decision, float]: ...

    def stream(self, prefill: Prefill, config: GenerationConfig) -> Iterator[str]: ...

    def generate(self, prefill: Prefill, config: GenerationConfig) -> str: ...

    def generate_batch(
        self, prefill: BatchPrefill, rows: list[int], config: GenerationConfig
    ) -> list[str]: ...


class DualHeadRuntime:
    """The LM (TaskHeadA) and the safety head (SafetyHeadB) sharing one prefill. Thread-safe."""

    def __init__(
        self,
        lm: Any,
        tokenizer: Any,
        head: SafetyHead,
        *,
        max_prompt_tokens: int = 2048,
        prefixes: PrefixConfig | None = None,
    ) -> None:
        self.lm = lm
        self.tokenizer = tokenizer
        self.head = head.eval()
        self.max_prompt_tokens = max_prompt_tokens
        self.lock = threading.Lock()  # one forward on the model at a time (CPU-bound anyway)
        self._eos = eos_token_ids(lm, tokenizer)
        self.prefixes = PrefixStore(prefixes or PrefixConfig())

    @property
    def device(self) -> torch.device:
        return next(self.lm.parameters()).device

    def _forward(
        self,
        batch: dict[str, torch.Tensor],
        *,
        use_cache: bool,
        limit: bool = True,
        judge_only: bool = False,
        cache: Any = None,
    ) -> tuple[Any, torch.Tensor]:
        """One forward (caller holds the lock): the LM output and the head's probabilities.

        The head's hidden state is taken by a forward hook on the one module that produces it, instead
        of keeping every layer's states. ``judge_only`` stops the forward right there (the layers above
        the head's, the final norm and the LM head are not run) and returns no LM output. ``cache``: a KV
        cache already holding the tokens before ``batch["input_ids"]`` (whose mask covers them all).
        """
        if limit and batch["input_ids"].shape[1] > self.max_prompt_tokens:
            raise PromptTooLongError(
                f"prompt is {batch['input_ids'].shape[1]} tokens; the limit is {self.max_prompt_tokens}"
            )
        batch = {k: v.to(self.device) for k, v in batch.items()}
        layer = self.head.config.layer
        extra = {} if cache is None else {"cache": cache}
        out, states = forward_capturing(
            self.lm,
            batch,
            [layer],
            stop=judge_only,
            use_cache=use_cache and not judge_only,
            logits_to_keep=1,
            **extra,
        )
        mask = batch["attention_mask"][:, -states[layer].shape[1] :]  # the new tokens' part of the mask
        pooled = pool_last_token(states[layer], mask)  # (batch, hidden)
        return out, self.head.probs(pooled)  # probs: (batch, 3)

    @torch.inference_mode()
    def prefill(self, context: str, user_request: str) -> Prefill:
        batch = encode_prompts(self.tokenizer, [(context, user_request)])
        with self.lock:
            out, probs = self._forward(batch, use_cache=True)
        return Prefill(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            cache=out.cache,
            next_logits=out.logits[:, -1, :],
            probs=as_probs(probs[0]),
        )

    @torch.inference_mode()
    def prefill_turn(
        self, context: str, user_request: str, *, history: Sequence[Turn] = (), key: str | None = None
    ) -> Prefill:
        """The prefill of a conversation's turn: the whole conversation rendered, judged at its last token.

        With ``key``, the previous turn's cache (``self.prefixes``) is cropped to the longest common prefix
        of its token ids and these, and only the rest is run (at least the last token, whose state the head
        reads); the result is the full prefill's up to float rounding."""
        text = render_prompt(self.tokenizer, context, user_request, history=history)
        ids: list[int] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) > self.max_prompt_tokens:
            raise PromptTooLongError(f"prompt is {len(ids)} tokens; the limit is {self.max_prompt_tokens}")
        entry = self.prefixes.take(key) if key else None
        start = min(common_prefix(entry.ids, ids), len(ids) - 1) if entry is not None else 0
        mask = torch.ones(1, len(ids), dtype=torch.long)
        with self.lock:
            if entry is not None and start > 0:
                if start < len(entry.ids):  # drop what the new prompt does not share
                    entry.cache.crop(start - len(entry.ids))
                batch = {"input_ids": torch.tensor([ids[start:]]), "attention_mask": mask}
                out, probs = self._forward(batch, use_cache=True, limit=False, cache=entry.cache)
            else:
                start = 0
                out, probs = self._forward(
                    {"input_ids": torch.tensor([ids]), "attention_mask": mask}, use_cache=True
                )
        return Prefill(
            input_ids=torch.tensor([ids]),
            attention_mask=mask,
            cache=out.cache,
            next_logits=out.logits[:, -1, :],
            probs=as_probs(probs[0]),
            reused_tokens=start,
            turn=True,
        )

    def keep(self, prefill: Prefill, key: str) -> None:
        """Keep a conversation turn's cache (prompt, and the answer if it was decoded) under ``key``, where
        the conversation's next turn will look for it. The prefill must not be decoded from afterwards."""
        if prefill.cache is None:
            return
        ids = [int(t) for t in prefill.input_ids[0].tolist()] + prefill.fed
        self.prefixes.put(key, PrefixEntry(ids=ids, cache=prefill.cache))
        prefill.cache = None

    @torch.inference_mode()
    def judge_batch(self, pairs: list[tuple[str, str]]) -> list[dict[Decision, float]]:
        """Safety probabilities for many prompts in one left-padded forward (no cache, no decoding)."""
        if not pairs:
            return []
        batch = encode_prompts(self.tokenizer, pairs)
        with self.lock:
            _, probs = self._forward(batch, use_cache=False, judge_only=True)
        return [as_probs(row) for row in probs]

    @torch.inference_mode()
    def judge_answers(self, triples: list[tuple[str, str, str]]) -> list[dict[Decision, float]]:
        """The output check: safety probabilities for (context, request, answer) exchanges.

        Request and answer are rendered as one user turn (``model.prompt.render_exchange``); the head pools
        the last token of the whole exchange, one extra forward (no cache). The prompt limit is not applied
        again: the prompt already passed it and the answer is bounded by ``max_new_tokens``.
        """
        if not triples:
            return []
        batch = encode_exchanges(self.tokenizer, triples)
        with self.lock:
            _, probs = self._forward(batch, use_cache=False, limit=False, judge_only=True)
        return [as_probs(row) for row in probs]

    def judge_answer(self, context: str, user_request: str, answer: str) -> dict[Decision, float]:
        return self.judge_answers([(context, user_request, answer)])[0]

    @torch.inference_mode()
    def stream(self, prefill: Prefill, config: GenerationConfig) -> Iterator[str]:
        """Yield the answer as text deltas, continuing from the prefill's cache and logits.

        The lock is held for each forward step only, never across a ``yield``: web servers resume
        generators on whatever thread is free, and the cache belongs to this request alone.
        """
        cache = prefill.cache
        mask = prefill.attention_mask.to(self.device)

        def step(token: int) -> torch.Tensor:
            nonlocal cache, mask
            mask = torch.cat([mask, mask.new_ones((1, 1))], dim=1)
            feed = torch.tensor([[token]], device=self.device)
            with self.lock:
                out = self.lm(input_ids=feed, attention_mask=mask, cache=cache, use_cache=True)
            cache = out.cache
            prefill.fed.append(token)
            return out.logits[:, -1, :]

        try:
            yield from decode_stream(self.tokenizer, prefill.next_logits, config, self._eos, step)
        finally:
            prefill.cache = cache  # now holding the answer too (``fed``): ``keep`` may save it

    def generate(self, prefill: Prefill, config: GenerationConfig) -> str:
        return "".join(self.stream(prefill, config))

    @torch.inference_mode()
    def prefill_batch(self, pairs: list[tuple[str, str]]) -> BatchPrefill:
        """One left-padded prefill for many prompts: probabilities for all, cache kept for decoding."""
        batch = encode_prompts(self.tokenizer, pairs)
        with self.lock:
            out, probs = self._forward(batch, use_cache=True)
        return BatchPrefill(
            attention_mask=batch["attention_mask"],
            cache=out.cache,
            next_logits=out.logits[:, -1, :],
            probs=[as_probs(row) for row in probs],
        )

    @torch.inference_mode()
    def prefill_many(self, pairs: list[tuple[str, str]]) -> list[Prefill]:
        """One batched prefill, split into a ``Prefill`` per prompt (for the micro-batcher).

        Each row keeps its left padding (masked out) and gets its own copy of its slice of the cache,
        so every request can then be decoded on its own with ``stream``, as after ``prefill``.
        """
        if len(pairs) == 1:
            return [self.prefill(*pairs[0])]
        batch = encode_prompts(self.tokenizer, pairs)
        with self.lock:
            out, probs = self._forward(batch, use_cache=True)
        return [
            Prefill(
                input_ids=batch["input_ids"][i : i + 1],
                attention_mask=batch["attention_mask"][i : i + 1],
                cache=_cache_row(out.cache, i, self.lm.config),
                next_logits=out.logits[i : i + 1, -1, :],
                probs=as_probs(probs[i]),
            )
            for i in range(len(pairs))
        ]

    @torch.inference_mode()
    def generate_batch(self, prefill: BatchPrefill, rows: list[int], config: GenerationConfig) -> list[str]:
        """Greedy/sampled answers for the chosen ``rows`` of a batch prefill, decoded together.

        The other rows are dropped from the cache first, so a REFUSE in the batch costs no decoding.
        Relative (rotary) positions make each row's answer independent of how much padding it has.
        """
        if not rows:
            return []
        index = torch.tensor(rows, device=self.device)
        cache = prefill.cache
        cache.batch_select_indices(index)
        logits = prefill.next_logits.index_select(0, index)
        mask = prefill.attention_mask.to(self.device).index_select(0, index)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids: list[list[int]] = [[] for _ in rows]
        done = [False] * len(rows)
        for step in range(config.max_new_tokens):
            tokens = [sample_token(logits[i : i + 1], config) for i in range(len(rows))]
            for i, token in enumerate(tokens):
                if done[i]:
                    continue
                if token in self._eos and not config.ignore_eos:
                    done[i] = True
                else:
                    ids[i].append(token)
            if all(done) or step == config.max_new_tokens - 1:
                break
            feed = torch.tensor([[pad if done[i] else t] for i, t in enumerate(tokens)], device=self.device)
            alive = torch.tensor([[0 if d else 1] for d in done], device=self.device, dtype=mask.dtype)
            mask = torch.cat([mask, alive], dim=1)
            with self.lock:
                out = self.lm(input_ids=feed, attention_mask=mask, cache=cache, use_cache=True)
            logits, cache = out.logits[:, -1, :], out.cache
        return [self.tokenizer.decode(row_ids, skip_special_tokens=True) for row_ids in ids]


def _cache_row(cache: Any, row: int, config: Any) -> Any:
    """A new DynamicCache holding only ``row`` of a batched cache (copied: the rows decode separately)."""
    from transformers import DynamicCache

    layers = [
        (layer.keys[row : row + 1].clone(), layer.values[row : row + 1].clone()) for layer in cache.layers
    ]
    return DynamicCache(layers, config=config)


class UnusableProbabilities(ValueError):
    """The head produced probabilities that cannot be trusted (NaN, inf, negative, not summing to 1)."""


def as_probs(row: torch.Tensor) -> dict[Decision, float]:
    """One row of the head's probabilities, by label; ``UnusableProbabilities`` when they cannot be
    trusted (fp16 overflow, a broken head or embedding), so the caller fails closed instead of deciding."""
    probs = {label: float(row[i]) for i, label in enumerate(LABELS)}
    problem = probs_problem(probs)
    if problem:
        raise UnusableProbabilities(f"the safety head's probabilities are unusable: {problem}")
    return probs


def sample_token(logits: torch.Tensor, config: GenerationConfig) -> int:
    """The next token from (1, vocab) logits: greedy at temperature 0, else temperature + top-p."""
    if config.temperature <= 0:
        return int(logits[0].argmax())
    probs = torch.softmax(logits[0].float() / config.temperature, dim=-1)
    if config.top_p < 1.0:
        sorted_p, order = probs.sort(descending=True)
        keep = sorted_p.cumsum(0) - sorted_p < config.top_p
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
    return int(torch.multinomial(probs / probs.sum(), 1))


def decode_stream(
    tokenizer: Any,
    logits: torch.Tensor,
    config: GenerationConfig,
    eos: set[int],
    step: Callable[[int], torch.Tensor | None],
) -> Iterator[str]:
    """The decoding loop both backends share: sample from ``logits`` on, yield the answer as text deltas.

    ``step(token)`` feeds a token to the model and returns the next (1, vocab) logits, or None to stop
    (e.g. a full context); it is never called for the last token. A delta waits for a complete UTF-8
    character.
    """
    ids: list[int] = []
    emitted = ""
    for _ in range(config.max_new_tokens):
        token = sample_token(logits, config)
        if token in eos and not config.ignore_eos:
            break
        ids.append(token)
        text = tokenizer.decode(ids, skip_special_tokens=True)
        if not text.endswith("\ufffd"):  # wait for a complete UTF-8 character
            yield text[len(emitted) :]
            emitted = text
        if len(ids) == config.max_new_tokens:
            break  # no forward for a token we will not use
        following = step(token)
        if following is None:
            break
        logits = following
    final = tokenizer.decode(ids, skip_special_tokens=True)
    if final != emitted:
        yield final[len(emitted) :]


def eos_token_ids(lm: Any, tokenizer: Any) -> set[int]:
    """End-of-answer ids: the LM's generation config (where it has one) and the tokenizer's."""
    ids: set[int] = set()
    gen_eos = getattr(getattr(lm, "generation_config", None), "eos_token_id", None)
    for value in (gen_eos, tokenizer.eos_token_id):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(int(v) for v in value)
    return ids

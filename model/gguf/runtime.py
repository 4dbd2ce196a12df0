"""The llama.cpp backend: the serving contract :class:`model.runtime.Runtime`, on a GGUF.

One prefill per request, in two ``llama_decode`` calls over the same KV cache: the prompt without its last
token (no outputs), then the last token with its logits (the first answer token) and the hidden state the
side artefact's head reads: for a head on a middle layer (the default head reads layer 16) that layer's
residual stream, read inside the same compute by an eval callback (:mod:`model.gguf.capture`); for a
final-layer head llama.cpp's embeddings output (last-token pooling, the final normed state). Generation
continues from that cache only when the caller decides ALLOW. (Decoding the whole prompt with embeddings on
would make llama.cpp compute vocabulary logits for every prompt token.)

Prompts are rendered and tokenised by the transformers tokenizer shipped in the side artefact, so the token
ids are the ones the transformers runtime feeds its model. One llama.cpp context serves all requests, one
decode at a time under the lock; a request's KV cache lives in sequence 0 while it decodes and is saved
aside (``llama_state_seq_get_data``) only when another request needs the context in between its steps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch

from model.artifacts import ArtifactError, tokenizer_digest
from model.gguf.context import LlamaContext, Slot, open_context
from model.gguf.side import TOKENIZER_DIR, SideInfo, read_side
from model.head import SafetyHead, check_compatible, load_head
from model.labels import Decision
from model.prefix_cache import PrefixConfig, PrefixEntry, PrefixStore, common_prefix
from model.prompt import Turn, encode_exchanges, render_prompt
from model.runtime import (
    BatchPrefill,
    GenerationConfig,
    Prefill,
    PromptTooLongError,
    as_probs,
    decode_stream,
    eos_token_ids,
)


class LlamaCppRuntime:
    """A GGUF served by llama.cpp + the side artefact's safety head: a :class:`model.runtime.Runtime`."""

    def __init__(
        self,
        engine: LlamaContext,
        tokenizer: Any,
        head: SafetyHead,
        *,
        eos_ids: Sequence[int] = (),
        max_prompt_tokens: int = 2048,
        prefixes: PrefixConfig | None = None,
    ) -> None:
        self.prefixes = PrefixStore(prefixes or PrefixConfig())
        self.tokenizer = tokenizer
        self.head = head.eval()
        self.max_prompt_tokens = max_prompt_tokens
        self.lock = threading.Lock()  # one llama_decode on the context at a time
        self.engine = engine
        self._eos = eos_token_ids(engine.llama, tokenizer) | {int(i) for i in eos_ids}

    def close(self) -> None:
        self.engine.close()

    # -- the Runtime contract ------------------------------------------------------------------------

    def _ids(self, text: str, *, limit: bool = True) -> list[int]:
        ids: list[int] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if limit and len(ids) > self.max_prompt_tokens:
            raise PromptTooLongError(f"prompt is {len(ids)} tokens; the limit is {self.max_prompt_tokens}")
        if not ids or len(ids) + 1 > self.engine.n_ctx:
            raise PromptTooLongError(
                f"prompt is {len(ids)} tokens; the llama.cpp context holds {self.engine.n_ctx}"
            )
        return ids

    @torch.inference_mode()
    def prefill(self, context: str, user_request: str) -> Prefill:
        return self._prefill(render_prompt(self.tokenizer, context, user_request), key=None, turn=False)

    @torch.inference_mode()
    def prefill_turn(
        self, context: str, user_request: str, *, history: Sequence[Turn] = (), key: str | None = None
    ) -> Prefill:
        """A conversation's turn: as ``prefill`` on the whole conversation, continuing (``key``) from the
        sequence state ``keep`` saved, trimmed to the longest common prefix of the token ids."""
        prompt = render_prompt(self.tokenizer, context, user_request, history=history)
        return self._prefill(prompt, key=key, turn=True)

    def _prefill(self, prompt: str, *, key: str | None, turn: bool) -> Prefill:
        ids = self._ids(prompt)
        entry = self.prefixes.take(key) if key else None
        start = min(common_prefix(entry.ids, ids), len(ids) - 1) if entry is not None else 0
        slot = Slot(n_past=len(ids))
        with self.lock:
            if entry is not None and start > 0:
                slot.saved = entry.cache
                self.engine.claim(slot)  # the kept state into sequence 0
                self.engine.trim(0, start)
            else:
                start = 0
                self.engine.claim(slot)
            pooled, logits = self.engine.prefill_seqs([ids], start)
        return Prefill(
            input_ids=torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            cache=slot,
            next_logits=logits,
            probs=as_probs(self.head.probs(pooled)[0]),
            reused_tokens=start,
            turn=turn,
        )

    def keep(self, prefill: Prefill, key: str) -> None:
        """Keep a turn's sequence state (prompt, and the answer if decoded) under ``key`` for the next one."""
        slot = prefill.cache
        if not isinstance(slot, Slot):
            return
        with self.lock:
            if slot.saved is None and not slot.done:
                self.engine.claim(slot)
                slot.saved = self.engine.save(0)
            saved, slot.done, slot.saved = slot.saved, True, None
        prefill.cache = None
        if saved is not None:
            ids = [int(t) for t in prefill.input_ids[0].tolist()] + prefill.fed
            self.prefixes.put(key, PrefixEntry(ids=ids, cache=saved))

    def _judge_ids(self, prompts: list[list[int]]) -> list[dict[Decision, float]]:
        out: list[torch.Tensor] = []
        start = 0
        while start < len(prompts):  # as many prompts per pass as the context and sequences allow
            end, used = start, 0
            while (
                end < len(prompts)
                and end - start < self.engine.n_seq
                and used + len(prompts[end]) <= self.engine.n_ctx
            ):
                used += len(prompts[end])
                end += 1
            end = max(end, start + 1)
            with self.lock:
                self.engine.claim(None)
                pooled, _ = self.engine.prefill_seqs(prompts[start:end])
                self.engine.clear()
            out.extend(self.head.probs(pooled))
            start = end
        return [as_probs(row) for row in out]

    @torch.inference_mode()
    def judge_batch(self, pairs: list[tuple[str, str]]) -> list[dict[Decision, float]]:
        return self._judge_ids([self._ids(render_prompt(self.tokenizer, c, r)) for c, r in pairs])

    @torch.inference_mode()
    def judge_answers(self, triples: list[tuple[str, str, str]]) -> list[dict[Decision, float]]:
        if not triples:
            return []
        batch = encode_exchanges(self.tokenizer, triples)
        ids = [
            row[mask.bool()].tolist()
            for row, mask in zip(batch["input_ids"], batch["attention_mask"], strict=True)
        ]
        return self._judge_ids(ids)

    def judge_answer(self, context: str, user_request: str, answer: str) -> dict[Decision, float]:
        return self.judge_answers([(context, user_request, answer)])[0]

    @torch.inference_mode()
    def stream(self, prefill: Prefill, config: GenerationConfig) -> Iterator[str]:
        slot: Slot = prefill.cache

        def step(token: int) -> torch.Tensor | None:
            if slot.n_past + 1 >= self.engine.n_ctx:
                return None  # the context is full
            with self.lock:
                logits = self.engine.step(token, slot)
            prefill.fed.append(token)
            return logits

        try:
            yield from decode_stream(self.tokenizer, prefill.next_logits, config, self._eos, step)
        finally:
            with self.lock:  # a turn's state is saved now, before another request takes the context
                saved = None
                if prefill.turn and (slot.saved is not None or self.engine.owns(slot)):
                    self.engine.claim(slot)
                    saved = self.engine.save(0)
                slot.done, slot.saved = True, saved

    def generate(self, prefill: Prefill, config: GenerationConfig) -> str:
        return "".join(self.stream(prefill, config))

    def _prefill_kept(
        self, pairs: list[tuple[str, str]]
    ) -> tuple[list[list[int]], list[Slot], torch.Tensor, torch.Tensor]:
        """Every prompt decoded together (one sequence each); each sequence's KV saved in its own slot."""
        prompts = [self._ids(render_prompt(self.tokenizer, c, r)) for c, r in pairs]
        if len(prompts) > self.engine.n_seq or sum(map(len, prompts)) > self.engine.n_ctx:
            raise PromptTooLongError(
                f"{len(prompts)} prompts of {sum(map(len, prompts))} tokens do not fit one llama.cpp "
                f"context ({self.engine.n_seq} sequences, {self.engine.n_ctx} tokens)"
            )
        slots = [Slot(n_past=len(ids)) for ids in prompts]
        with self.lock:
            self.engine.claim(None)
            pooled, logits = self.engine.prefill_seqs(prompts)
            for seq, slot in enumerate(slots):
                slot.saved = self.engine.save(seq)
            self.engine.clear()
        return prompts, slots, self.head.probs(pooled), logits

    @torch.inference_mode()
    def prefill_many(self, pairs: list[tuple[str, str]]) -> list[Prefill]:
        """One batched prefill, a ``Prefill`` per prompt, each decodable on its own with ``stream``."""
        if len(pairs) == 1:
            return [self.prefill(*pairs[0])]
        prompts, slots, probs, logits = self._prefill_kept(pairs)
        return [
            Prefill(
                input_ids=torch.tensor([ids]),
                attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                cache=slot,
                next_logits=logits[i : i + 1],
                probs=as_probs(probs[i]),
            )
            for i, (ids, slot) in enumerate(zip(prompts, slots, strict=True))
        ]

    @torch.inference_mode()
    def prefill_batch(self, pairs: list[tuple[str, str]]) -> BatchPrefill:
        prompts, slots, probs, logits = self._prefill_kept(pairs)
        width = max(map(len, prompts))
        mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in prompts])
        return BatchPrefill(
            attention_mask=mask, cache=slots, next_logits=logits, probs=[as_probs(p) for p in probs]
        )

    def generate_batch(self, prefill: BatchPrefill, rows: list[int], config: GenerationConfig) -> list[str]:
        """Answers for the chosen rows, decoded one after the other from each row's own KV cache."""
        out = []
        for i in rows:
            single = Prefill(
                input_ids=torch.zeros(1, prefill.cache[i].n_past, dtype=torch.long),
                attention_mask=torch.ones(1, prefill.cache[i].n_past, dtype=torch.long),
                cache=prefill.cache[i],
                next_logits=prefill.next_logits[i : i + 1],
                probs=prefill.probs[i],
            )
            out.append(self.generate(single, config))
        return out


def load_llama_runtime(
    gguf_path: Path,
    *,
    max_prompt_tokens: int = 2048,
    max_new_tokens: int = 256,
    threads: int = 0,
    prefixes: PrefixConfig | None = None,
) -> tuple[LlamaCppRuntime, SideInfo]:
    """Load a GGUF and its verified side artefact (head, tokenizer) into a runtime."""
    from transformers import AutoTokenizer

    side = read_side(gguf_path)
    tokenizer = AutoTokenizer.from_pretrained(side.directory / TOKENIZER_DIR, local_files_only=True)
    if tokenizer_digest(tokenizer) != side.manifest["tokenizer_sha256"]:
        raise ArtifactError(f"{side.directory}: the tokenizer does not match the manifest")
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    head = load_head(side.directory)
    try:
        engine = open_context(
            gguf_path,
            n_ctx=max_prompt_tokens + max_new_tokens + 64,
            layer=head.config.layer,
            threads=threads or os.cpu_count() or 1,
        )
    except ValueError as exc:  # a head layer llama.cpp cannot give
        raise ArtifactError(f"{side.directory}: {exc}") from exc
    try:
        check_compatible(head, side.directory, hidden_size=engine.n_embd)
    except BaseException:
        engine.close()
        raise
    runtime = LlamaCppRuntime(
        engine,
        tokenizer,
        head,
        eos_ids=side.manifest.get("eos_token_ids") or [],
        max_prompt_tokens=max_prompt_tokens,
        prefixes=prefixes,
    )
    return runtime, side

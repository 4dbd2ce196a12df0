"""One llama.cpp context shared by all requests: batched decodes, pooled embeddings, per-request KV state.

A request's KV cache lives in sequence 0 while it decodes. When another request needs the context in
between (the web server interleaves streams), the owner's sequence is saved aside with
``llama_state_seq_get_data`` and restored with ``llama_state_seq_set_data`` at its next step, so requests
never see each other's cache. Every method expects the caller to hold the runtime's lock.

:func:`open_context` loads a GGUF and makes the context for the head's layer: the final normed state
comes from llama.cpp's embeddings output (last-token pooling); a middle layer is read during the same
prefill by an eval callback (:mod:`model.gguf.capture`).
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model.gguf.capture import LayerCapture, layer_tensor


@dataclass
class Slot:
    """A request's claim on the context: how far its sequence got and, when evicted, its saved KV."""

    n_past: int
    saved: Any = None  # ctypes byte buffer from llama_state_seq_get_data
    done: bool = False


def open_context(
    path: Path,
    *,
    n_ctx: int,
    layer: int,
    threads: int = 0,
    n_batch: int = 512,
    also: Sequence[str] = (),
) -> LlamaContext:
    """Load ``path`` and make a context whose prefill pools ``hidden_states[layer]`` of each prompt's last
    token (``-1``: the final normed state). Raises ``ValueError`` for a layer llama.cpp cannot give.
    ``also``: more graph tensors to read at the last tokens (diagnostics; ``engine.capture.take_all``)."""
    import llama_cpp

    # the Llama object holds the model (mmap'd weights) and its metadata; its own context is minimal and
    # unused, since llama-cpp-python cannot set an eval callback on the context it creates
    llama = llama_cpp.Llama(
        str(path), n_ctx=256, n_batch=32, n_ubatch=32, n_threads=threads or None, verbose=False
    )
    try:
        n_layers = int(llama_cpp.llama_model_n_layer(llama.model))
        tensor = layer_tensor(layer, n_layers)
        params = llama_cpp.llama_context_params.from_buffer_copy(llama.context_params)
        params.n_ctx, params.n_batch, params.n_ubatch = n_ctx, n_batch, n_batch
        if threads:
            params.n_threads = params.n_threads_batch = threads
        params.n_seq_max = min(n_batch, llama_cpp.llama_max_parallel_sequences())
        params.kv_unified = True  # batches split in order: a micro-batch's rows follow the batch
        params.embeddings = tensor is None
        params.pooling_type = llama_cpp.LLAMA_POOLING_TYPE_LAST
        capture = LayerCapture(tensor, int(llama.n_embd()), also=also) if tensor is not None else None
        if capture is not None:
            params.cb_eval = capture.callback
        return LlamaContext(llama, params, capture=capture, n_layers=n_layers)
    except BaseException:
        llama.close()
        raise


class LlamaContext:
    """A llama.cpp context on ``llama``'s model (``params``: its size, pooling and any eval callback),
    driven through the C API."""

    def __init__(self, llama: Any, params: Any, *, capture: LayerCapture | None, n_layers: int) -> None:
        import llama_cpp

        self._llama_cpp = llama_cpp
        self.llama = llama
        self.capture = capture
        self.n_layers = n_layers
        self._ctx = llama_cpp.llama_init_from_model(llama.model, params)
        if not self._ctx:
            raise RuntimeError("llama.cpp could not create a context (out of memory?)")
        self.n_vocab, self.n_embd = int(llama.n_vocab()), int(llama.n_embd())
        self.n_batch, self.n_ctx = (
            int(llama_cpp.llama_n_batch(self._ctx)),
            int(llama_cpp.llama_n_ctx(self._ctx)),
        )
        self.n_seq = int(params.n_seq_max)
        self._batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)
        self._owner: weakref.ref[Slot] | None = None
        self.captured: dict[str, torch.Tensor] = {}  # every tensor the last prefill read (diagnostics)

    @property
    def layer_name(self) -> str:
        """What the pooled state is: the captured graph tensor, or llama.cpp's embeddings output."""
        return self.capture.name.decode() if self.capture is not None else "embeddings (final norm)"

    def close(self) -> None:
        self._llama_cpp.llama_batch_free(self._batch)
        self._llama_cpp.llama_free(self._ctx)
        self.llama.close()

    def decode(self, items: Sequence[tuple[int, int, int]], *, outputs: bool) -> None:
        """Decode (token, position, sequence) items in chunks of n_batch; outputs for every item or none."""
        lib, batch = self._llama_cpp, self._batch
        for start in range(0, len(items), self.n_batch):
            chunk = items[start : start + self.n_batch]
            for j, (token, pos, seq) in enumerate(chunk):
                batch.token[j], batch.pos[j], batch.n_seq_id[j] = token, pos, 1
                batch.seq_id[j][0], batch.logits[j] = seq, outputs
            batch.n_tokens = len(chunk)
            rc = lib.llama_decode(self._ctx, batch)
            if rc != 0:
                raise RuntimeError(f"llama_decode failed with code {rc} ({len(chunk)} tokens)")

    def prefill_seqs(self, prompts: Sequence[list[int]], start: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompts into sequences 0..n-1 -> (pooled hidden states of the head's layer (n, hidden), logits
        (n, vocab)), in one pass over each prompt.

        ``start``: the sequences already hold each prompt's first ``start`` tokens (a conversation's kept
        prefix, :meth:`trim`), so only the rest is decoded."""
        lib = self._llama_cpp
        body = [(t, p, s) for s, ids in enumerate(prompts) for p, t in enumerate(ids[:-1]) if p >= start]
        last = [(ids[-1], len(ids) - 1, s) for s, ids in enumerate(prompts)]
        if len(last) > self.n_batch:
            raise ValueError(f"{len(last)} prompts in one decode; at most {self.n_batch}")
        if self.capture is not None:
            self.decode(body, outputs=False)
            self.capture.arm()
            try:
                self.decode(last, outputs=True)
            except BaseException:
                self.capture.armed = False
                raise
            self.captured = self.capture.take_all(len(prompts))
            pooled = self.captured[self.capture.name.decode()]
        else:
            lib.llama_set_embeddings(self._ctx, False)
            self.decode(body, outputs=False)
            lib.llama_set_embeddings(self._ctx, True)
            try:
                self.decode(last, outputs=True)
                pooled = torch.from_numpy(
                    np.stack(
                        [
                            self._floats(lib.llama_get_embeddings_seq(self._ctx, s), self.n_embd)
                            for s in range(len(prompts))
                        ]
                    )
                )
            finally:
                lib.llama_set_embeddings(self._ctx, False)
        logits = [
            self._floats(lib.llama_get_logits_ith(self._ctx, i), self.n_vocab) for i in range(len(prompts))
        ]
        return pooled, torch.from_numpy(np.stack(logits))

    @staticmethod
    def _floats(ptr: Any, n: int) -> np.ndarray:
        if not ptr:
            raise RuntimeError("llama.cpp returned no output for the prompt")
        return np.ctypeslib.as_array(ptr, shape=(n,)).copy()

    def trim(self, seq: int, keep: int) -> None:
        """Drop sequence ``seq``'s tokens from position ``keep`` on."""
        lib = self._llama_cpp
        if not lib.llama_memory_seq_rm(lib.llama_get_memory(self._ctx), seq, keep, -1):
            raise RuntimeError(f"llama.cpp could not trim sequence {seq} to {keep} tokens")

    def clear(self) -> None:
        self._llama_cpp.llama_memory_clear(self._llama_cpp.llama_get_memory(self._ctx), True)

    def save(self, seq: int) -> Any:
        lib = self._llama_cpp
        size = lib.llama_state_seq_get_size(self._ctx, seq)
        buf = (ctypes.c_uint8 * size)()
        if lib.llama_state_seq_get_data(self._ctx, buf, size, seq) != size:
            raise RuntimeError("could not save the request's KV cache")
        return buf

    def owns(self, slot: Slot) -> bool:
        """Whether sequence 0 holds ``slot``'s KV cache now."""
        return self._owner is not None and self._owner() is slot

    def claim(self, slot: Slot | None) -> None:
        """Make sequence 0 hold ``slot``'s KV cache (None: an empty context), saving the owner's aside."""
        owner = self._owner() if self._owner is not None else None
        if owner is slot and slot is not None:
            return
        if owner is not None and not owner.done and owner.saved is None:
            owner.saved = self.save(0)
        self.clear()
        if slot is not None and slot.saved is not None:
            size = len(slot.saved)
            if self._llama_cpp.llama_state_seq_set_data(self._ctx, slot.saved, size, 0) != size:
                raise RuntimeError("could not restore the request's KV cache")
            slot.saved = None
        self._owner = weakref.ref(slot) if slot is not None else None

    def step(self, token: int, slot: Slot) -> torch.Tensor:
        """Feed one answer token to ``slot``'s sequence -> the next logits (1, vocab)."""
        self.claim(slot)
        self.decode([(token, slot.n_past, 0)], outputs=True)
        raw = self._floats(self._llama_cpp.llama_get_logits_ith(self._ctx, 0), self.n_vocab)
        slot.n_past += 1
        return torch.from_numpy(raw)[None, :]

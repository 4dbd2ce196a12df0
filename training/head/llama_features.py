"""Head features from a GGUF through llama.cpp: the representation the ``llama_cpp`` backend serves.

``so8t train-head --gguf FILE`` trains the head on llama.cpp's embeddings output with last-token pooling
(the final normed hidden state of the prompt's last token), computed exactly as
:class:`model.gguf.runtime.LlamaCppRuntime` computes it at serving time, for many prompts per
``llama_decode`` (one sequence each). Cached like :func:`training.head.features.extract`, in a file named
after
the GGUF's SHA-256.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.gguf.context import LlamaContext
from model.gguf.side import file_sha256
from model.prompt import render_prompt
from training.datasets.rows import SafetyRow
from training.head.features import cached_states, open_cache, rows_to_compute, save_cache, truncate


def cache_file_for(var_dir: Path, gguf: Path) -> Path:
    return var_dir / "features" / f"gguf-{file_sha256(gguf)[:16]}.pt"


def extract_gguf(
    gguf: Path,
    tokenizer: Any,
    rows: Sequence[SafetyRow],
    *,
    layer: int,
    cache_file: Path,
    batch_size: int = 16,
    threads: int = 0,
) -> dict[int, torch.Tensor]:
    """``{layer: (n, hidden)}`` pooled final hidden states of ``rows`` (in order) from llama.cpp."""
    import llama_cpp

    cache = open_cache(cache_file, [layer])  # refuses a cache of other layers (a transformers one)
    todo = rows_to_compute(cache, rows)
    if todo:
        llama = llama_cpp.Llama(
            str(gguf),
            n_ctx=8192,
            n_batch=512,
            n_ubatch=512,
            n_threads=threads or None,
            n_threads_batch=threads or None,
            embedding=True,
            pooling_type=llama_cpp.LLAMA_POOLING_TYPE_LAST,
            verbose=False,
        )
        engine = LlamaContext(llama)
        try:
            with tqdm(total=len(todo), desc="llama.cpp embeddings", unit="row") as bar:
                for start in range(0, len(todo), batch_size):
                    chunk = todo[start : start + batch_size]
                    prompts = [
                        tokenizer(
                            render_prompt(tokenizer, r.context, truncate(r.prompt), history=r.history),
                            add_special_tokens=False,
                        )["input_ids"]
                        for r in chunk
                    ]
                    engine.clear()
                    pooled, _ = engine.prefill_seqs(prompts)
                    for row, vector in zip(chunk, pooled, strict=True):
                        cache["rows"][row.text_hash()] = vector[None, :].half()
                    bar.update(len(chunk))
                    if (start // batch_size) % 10 == 9:
                        save_cache(cache, cache_file)
        finally:
            engine.close()
        save_cache(cache, cache_file)
    return cached_states(cache, rows, [layer])

"""Head features from a GGUF through llama.cpp: the representation the ``llama_cpp`` backend serves.

``so8t train-head --gguf FILE`` and ``so8t eval --loso --gguf FILE`` read the prompt's last token at the
head's layer as llama.cpp computes it: a middle layer (``hidden_states[k]``, read by the eval callback of
:mod:`model.gguf.capture`) or, for ``-1``, the embeddings output with last-token pooling (the final normed
state), exactly as :class:`model.gguf.runtime.LlamaCppRuntime` does at serving time, for many prompts per
``llama_decode`` (one sequence each). Cached like :func:`training.head.features.extract`, in a file named
after the GGUF's SHA-256 (and the layer, for a middle one).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.gguf.context import open_context
from model.gguf.side import file_sha256
from model.prompt import render_prompt
from training.datasets.rows import SafetyRow
from training.head.features import cached_states, open_cache, rows_to_compute, save_cache, truncate


def features_label(gguf: Path, layer: int, n_layers: int) -> str:
    """What the features are, for manifests and reports."""
    if layer in (-1, n_layers):
        return f"llama.cpp embeddings of {gguf.name}"
    return f"llama.cpp hidden layer {layer} (l_out-{layer - 1}) of {gguf.name}"


def cache_file_for(var_dir: Path, gguf: Path, layer: int | None = None) -> Path:
    """The GGUF's feature cache: ``layer`` None (or the final one) keeps the name caches always had."""
    suffix = "" if layer is None else f"-L{layer}"
    return var_dir / "features" / f"gguf-{file_sha256(gguf)[:16]}{suffix}.pt"


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
    """``{layer: (n, hidden)}`` last-token hidden states of ``rows`` (in order) from llama.cpp."""
    cache = open_cache(cache_file, [layer])  # refuses a cache of other layers (a transformers one)
    todo = rows_to_compute(cache, rows)
    if todo:
        engine = open_context(gguf, n_ctx=8192, layer=layer, threads=threads)
        try:
            with tqdm(total=len(todo), desc=f"llama.cpp {engine.layer_name}", unit="row") as bar:
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

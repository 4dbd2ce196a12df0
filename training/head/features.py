"""Pooled hidden states of the frozen LM for safety rows, computed once and cached on disk.

Training the safety head on a frozen LM only needs, per row, the hidden state of the last prompt token
at a few candidate layers. Computing those is the slow part (a full prefill per row), so they are cached
in a ``.pt`` file keyed by row text hash; a rerun only computes rows it has not seen.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.head import pool_last_token
from model.hidden_capture import capture_hidden_states
from model.prompt import DEFAULT_SYSTEM, SYSTEM_PROMPTS, Turn, encode_prompts, render_prompt
from training.datasets.rows import SafetyRow
from training.head.shared_prefix import last_token_states

MAX_PROMPT_CHARS = 600  # long requests are cut for feature extraction (the decision reads the prompt's end)


class FeatureCacheError(ValueError):
    """A feature cache file holds other layers, or another system prompt's rows, than the ones asked for."""


def cache_file(
    var_dir: Path, base_name: str, layers: Sequence[int], pooling: str = "last", system: str = "default"
) -> Path:
    """``VAR/features/<base>-L<layers>[-mean][-sys-<name>].pt``: one cache per base model, layer set,
    pooling and system prompt (a :data:`model.prompt.SYSTEM_PROMPTS` name), so runs that keep different
    layers never overwrite each other's cache."""
    suffix = ("" if pooling == "last" else f"-{pooling}") + ("" if system == "default" else f"-sys-{system}")
    return var_dir / "features" / f"{base_name}-L{'-'.join(str(v) for v in sorted(layers))}{suffix}.pt"


def truncate(text: str, limit: int = MAX_PROMPT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit]


POOLINGS = ("last", "mean")


def shared_prefix_tokens(tokenizer: Any, system: str = DEFAULT_SYSTEM) -> int:
    """How many leading tokens every rendered prompt shares (chat template and system prompt): their
    hidden states are the same for every request (the model is causal), so a mean leaves them out."""
    a, b = (encode_prompts(tokenizer, [("", text)], system)["input_ids"][0].tolist() for text in ("a", "b"))
    return next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)


def pool_mean_after(hidden: torch.Tensor, attention_mask: torch.Tensor, skip: int) -> torch.Tensor:
    """Mean of each row's states after its first ``skip`` real tokens (left padding)."""
    real = attention_mask.bool()
    rank = real.long().cumsum(dim=1)  # 1 at a row's first real token
    keep = (real & (rank > skip)).unsqueeze(-1).to(hidden.dtype)
    return (hidden * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)


@torch.inference_mode()
def pooled_states(
    lm: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    layers: Sequence[int],
    mean_after: int | None = None,
    system: str = DEFAULT_SYSTEM,
    histories: Sequence[Sequence[Turn]] | None = None,
) -> dict[int, torch.Tensor]:
    """(context, request) pairs -> {layer: (n, hidden) fp32} in one left-padded forward (with another
    system prompt than the default, the shared prefix once and the rest right-padded:
    :mod:`training.head.shared_prefix`).

    By default the last prompt token's state (what the runtime serves); with ``mean_after`` (the
    :func:`shared_prefix_tokens` count) the mean over the tokens after the shared template prefix (an
    experiment for ``so8t eval --loso --pooling mean``). ``system`` is the system turn of rows without
    a context of their own; ``histories`` the earlier turns of multi-turn rows (one entry per pair)."""
    turns = histories if histories is not None else [()] * len(pairs)
    if system != DEFAULT_SYSTEM and mean_after is None:  # a long shared system turn: computed once
        texts = [
            render_prompt(tokenizer, c, r, system, history=h) for (c, r), h in zip(pairs, turns, strict=True)
        ]
        return last_token_states(
            lm, [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts], layers
        )
    batch = encode_prompts(tokenizer, list(pairs), system, turns)
    batch = {k: v.to(next(lm.parameters()).device) for k, v in batch.items()}
    states = capture_hidden_states(lm, batch, layers)  # stops after the highest layer
    mask = batch["attention_mask"]
    if mean_after is not None:
        return {layer: pool_mean_after(states[layer].float(), mask, mean_after).cpu() for layer in layers}
    return {layer: pool_last_token(states[layer], mask).float().cpu() for layer in layers}


def extract(
    lm: Any,
    tokenizer: Any,
    rows: Sequence[SafetyRow],
    *,
    layers: Sequence[int],
    cache_file: Path,
    batch_size: int = 16,
    pooling: str = "last",
    system: str = "default",
    progress: bool = True,
    on_new_rows: Callable[[int], object] | None = None,
) -> dict[int, torch.Tensor]:
    """Features for ``rows`` (in order) at ``layers``, reusing and extending ``cache_file``; ``system``
    names the system prompt (:data:`model.prompt.SYSTEM_PROMPTS`) the rows are rendered with.
    ``on_new_rows`` is called once with the number of distinct rows the cache did not hold."""
    cache = open_cache(cache_file, layers, system)
    todo = rows_to_compute(cache, rows)
    if on_new_rows is not None:
        on_new_rows(len(todo))
    if system != "default":  # rows sharing the system turn together, so a batch computes it once
        todo.sort(key=lambda r: bool(r.context.strip()))
    system_text = SYSTEM_PROMPTS[system]
    mean_after = shared_prefix_tokens(tokenizer, system_text) if pooling == "mean" else None
    with tqdm(total=len(todo), desc="hidden states", unit="row", disable=not progress) as bar:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            pairs = [(r.context, truncate(r.prompt)) for r in chunk]
            histories = [r.history for r in chunk]
            states = pooled_states(lm, tokenizer, pairs, layers, mean_after, system_text, histories)
            for i, row in enumerate(chunk):
                cache["rows"][row.text_hash()] = torch.stack([states[layer][i] for layer in layers]).half()
            bar.update(len(chunk))
            if (start // batch_size) % 25 == 24:
                save_cache(cache, cache_file)
    if todo:  # a run with nothing new never rewrites the file another run may be reading or writing
        save_cache(cache, cache_file)
    return cached_states(cache, rows, layers)


def open_cache(cache_file: Path, layers: Sequence[int], system: str = "default") -> dict[str, Any]:
    """The feature cache in ``cache_file``, or a new empty one; refused (:class:`FeatureCacheError`) when it
    holds other layers or rows rendered under another system prompt, so a cache that took hours to fill
    is never wiped."""
    cache: dict[str, Any] = (
        torch.load(cache_file)
        if cache_file.is_file()
        else {"layers": list(layers), "rows": {}, **({} if system == "default" else {"system": system})}
    )
    if list(cache["layers"]) != list(layers):
        raise FeatureCacheError(
            f"{cache_file} holds layers {list(cache['layers'])}, not {list(layers)}: use another cache file"
        )
    if cache.get("system", "default") != system:  # caches from before the option hold "default" rows
        raise FeatureCacheError(
            f"{cache_file} holds rows rendered with the {cache.get('system', 'default')!r} system prompt, "
            f"not {system!r}: use another cache file"
        )
    return cache


def rows_to_compute(cache: dict[str, Any], rows: Sequence[SafetyRow]) -> list[SafetyRow]:
    """The distinct rows ``cache`` lacks, shortest first (similar lengths in a batch: less padding)."""
    todo = [r for r in {r.text_hash(): r for r in rows}.values() if r.text_hash() not in cache["rows"]]
    return sorted(todo, key=lambda r: len(r.context) + len(truncate(r.prompt)))


def cached_states(
    cache: dict[str, Any], rows: Sequence[SafetyRow], layers: Sequence[int]
) -> dict[int, torch.Tensor]:
    """``{layer: (n, hidden) fp32}`` for ``rows`` in order, every row already in ``cache``."""
    stacked = torch.stack([cache["rows"][r.text_hash()] for r in rows]).float()  # (n, n_layers, hidden)
    return {layer: stacked[:, i, :] for i, layer in enumerate(layers)}


def save_cache(cache: Any, path: Path) -> None:
    """Write ``cache`` to ``path`` atomically (:func:`replace_atomically`)."""
    replace_atomically(path, lambda tmp: torch.save(cache, tmp))


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` a temporary file beside ``path``, then rename it over ``path``: a reader sees the old file
    or the new one, never half of one, and two runs saving at once each use their own temporary file (the
    last rename wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    write(tmp)
    tmp.replace(path)

"""Hidden states of chosen layers taken by forward hooks, stopping the forward at the highest one.

Hugging Face's ``output_hidden_states=True`` keeps every layer's states and runs the whole model. A safety
head reads one middle layer, so both the runtime's judge-only path and feature extraction for training
capture the states they need with hooks and stop the forward once the highest of them exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch


class _Captured(Exception):
    """Raised by the last hook to stop the forward once every requested state exists."""


def hidden_state_module(lm: Any, index: int) -> torch.nn.Module:
    """The module whose output is ``hidden_states[index]``: the embeddings (0), decoder layer
    ``index - 1``, or the final norm (the last index, as in Hugging Face's ``hidden_states``).
    Negative indices count from the end, as in ``hidden_states``."""
    decoder = lm.get_decoder()
    n = len(decoder.layers)
    if not -(n + 1) <= index <= n:
        raise IndexError(f"hidden state {index} does not exist: the model has {n} layers")
    index %= n + 1
    if index == 0:
        return decoder.embed_tokens  # type: ignore[no-any-return]
    return decoder.norm if index == n else decoder.layers[index - 1]  # type: ignore[no-any-return]


def forward_capturing(
    lm: Any, batch: dict[str, torch.Tensor], layers: Sequence[int], *, stop: bool, **forward_kwargs: Any
) -> tuple[Any, dict[int, torch.Tensor]]:
    """One forward of ``lm`` on ``batch`` that also returns ``{layer: hidden_states[layer]}``, taken by
    hooks on the modules producing them. With ``stop`` the forward ends once the highest of them exists
    (no LM output: ``None``); otherwise it runs whole and its output is returned."""
    n = len(lm.get_decoder().layers)
    wanted = {layer: layer % (n + 1) for layer in layers}
    last = max(wanted.values())
    captured: dict[int, torch.Tensor] = {}
    handles = []
    for index in sorted(set(wanted.values())):

        def hook(_module: Any, _args: Any, output: Any, index: int = index) -> None:
            captured[index] = output[0] if isinstance(output, tuple) else output
            if stop and index == last:
                raise _Captured

        handles.append(hidden_state_module(lm, index).register_forward_hook(hook))
    out = None
    try:
        out = lm(**batch, **forward_kwargs)
    except _Captured:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return out, {layer: captured[index] for layer, index in wanted.items()}


def capture_hidden_states(
    lm: Any, batch: dict[str, torch.Tensor], layers: Sequence[int]
) -> dict[int, torch.Tensor]:
    """``{layer: hidden_states[layer]}`` for ``batch``, running the model only up to the highest layer."""
    return forward_capturing(lm, batch, layers, stop=True, use_cache=False, logits_to_keep=1)[1]

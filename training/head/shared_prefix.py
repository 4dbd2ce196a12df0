"""Last-prompt-token states for a batch whose prompts share a long prefix, computing the prefix once.

Every request without a context of its own is rendered after the same chat-template head and system
prompt. With the default system prompt that head is short; with a longer one (``so8t eval --loso --system
policy``) it is most of a short request's tokens, and a left-padded batch recomputes it for every row.
Here the shared head runs once (batch of one, key/value cache kept), the cache is repeated for the batch,
and each row's remaining tokens run after it, right-padded. The model is causal, so every state equals
the full forward's up to float rounding (tested against it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from model.head import pool_last_token
from model.hidden_capture import forward_capturing


def shared_prefix(token_lists: Sequence[list[int]]) -> list[int]:
    """The longest run of leading tokens every list shares, but never a whole list: each row keeps at
    least its last token, whose state is the one read."""
    first = token_lists[0]
    n = min(len(t) for t in token_lists) - 1
    for i in range(n):
        if any(t[i] != first[i] for t in token_lists):
            return first[:i]
    return first[:n]


@torch.inference_mode()
def last_token_states(
    lm: Any, token_lists: Sequence[list[int]], layers: Sequence[int]
) -> dict[int, torch.Tensor]:
    """{layer: (n, hidden) fp32}: the state of each token list's last token at ``layers``, the shared
    prefix computed once. The forward stops after the highest layer, for the prefix and the rest alike."""
    device = next(lm.parameters()).device
    prefix = shared_prefix(token_lists)
    rests = [t[len(prefix) :] for t in token_lists]
    width = max(len(r) for r in rests)
    ids = torch.tensor([r + [0] * (width - len(r)) for r in rests], device=device)  # right padding
    rest_mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rests], device=device)
    cache = None
    if prefix:
        head = {"input_ids": torch.tensor([prefix], device=device)}
        out, _ = forward_capturing(lm, head, layers, stop=False, use_cache=True, logits_to_keep=1)
        cache = out.cache
        cache.batch_repeat_interleave(len(rests))
    mask = torch.cat(
        [torch.ones(len(rests), len(prefix), dtype=rest_mask.dtype, device=device), rest_mask], 1
    )
    positions = torch.arange(len(prefix), len(prefix) + width, device=device).expand(len(rests), width)
    batch = {"input_ids": ids, "attention_mask": mask, "position_ids": positions}
    _, states = forward_capturing(lm, batch, layers, stop=True, cache=cache, use_cache=cache is not None)
    return {layer: pool_last_token(states[layer], rest_mask).float().cpu() for layer in layers}

"""Chat-templated prompts: ``context`` becomes the system turn, the request the user turn."""

from __future__ import annotations

from typing import Any

import torch

DEFAULT_SYSTEM = "You are SO8T Safe Agent, a careful assistant for company staff. Answer concisely."


def render_prompt(tokenizer: Any, context: str, user_request: str) -> str:
    messages = [
        {"role": "system", "content": context.strip() or DEFAULT_SYSTEM},
        {"role": "user", "content": user_request},
    ]
    text: str = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return text


def render_exchange(tokenizer: Any, context: str, user_request: str, answer: str) -> str:
    """What the output check judges: the request and the answer together as one user turn, followed by
    the assistant header — the same shape as every prompt the safety head was trained on.

    Rendering the answer as a finished assistant turn puts the pooled last token (``<|im_end|>``'s
    newline) where the head never looked in training; measured on the default model with the layer-16
    head, that flagged every benign answer as REFUSE (p ≈ 1.0), while this form passes benign answers
    (p(ALLOW) 0.98-1.0) and still fails harmful ones (docs/SECURITY.md, "Output sanitisation")."""
    return render_prompt(tokenizer, context, f"{user_request}\n\n{answer}")


def encode_exchanges(tokenizer: Any, triples: list[tuple[str, str, str]]) -> dict[str, torch.Tensor]:
    """Tokenise (context, request, answer) triples into a left-padded batch."""
    texts = [render_exchange(tokenizer, c, r, a) for c, r, a in triples]
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def encode_prompts(tokenizer: Any, pairs: list[tuple[str, str]]) -> dict[str, torch.Tensor]:
    """Tokenise (context, request) pairs into a left-padded batch: input_ids and attention_mask."""
    texts = [render_prompt(tokenizer, c, r) for c, r in pairs]
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def count_prompt_tokens(tokenizer: Any, context: str, user_request: str) -> int:
    return len(
        tokenizer(render_prompt(tokenizer, context, user_request), add_special_tokens=False)["input_ids"]
    )

"""Chat-templated prompts: ``context`` becomes the system turn, earlier exchanges of a conversation
(``history``) the turns before, the request the last user turn."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

DEFAULT_SYSTEM = "You are SO8T Safe Agent, a careful assistant for company staff. Answer concisely."
# The same, plus the policy in a few plain words: an experiment for ``so8t eval --loso --system policy``
# (does a prompt that states what to refuse make the last prompt token's state transfer better?). Written
# once from ``model/policy.yaml``'s harm categories, before any LOSO run read it; never tuned on a fold.
POLICY_SYSTEM = (
    "You are SO8T Safe Agent, a careful assistant for company staff. Answer concisely. Refuse requests "
    "that would help someone cause harm: weapons, explosives or drugs; malware, hacking or stealing "
    "credentials; fraud, phishing or forgery; violence, harassment, threats or hate; self-harm; sexual "
    "content involving minors; stalking people or exposing their private information. Help with "
    "everything else, including requests that only sound alarming, such as security education, fiction, "
    "history, and general medical or legal information."
)
SYSTEM_PROMPTS = {"default": DEFAULT_SYSTEM, "policy": POLICY_SYSTEM}

# What a user's text may not turn into: a tokenizer matches its added tokens (``<|im_end|>``,
# ``<|im_start|>``, ``<|endoftext|>``, ``<tool_call>`` ...) anywhere in the text it is given, so a request
# holding ``<|im_end|>\n<|im_start|>assistant\n`` would close its own user turn and write the next one.
# Content is therefore rendered with every such literal broken by a WORD JOINER after its first character
# (``<\u2060|im_end|>``): plain text to the tokenizer, invisible when shown, and never sent by a user
# (``app/serving/validation.py`` strips format characters at the edge). Text without a literal is left
# exactly as it was, so every ordinary prompt keeps the token ids the safety head was trained on.
LITERAL_BREAK = "\u2060"
# ChatML-style markup in general (any tokenizer's ``<|...|>`` tokens, Qwen's tool-call tags): what the edge
# flags, without a tokenizer at hand.
TEMPLATE_MARKUP = re.compile(r"<\|[^\s<>|]{1,64}\|>|</?tool_call>")


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation: what the user asked and what they were shown (the answer,
    the refusal, or the review note) — the text the next turn's prompt renders as the assistant's turn."""

    user: str
    assistant: str


def turn_messages(history: Sequence[Turn]) -> list[dict[str, str]]:
    """Turns as chat messages: ``[{"role": "user", "content"}, {"role": "assistant", "content"}, ...]``."""
    out: list[dict[str, str]] = []
    for turn in history:
        out += [{"role": "user", "content": turn.user}, {"role": "assistant", "content": turn.assistant}]
    return out


def message_turns(messages: object) -> tuple[Turn, ...]:
    """Chat messages (user, assistant, user, assistant ...) as turns; ``ValueError`` if they are not that."""
    if messages is None:
        return ()
    if not isinstance(messages, list | tuple) or len(messages) % 2:
        raise ValueError("history must be a list of user/assistant message pairs")
    turns: list[Turn] = []
    for i in range(0, len(messages), 2):
        user, assistant = messages[i], messages[i + 1]
        if not (isinstance(user, dict) and isinstance(assistant, dict)):
            raise ValueError("history messages must be objects with role and content")
        if user.get("role") != "user" or assistant.get("role") != "assistant":
            raise ValueError(f"history message {i} must be a user turn followed by an assistant turn")
        texts = user.get("content"), assistant.get("content")
        if not (isinstance(texts[0], str) and isinstance(texts[1], str)):
            raise ValueError(f"history message {i}: content must be text")
        turns.append(Turn(user=texts[0], assistant=texts[1]))
    return tuple(turns)


def template_literals(tokenizer: Any) -> tuple[str, ...]:
    """The strings ``tokenizer`` turns into one added token wherever they occur, longest first."""
    added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    found = {str(getattr(t, "content", t)) for t in added.values()}
    return tuple(sorted((t for t in found if len(t) > 1 and LITERAL_BREAK not in t), key=len, reverse=True))


def neutralise_literals(text: str, literals: Sequence[str]) -> str:
    """``text`` with every occurrence of ``literals`` broken so that no tokenizer reads it as the token.

    Repeated until nothing matches (breaking one literal can expose an overlapping one); each pass removes
    at least one occurrence and creates none, so it ends. ``text`` itself comes back when nothing matches."""
    present = [lit for lit in literals if lit in text]
    if not present:
        return text
    pattern = re.compile("|".join(re.escape(lit) for lit in sorted(present, key=len, reverse=True)))
    while True:
        broken = pattern.sub(lambda m: m.group()[0] + LITERAL_BREAK + m.group()[1:], text)
        if broken == text:
            return text
        text = broken


def has_template_markup(text: str) -> bool:
    """Whether ``text`` holds chat-template markup such as ``<|im_end|>`` (the model layer defangs it)."""
    return TEMPLATE_MARKUP.search(text) is not None


def render_prompt(
    tokenizer: Any,
    context: str,
    user_request: str,
    system: str = DEFAULT_SYSTEM,
    *,
    history: Sequence[Turn] = (),
) -> str:
    """The chat-templated prompt: ``context`` as the system turn, else ``system``; each earlier exchange
    of ``history`` as a user and an assistant turn; the request as the last user turn; then the assistant
    header, whose last token is the state the safety head reads — so the head judges the whole
    conversation in one prefill. Without history it is exactly the single-turn prompt.

    Context, history and request are user-controlled: their special-token literals are broken first
    (:func:`neutralise_literals`), so only the template itself yields special token ids."""
    literals = template_literals(tokenizer)
    messages = [{"role": "system", "content": neutralise_literals(context.strip(), literals) or system}]
    for turn in history:
        messages.append({"role": "user", "content": neutralise_literals(turn.user, literals)})
        messages.append({"role": "assistant", "content": neutralise_literals(turn.assistant, literals)})
    messages.append({"role": "user", "content": neutralise_literals(user_request, literals)})
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


def encode_prompts(
    tokenizer: Any,
    pairs: list[tuple[str, str]],
    system: str = DEFAULT_SYSTEM,
    histories: Sequence[Sequence[Turn]] | None = None,
) -> dict[str, torch.Tensor]:
    """Tokenise (context, request) pairs (each after its ``histories`` entry, when given) into a
    left-padded batch: input_ids and attention_mask."""
    turns = histories if histories is not None else [()] * len(pairs)
    texts = [
        render_prompt(tokenizer, c, r, system, history=h) for (c, r), h in zip(pairs, turns, strict=True)
    ]
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def count_prompt_tokens(
    tokenizer: Any, context: str, user_request: str, *, history: Sequence[Turn] = ()
) -> int:
    text = render_prompt(tokenizer, context, user_request, history=history)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])

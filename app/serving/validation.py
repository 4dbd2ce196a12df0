"""Input checks at the edge, shared by the API, the UI and the CLI."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from app.settings import Settings
from model.prompt import Turn, has_template_markup

# Control and invisible format characters that have no place in a request (tab and newline are kept).
_KEEP = {"\n", "\t"}


class InputError(ValueError):
    """The request cannot be processed as given; the message is safe to show to the user."""


class ConversationTooLong(InputError):
    """The conversation no longer fits the model (tokens) or its turn limit: the user starts a new one."""


@dataclass(frozen=True)
class CleanInput:
    context: str
    user_request: str
    flags: tuple[str, ...]
    history: tuple[Turn, ...] = ()  # the earlier turns of a conversation, cleaned like the request


def _encodable(text: str) -> bool:
    """False for text no database, log or tokenizer can store: a lone surrogate (JSON ``"\\ud800"``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean(text: str) -> tuple[str, bool]:
    normal = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in normal if ch in _KEEP or unicodedata.category(ch) not in {"Cc", "Cf"})
    # normalise again: a removed joiner can leave a sequence NFKC composes ("e", U+200D, U+0301 -> "é")
    return unicodedata.normalize("NFKC", kept).strip(), kept != normal


def clean_input(
    context: object, user_request: object, *, max_request_chars: int, max_context_chars: int
) -> CleanInput:
    if not isinstance(user_request, str):
        raise InputError("user_request must be text")
    if context is None:
        context = ""
    if not isinstance(context, str):
        raise InputError("context must be text")
    for name, text in (("user_request", user_request), ("context", context)):
        if not _encodable(text):
            raise InputError(f"{name} is not valid text: it holds an unpaired surrogate (such as \\ud800)")
    request, req_stripped = _clean(user_request)
    ctx, ctx_stripped = _clean(context)
    if not request:
        raise InputError("the request is empty: type a question or task")
    if len(request) > max_request_chars:
        raise InputError(f"the request is {len(request)} characters; the limit is {max_request_chars}")
    if len(ctx) > max_context_chars:
        raise InputError(f"the context is {len(ctx)} characters; the limit is {max_context_chars}")
    flags: tuple[str, ...] = ("invisible_characters_removed",) if (req_stripped or ctx_stripped) else ()
    if has_template_markup(request) or has_template_markup(ctx):
        # passed on as text: model/prompt.py breaks the literals so they never become special tokens
        flags += ("template_tokens_neutralised",)
    return CleanInput(context=ctx, user_request=request, flags=flags)


def clean_context(context: object, *, max_chars: int) -> str:
    """A conversation's system turn, checked and cleaned like a request's context."""
    return clean_input(context, "-", max_request_chars=1, max_context_chars=max_chars).context


def clean_history(
    history: Sequence[Turn], *, max_turns: int, max_chars: int
) -> tuple[tuple[Turn, ...], bool]:
    """Earlier turns cleaned like a request (NFKC, control and format characters removed); whether any
    text changed. ``ConversationTooLong`` past ``max_turns`` turns; ``InputError`` for a turn that is
    not text, or longer than ``max_chars``."""
    if len(history) >= max_turns:
        raise ConversationTooLong(
            f"this conversation has reached its limit of {max_turns} turns: please start a new conversation"
        )
    turns: list[Turn] = []
    changed = False
    for n, turn in enumerate(history, start=1):
        texts = (turn.user, turn.assistant)
        if not all(isinstance(t, str) for t in texts):
            raise InputError(f"turn {n} of the conversation is not text")
        if not all(_encodable(t) for t in texts):
            raise InputError(f"turn {n} of the conversation holds an unpaired surrogate (such as \\ud800)")
        (user, a), (assistant, b) = _clean(turn.user), _clean(turn.assistant)
        if not user:
            raise InputError(f"turn {n} of the conversation has an empty user message")
        longest = max(len(user), len(assistant))
        if longest > max_chars:
            raise InputError(
                f"turn {n} of the conversation is {longest} characters; the limit is {max_chars}"
            )
        turns.append(Turn(user=user, assistant=assistant))
        changed = changed or a or b
    return tuple(turns), changed


def clean_for(
    settings: Settings, context: object, user_request: object, history: Sequence[Turn] = ()
) -> CleanInput:
    """``clean_input`` (and ``clean_history``) with the limits from the settings."""
    clean = clean_input(
        context,
        user_request,
        max_request_chars=settings.max_request_chars,
        max_context_chars=settings.max_context_chars,
    )
    if not history:
        return clean
    turns, changed = clean_history(
        history,
        max_turns=settings.conversation_max_turns,
        max_chars=max(settings.max_request_chars, settings.max_context_chars, 16_000),
    )
    flags = clean.flags
    if changed and "invisible_characters_removed" not in flags:
        flags += ("invisible_characters_removed",)
    if any(has_template_markup(t.user) or has_template_markup(t.assistant) for t in turns):
        flags += () if "template_tokens_neutralised" in flags else ("template_tokens_neutralised",)
    return CleanInput(context=clean.context, user_request=clean.user_request, flags=flags, history=turns)

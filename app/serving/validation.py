"""Input checks at the edge, shared by the API, the UI and the CLI."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from app.settings import Settings
from model.prompt import has_template_markup

# Control and invisible format characters that have no place in a request (tab and newline are kept).
_KEEP = {"\n", "\t"}


class InputError(ValueError):
    """The request cannot be processed as given; the message is safe to show to the user."""


@dataclass(frozen=True)
class CleanInput:
    context: str
    user_request: str
    flags: tuple[str, ...]


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


def clean_for(settings: Settings, context: object, user_request: object) -> CleanInput:
    """``clean_input`` with the limits from the settings."""
    return clean_input(
        context,
        user_request,
        max_request_chars=settings.max_request_chars,
        max_context_chars=settings.max_context_chars,
    )

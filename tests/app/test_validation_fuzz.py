"""Property-based fuzzing of the input sanitiser (``app.serving.validation``): whatever arrives, it either
raises
``InputError`` (a message safe to show) or returns text that is NFKC-normal, free of control and
invisible format characters (tab and newline apart), within the limits, and unchanged by cleaning again.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.serving.validation import CleanInput, InputError, clean_for, clean_input
from app.settings import Settings

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text biased towards what the sanitiser treats specially: controls, zero-width and bidi format
# characters, compatibility forms NFKC rewrites, combining marks and whitespace at the ends
SPECIAL = st.sampled_from(
    [
        "\x00", "\x07", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", " ", "\u3000", "\u00a0",
        "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u00ad", "\u180e",
        "\u0301", "\u0308", "\u3099", "\ufb01", "\uff21", "\u2460", "\u00bd", "\u1e9b", "e", "ｶ", "ﾞ",
    ]
)  # fmt: skip
TEXT = st.text(st.one_of(st.characters(exclude_categories=["Cs"]), SPECIAL), max_size=60)
LIMIT = st.integers(min_value=1, max_value=80)
ANY = st.one_of(TEXT, st.none(), st.integers(), st.binary(max_size=8), st.lists(TEXT, max_size=2))


def _forbidden(text: str) -> list[str]:
    return [ch for ch in text if ch not in "\t\n" and unicodedata.category(ch) in {"Cc", "Cf"}]


def _check(out: CleanInput, max_request: int, max_context: int) -> None:
    for text in (out.user_request, out.context):
        assert not _forbidden(text), [f"U+{ord(c):04X}" for c in _forbidden(text)]
        assert unicodedata.is_normalized("NFKC", text)
        assert text == text.strip()
    assert out.user_request
    assert len(out.user_request) <= max_request
    assert len(out.context) <= max_context
    assert set(out.flags) <= {"invisible_characters_removed", "template_tokens_neutralised"}


@FUZZ
@given(context=ANY, request=ANY, max_request=LIMIT, max_context=st.integers(0, 80))
@example(context="", request="e\u200d\u0301", max_request=5, max_context=0)  # a joiner between e and ´
def test_clean_input_only_raises_input_error_and_output_is_clean(
    context: object, request: object, max_request: int, max_context: int
) -> None:
    try:
        out = clean_input(context, request, max_request_chars=max_request, max_context_chars=max_context)
    except InputError as exc:
        assert str(exc)  # the message is shown to the user
        return
    _check(out, max_request, max_context)


@FUZZ
@given(context=TEXT, request=TEXT, max_request=LIMIT, max_context=st.integers(0, 80))
@example(context="", request="e\u200d\u0301", max_request=5, max_context=0)
def test_clean_input_is_idempotent(context: str, request: str, max_request: int, max_context: int) -> None:
    limits = {"max_request_chars": max_request, "max_context_chars": max_context}
    try:
        once = clean_input(context, request, **limits)
    except InputError:
        return
    twice = clean_input(once.context, once.user_request, **limits)
    assert (twice.context, twice.user_request) == (once.context, once.user_request)
    assert "invisible_characters_removed" not in twice.flags  # nothing left to strip the second time


@FUZZ
@given(request=TEXT, context=TEXT)
def test_clean_input_never_returns_more_than_the_limit_allows(request: str, context: str) -> None:
    """Cleaning may grow text (NFKC: "ﬁ" -> "fi", "½" -> "1⁄2"): the limit applies to the cleaned text."""
    limit = max(1, len(request) // 2)
    try:
        out = clean_input(context, request, max_request_chars=limit, max_context_chars=limit)
    except InputError:
        return
    assert len(out.user_request) <= limit and len(out.context) <= limit


def test_limit_counts_the_cleaned_text_not_the_raw_one() -> None:
    # 3 raw characters become 2 after removing the zero-width space; "ﬁ" (1) becomes "fi" (2)
    assert clean_input("", "a\u200bb", max_request_chars=2, max_context_chars=0).user_request == "ab"
    with pytest.raises(InputError, match="limit is 1"):
        clean_input("", "\ufb01", max_request_chars=1, max_context_chars=0)


@settings(max_examples=100, deadline=None)
@given(context=ANY, request=ANY)
def test_clean_for_uses_the_settings_limits(context: object, request: object) -> None:
    config = Settings(max_request_chars=10, max_context_chars=5, _env_file=None)  # type: ignore[call-arg]
    try:
        out = clean_for(config, context, request)
    except InputError:
        return
    _check(out, 10, 5)

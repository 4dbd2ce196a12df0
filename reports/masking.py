"""The report's default masking of request text: conservative, with no dependency on the PII module.

``build_report`` takes any ``mask: Callable[[str], str]``; pass the review desk's PII masker when you have
one. This default replaces e-mail addresses and every run of four or more digits (separators such as
``-``, ``.`` or spaces between them allowed, full-width digits included): phone, account, card and
employee numbers, but also dates and amounts, which is the safe side for a report.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DIGIT_RUN = re.compile(r"\d(?:[\s\-.‐－ー]?\d){3,}")
EMAIL_MARK, DIGITS_MARK = "[EMAIL]", "[NUM]"
EXCERPT_CHARS = 160


def default_mask(text: str) -> str:
    return DIGIT_RUN.sub(DIGITS_MARK, EMAIL.sub(EMAIL_MARK, text))


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line of at most ``limit`` characters (masking is done before, on the whole text)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

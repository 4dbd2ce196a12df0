"""Pattern recognisers for PII: the span type, the validators (Luhn, My Number check digit) and one small
regex + validator class per entity, plus a phone recogniser built on Google's libphonenumber
(``phonenumberslite``). Everything here is pure and cheap to build; the NER recogniser lives in
``pii.ner`` and the orchestration in ``pii.masker``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import phonenumbers


class PiiType(StrEnum):
    """What a span is; the value doubles as the placeholder label (``[EMAIL]``)."""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    MY_NUMBER = "MY_NUMBER"
    CREDIT_CARD = "CREDIT_CARD"
    POSTAL_CODE = "POSTAL_CODE"
    ADDRESS = "ADDRESS"
    PERSON = "PERSON"
    SECRET = "SECRET"


@dataclass(frozen=True)
class PiiSpan:
    """``text[start:end]`` is an ``entity_type`` found by ``recogniser``; ``score`` is in [0, 1]."""

    entity_type: PiiType
    start: int
    end: int
    score: float
    recogniser: str

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: PiiSpan) -> bool:
        return self.start < other.end and other.start < self.end


class Recogniser(Protocol):
    """Anything that finds spans of some entity types in a text."""

    @property
    def name(self) -> str: ...

    @property
    def entity_types(self) -> frozenset[PiiType]: ...

    def find(self, text: str) -> list[PiiSpan]: ...


# ---- validators (pure) ----------------------------------------------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def digits_of(value: str) -> str:
    """The ASCII digits of ``value`` (full-width digits converted), separators dropped."""
    return "".join(c for c in value.translate(_FULLWIDTH_DIGITS) if "0" <= c <= "9")


def luhn_valid(number: str) -> bool:
    """True when the digits of ``number`` (separators ignored) pass the Luhn mod-10 check."""
    digits = digits_of(number)
    if len(digits) < 2:
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def my_number_check_digit(first_eleven: str) -> int:
    """Check digit of a Japanese individual number (マイナンバー) from its 11 leading digits.

    With ``P_n`` the n-th digit counted from the right (n = 1..11) and weights ``Q_n = n + 1`` for
    n = 1..6 and ``n - 5`` for n = 7..11: ``r = sum(P_n * Q_n) mod 11``; the check digit is 0 when
    ``r <= 1``, else ``11 - r``.
    """
    digits = digits_of(first_eleven)
    if len(digits) != 11:
        raise ValueError(f"expected 11 digits, got {len(digits)}")
    total = 0
    for n, c in enumerate(reversed(digits), start=1):
        total += int(c) * (n + 1 if n <= 6 else n - 5)
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(number: str) -> bool:
    """True when ``number`` holds exactly 12 digits (separators ignored) whose last is the check digit."""
    digits = digits_of(number)
    return len(digits) == 12 and my_number_check_digit(digits[:11]) == int(digits[11])


def card_network_prefix(digits: str) -> bool:
    """The leading digits belong to a card network's issuer range: Visa 4, Mastercard 51-55 and
    2221-2720, Amex 34/37, JCB 3528-3589, Diners 300-305/36/38/39, Discover 6011/644-649/65, UnionPay 62.
    (Compact timestamps such as ``20261125103000`` and epoch milliseconds start outside these.)"""
    if len(digits) < 4 or not digits.isdigit():
        return False
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= p2 <= 55
        or 2221 <= p4 <= 2720
        or p2 in (34, 37, 36, 38, 39, 62, 65)
        or 3528 <= p4 <= 3589
        or 300 <= p3 <= 305
        or p4 == 6011
        or 644 <= p3 <= 649
    )


def is_valid_card_number(number: str) -> bool:
    """13-19 digits (separators ignored) in a card network's issuer range and Luhn-valid."""
    digits = digits_of(number)
    return 13 <= len(digits) <= 19 and card_network_prefix(digits) and luhn_valid(digits)


# ---- regex recogniser -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternRecogniser:
    """Regex matches (the ``span`` group) accepted by ``validate``; ``score`` is raised to
    ``context_score`` when one of ``context`` words appears within ``context_window`` characters before."""

    name: str
    entity_type: PiiType
    pattern: re.Pattern[str]
    score: float
    validate: Callable[[str], bool] | None = None
    span_group: int | str = 0
    context: tuple[str, ...] = ()
    context_score: float = 0.0
    context_window: int = 24

    @property
    def entity_types(self) -> frozenset[PiiType]:
        return frozenset({self.entity_type})

    def find(self, text: str) -> list[PiiSpan]:
        spans = []
        for m in self.pattern.finditer(text):
            start, end = m.span(self.span_group)
            if start < 0 or (self.validate is not None and not self.validate(text[start:end])):
                continue
            score = self.score
            if self.context:
                before = text[max(0, start - self.context_window) : start].lower()
                if any(word in before for word in self.context):
                    score = max(score, self.context_score)
            spans.append(PiiSpan(self.entity_type, start, end, score, self.name))
        return spans


# ---- phone numbers (libphonenumber) -----------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneRecogniser:
    """Phone numbers libphonenumber finds and judges *valid*: national formats are read as ``regions``
    (JP by default: 090-1234-5678, 03-1234-5678, 0120-123-456, full-width digits too); international
    numbers need a leading ``+`` (+81 90 1234 5678, +1 (415) 555-0134). Dates, versions and plain ids are
    not valid numbers and are not matched."""

    regions: tuple[str, ...] = ("JP",)
    score: float = 0.85
    name: str = "phone"
    entity_type: PiiType = PiiType.PHONE

    @property
    def entity_types(self) -> frozenset[PiiType]:
        return frozenset({self.entity_type})

    def find(self, text: str) -> list[PiiSpan]:
        seen: set[tuple[int, int]] = set()
        spans = []
        for region in self.regions:
            matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
            for m in matcher:
                if (m.start, m.end) not in seen:
                    seen.add((m.start, m.end))
                    spans.append(PiiSpan(self.entity_type, m.start, m.end, self.score, self.name))
        return spans


def valid_phone_regions() -> frozenset[str]:
    return frozenset(phonenumbers.SUPPORTED_REGIONS)

"""PII and secret masking for every place where people see requests and answers (review desk, reports,
exports, the model's output).

    masker = PiiMasker(MaskingConfig())          # build once (e.g. in the composition root) and share
    masker.mask("連絡先は yamada@example.co.jp です").text   # '連絡先は [EMAIL] です'

Detection is a set of recognisers -- regexes with validators (``pii.patterns``,
``pii.secrets``), libphonenumber for phones, and GiNZA NER for Japanese names and addresses
(``pii.ner``) -- whose candidate spans are filtered by score and resolved to non-overlapping
spans (longest first, then highest score). Without the NER model the patterns still work and
``capabilities`` says what is missing. Showing the raw text is a break-glass action:
``review.reveal.reveal_raw``. docs/PII.md describes what is and is not detected.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from pii.ner import DEFAULT_NER_MODEL, GinzaRecogniser, NerModelError, ner_model_installed
from pii.patterns import PATTERN_RECOGNISERS
from pii.recognisers import (
    PhoneRecogniser,
    PiiSpan,
    PiiType,
    Recogniser,
    is_valid_card_number,
    is_valid_my_number,
    luhn_valid,
    my_number_check_digit,
    valid_phone_regions,
)
from pii.secrets import SECRET_RECOGNISERS

__all__ = [
    "MaskResult",
    "MaskerCapabilities",
    "MaskingConfig",
    "PiiMasker",
    "PiiSpan",
    "PiiType",
    "PlaceholderStyle",
    "is_valid_card_number",
    "is_valid_my_number",
    "luhn_valid",
    "my_number_check_digit",
    "resolve_overlaps",
]

log = logging.getLogger(__name__)

PlaceholderStyle = Literal["type", "numbered", "redacted"]
# tie-break between equally long, equally scored spans: the more sensitive type wins
_PRIORITY = tuple(PiiType)[::-1]  # SECRET, PERSON, ADDRESS, POSTAL_CODE, CREDIT_CARD, MY_NUMBER, PHONE, EMAIL
PLACEHOLDER = re.compile(r"\[(?:" + "|".join(t.value for t in PiiType) + r"|REDACTED)(?:_\d+)?\]")


@dataclass(frozen=True)
class MaskingConfig:
    """What to mask and how.

    ``placeholder``: ``"type"`` -> ``[EMAIL]``; ``"numbered"`` -> ``[EMAIL_1]``, ``[EMAIL_2]`` (the same
    value gets the same number within one text, so a reader can tell two people apart); ``"redacted"`` ->
    ``[REDACTED]`` for every type. Spans scoring below ``min_score`` are ignored. National-format phone
    numbers are read as ``phone_regions`` (ISO 3166 codes); ``+``-prefixed ones are found in any case.
    """

    entities: frozenset[PiiType] = frozenset(PiiType)
    use_ner: bool = True
    ner_model: str = DEFAULT_NER_MODEL
    placeholder: PlaceholderStyle = "type"
    min_score: float = 0.5
    phone_regions: tuple[str, ...] = ("JP",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", frozenset(PiiType(e) for e in self.entities))
        if self.placeholder not in get_args(PlaceholderStyle):
            raise ValueError(
                f"placeholder must be one of {get_args(PlaceholderStyle)}, not {self.placeholder!r}"
            )
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1], not {self.min_score}")
        unknown = set(self.phone_regions) - valid_phone_regions()
        if unknown:
            raise ValueError(f"unknown phone regions: {sorted(unknown)}")


@dataclass(frozen=True)
class MaskResult:
    """``text`` with every span replaced by its placeholder; ``spans`` index the *original* text."""

    text: str
    spans: tuple[PiiSpan, ...]
    counts: dict[PiiType, int] = field(default_factory=dict)

    @property
    def masked(self) -> bool:
        return bool(self.spans)


@dataclass(frozen=True)
class MaskerCapabilities:
    """Which recognisers a masker runs, and why any asked-for one is off."""

    recognisers: tuple[str, ...]
    entities: frozenset[PiiType]
    ner_model: str | None
    degraded: tuple[str, ...] = ()


def resolve_overlaps(spans: Sequence[PiiSpan]) -> list[PiiSpan]:
    """Non-overlapping spans, sorted by start: longer spans win, then higher scores, then the more
    sensitive type, then the earlier start and the recogniser name (so the result is deterministic)."""
    ranked = sorted(
        spans, key=lambda s: (-s.length, -s.score, _PRIORITY.index(s.entity_type), s.start, s.recogniser)
    )
    kept: list[PiiSpan] = []  # sorted by start, pairwise disjoint
    starts: list[int] = []
    for span in ranked:
        i = bisect.bisect_left(starts, span.start)
        clash = (i > 0 and kept[i - 1].end > span.start) or (i < len(kept) and kept[i].start < span.end)
        if span.length > 0 and not clash:
            kept.insert(i, span)
            starts.insert(i, span.start)
    return kept


class PiiMasker:
    """Finds and masks PII and secrets. Build once and share: it is thread-safe, and the NER model
    (when enabled and installed) is loaded on first use or by :meth:`load`."""

    def __init__(self, config: MaskingConfig | None = None) -> None:
        self.config = config or MaskingConfig()
        wanted = self.config.entities
        candidates: list[Recogniser] = [
            *PATTERN_RECOGNISERS,
            PhoneRecogniser(regions=self.config.phone_regions),
            *SECRET_RECOGNISERS,
        ]
        self._patterns: tuple[Recogniser, ...] = tuple(r for r in candidates if r.entity_types & wanted)
        self._ner: GinzaRecogniser | None = None
        self._degraded: list[str] = []
        self._lock = threading.Lock()
        if self.config.use_ner and wanted & {PiiType.PERSON, PiiType.ADDRESS}:
            if ner_model_installed(self.config.ner_model):
                self._ner = GinzaRecogniser(self.config.ner_model)
            else:
                self._degrade(f"NER model {self.config.ner_model!r} is not installed")

    def _degrade(self, why: str) -> None:
        with self._lock:
            if self._degraded:  # already degraded (e.g. two threads failed to load at once): warn once
                return
            self._ner = None
            self._degraded.append(f"{why}: names and addresses come from patterns only")
        log.warning("PII masking degraded: %s", self._degraded[-1])

    @property
    def capabilities(self) -> MaskerCapabilities:
        ner = self._ner
        names = [r.name for r in self._patterns] + ([ner.name] if ner else [])
        return MaskerCapabilities(
            recognisers=tuple(names),
            entities=self.config.entities,
            ner_model=ner.model_name if ner else None,
            degraded=tuple(self._degraded),
        )

    def load(self) -> None:
        """Load the NER model now rather than on the first text (no-op when NER is off or missing)."""
        ner = self._ner
        if ner is not None:
            try:
                ner.load()
            except NerModelError as exc:
                self._degrade(f"NER model {self.config.ner_model!r} failed to load ({exc.__cause__})")

    def find(self, text: str) -> list[PiiSpan]:
        """The spans that :meth:`mask` would replace, sorted by start."""
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[PiiSpan]]:
        """:meth:`find` for many texts (one list per text), batching the NER model."""
        ner_spans = self._ner_find_many(texts)
        wanted = self.config.entities
        out = []
        for text, from_ner in zip(texts, ner_spans, strict=True):
            placeholders = [m.span() for m in PLACEHOLDER.finditer(text)]
            spans = [
                s
                for s in [*(span for r in self._patterns for span in r.find(text)), *from_ner]
                if s.entity_type in wanted
                and s.score >= self.config.min_score
                and not any(s.start < end and start < s.end for start, end in placeholders)
            ]
            out.append(resolve_overlaps(spans))
        return out

    def mask(self, text: str) -> MaskResult:
        """``text`` with PII and secrets replaced by placeholders such as ``[EMAIL]``."""
        return self.mask_many([text])[0]

    def mask_many(self, texts: Sequence[str]) -> list[MaskResult]:
        """:meth:`mask` for many texts; batches the NER model, so prefer it for reports and exports."""
        return [self._apply(text, spans) for text, spans in zip(texts, self.find_many(texts), strict=True)]

    def _ner_find_many(self, texts: Sequence[str]) -> list[list[PiiSpan]]:
        ner = self._ner
        if ner is not None:
            try:
                return ner.find_many(texts)  # loads the model if any text is Japanese
            except NerModelError as exc:
                self._degrade(f"NER model {self.config.ner_model!r} failed to load ({exc.__cause__})")
        return [[] for _ in texts]

    def _apply(self, text: str, spans: list[PiiSpan]) -> MaskResult:
        numbers: dict[tuple[PiiType, str], int] = {}
        per_type: Counter[PiiType] = Counter()
        pieces, last = [], 0
        for span in spans:
            pieces.append(text[last : span.start])
            if self.config.placeholder == "redacted":
                label = "REDACTED"
            elif self.config.placeholder == "numbered":
                key = (span.entity_type, text[span.start : span.end])
                if key not in numbers:
                    numbers[key] = sum(1 for t, _ in numbers if t == span.entity_type) + 1
                label = f"{span.entity_type.value}_{numbers[key]}"
            else:
                label = span.entity_type.value
            pieces.append(f"[{label}]")
            per_type[span.entity_type] += 1
            last = span.end
        pieces.append(text[last:])
        return MaskResult(text="".join(pieces), spans=tuple(spans), counts=dict(per_type))

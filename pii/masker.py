"""PII and secret masking for every place where people see requests and answers (review desk, reports,
exports, the model's output).

    masker = PiiMasker(MaskingConfig())          # build once (e.g. in the composition root) and share
    masker.mask("連絡先は yamada@example.co.jp です").text   # '連絡先は [EMAIL] です'

Detection is a set of recognisers -- regexes with validators (``pii.patterns``,
``pii.secrets``), libphonenumber for phones, and GiNZA NER for Japanese names and addresses
(``pii.ner``) -- whose candidate spans are filtered by score and resolved to non-overlapping
spans (longest first, then highest score). Showing the raw text is a break-glass action:
``review.reveal.reveal_raw``. docs/PII.md describes what is and is not detected.

When NER is wanted (``use_ner`` and PERSON or ADDRESS among the entities) but its model is missing or
fails to load or run, NER is *down* until the process restarts: logged once at ERROR, visible in
``ner_health`` (read without loading anything) and ``capabilities``. What ``mask`` then does is
``MaskingConfig.ner_down``: ``FAIL_CLOSED`` (the default) replaces each text that NER would have read
-- one with kana or kanji, ``pii.ner.needs_ner`` -- whole by ``[TEXT]``; texts without them never went
through NER, so they are masked as before. ``DEGRADE`` masks with the patterns only (names and addresses
written without a cue word get through). A model that is not loaded yet (it loads lazily) is not down.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, TypeAlias, get_args

from pii.ner import (
    DEFAULT_NER_MODEL,
    GinzaRecogniser,
    NerModelError,
    NerRunError,
    needs_ner,
    ner_model_installed,
)
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
    "MaskLabel",
    "MaskResult",
    "MaskerCapabilities",
    "MaskingConfig",
    "NerDown",
    "NerHealth",
    "NerState",
    "PiiMasker",
    "PiiSpan",
    "PiiType",
    "PlaceholderStyle",
    "Withheld",
    "is_valid_card_number",
    "is_valid_my_number",
    "luhn_valid",
    "my_number_check_digit",
    "resolve_overlaps",
]

log = logging.getLogger(__name__)

PlaceholderStyle = Literal["type", "numbered", "redacted"]


class NerDown(StrEnum):
    """What masking does when NER is wanted but its model is missing or fails to load or run."""

    FAIL_CLOSED = "fail_closed"  # the whole free text is masked ([TEXT]): nothing unmasked gets through
    DEGRADE = "degrade"  # patterns only (names and addresses may get through), reported as an alert


class NerState(StrEnum):
    """Where a masker's NER stands (``GET /readyz`` reports it as ``pii_ner``)."""

    OFF = "off"  # not wanted: use_ner is false, or neither PERSON nor ADDRESS is masked
    NOT_LOADED = "not_loaded"  # wanted and installed; loads on the first Japanese text (or load())
    OK = "ok"  # loaded and running
    DOWN = "down"  # wanted, but missing or failed to load or run: until the process restarts


class Withheld(StrEnum):
    """A whole text masked at once because NER was needed and is down (``NerDown.FAIL_CLOSED``); like
    ``PiiType``, the value doubles as the placeholder label (``[TEXT]``)."""

    TEXT = "TEXT"


MaskLabel: TypeAlias = PiiType | Withheld  # what MaskResult.counts counts


@dataclass(frozen=True)
class NerHealth:
    """A masker's NER at one moment: ``reason`` and ``since`` (UTC) are set when it is down."""

    state: NerState
    mode: NerDown
    reason: str | None = None
    since: datetime | None = None

    @property
    def wanted(self) -> bool:
        return self.state is not NerState.OFF

    @property
    def up(self) -> bool:
        """Wanted and not down (a model not loaded yet counts as up: it loads on first use)."""
        return self.state in (NerState.OK, NerState.NOT_LOADED)


# tie-break between equally long, equally scored spans: the more sensitive type wins
_PRIORITY = tuple(PiiType)[::-1]  # SECRET, PERSON, ADDRESS, POSTAL_CODE, CREDIT_CARD, MY_NUMBER, PHONE, EMAIL
PLACEHOLDER = re.compile(
    r"\[(?:" + "|".join(t.value for t in (*PiiType, *Withheld)) + r"|REDACTED)(?:_\d+)?\]"
)


@dataclass(frozen=True)
class MaskingConfig:
    """What to mask and how.

    ``placeholder``: ``"type"`` -> ``[EMAIL]``; ``"numbered"`` -> ``[EMAIL_1]``, ``[EMAIL_2]`` (the same
    value gets the same number within one text, so a reader can tell two people apart); ``"redacted"`` ->
    ``[REDACTED]`` for every type. Spans scoring below ``min_score`` are ignored. National-format phone
    numbers are read as ``phone_regions`` (ISO 3166 codes); ``+``-prefixed ones are found in any case.
    ``ner_down``: what masking does while NER is wanted but down (see the module docstring).
    """

    entities: frozenset[PiiType] = frozenset(PiiType)
    use_ner: bool = True
    ner_model: str = DEFAULT_NER_MODEL
    placeholder: PlaceholderStyle = "type"
    min_score: float = 0.5
    phone_regions: tuple[str, ...] = ("JP",)
    ner_down: NerDown = NerDown.FAIL_CLOSED

    def __post_init__(self) -> None:
        object.__setattr__(self, "entities", frozenset(PiiType(e) for e in self.entities))
        object.__setattr__(self, "ner_down", NerDown(self.ner_down))
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
    """``text`` with every span replaced by its placeholder; ``spans`` index the *original* text.

    ``withheld``: the whole text was replaced by one ``[TEXT]`` (NER needed and down, fail closed); then
    ``spans`` is empty (nothing was located) and ``counts`` is ``{Withheld.TEXT: 1}``."""

    text: str
    spans: tuple[PiiSpan, ...]
    counts: dict[MaskLabel, int] = field(default_factory=dict)
    withheld: bool = False

    @property
    def masked(self) -> bool:
        return bool(self.spans) or self.withheld


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
    (when enabled and installed) is loaded on first use or by :meth:`load`.

    ``ner`` replaces the recogniser built from ``config.ner_model`` (another pipeline; tests); it is used
    only when the config wants NER."""

    def __init__(self, config: MaskingConfig | None = None, *, ner: GinzaRecogniser | None = None) -> None:
        self.config = config or MaskingConfig()
        wanted = self.config.entities
        candidates: list[Recogniser] = [
            *PATTERN_RECOGNISERS,
            PhoneRecogniser(regions=self.config.phone_regions),
            *SECRET_RECOGNISERS,
        ]
        self._patterns: tuple[Recogniser, ...] = tuple(r for r in candidates if r.entity_types & wanted)
        self._ner_wanted = self.config.use_ner and bool(wanted & {PiiType.PERSON, PiiType.ADDRESS})
        self._ner: GinzaRecogniser | None = None
        self._down: NerHealth | None = None  # set once, when NER goes down
        self._degraded: list[str] = []
        self._lock = threading.Lock()
        if self._ner_wanted:
            if ner is not None:
                self._ner = ner
            elif ner_model_installed(self.config.ner_model):
                self._ner = GinzaRecogniser(self.config.ner_model)
            else:
                self._mark_down(f"NER model {self.config.ner_model!r} is not installed")

    def _mark_down(self, reason: str) -> None:
        """NER is down from now on (until the process restarts); logged once, at ERROR."""
        if self.config.ner_down is NerDown.FAIL_CLOSED:
            consequence = "texts with kana or kanji are masked whole ([TEXT])"
        else:
            consequence = "names and addresses come from patterns only"
        with self._lock:
            if self._down is not None:  # already down (e.g. two threads failed to load at once): log once
                return
            # _down before _ner: a reader without the lock never sees NER gone but not yet down
            self._down = NerHealth(NerState.DOWN, self.config.ner_down, reason, datetime.now(UTC))
            self._ner = None
            self._degraded.append(f"{reason}: {consequence}")
        log.error("PII masking degraded (ner_down=%s): %s: %s", self.config.ner_down, reason, consequence)

    @property
    def ner_health(self) -> NerHealth:
        """Where NER stands now; reads state only (never loads the model)."""
        down = self._down
        if down is not None:
            return down
        if not self._ner_wanted:
            return NerHealth(NerState.OFF, self.config.ner_down)
        ner = self._ner
        loaded = ner is not None and ner.loaded
        return NerHealth(NerState.OK if loaded else NerState.NOT_LOADED, self.config.ner_down)

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
        """Load the NER model now rather than on the first text (no-op when NER is off or down)."""
        ner = self._ner
        if ner is not None:
            try:
                ner.load()
            except NerModelError as exc:
                self._mark_down(f"NER model {ner.model_name!r} failed to load ({exc.__cause__})")

    def find(self, text: str) -> list[PiiSpan]:
        """The spans that :meth:`mask` would replace, sorted by start (with NER down, the pattern spans:
        under ``FAIL_CLOSED`` :meth:`mask` withholds a text that needs NER whole instead)."""
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[PiiSpan]]:
        """:meth:`find` for many texts (one list per text), batching the NER model."""
        return self._resolve(texts, self._ner_find_many(texts))

    def _resolve(self, texts: Sequence[str], ner_spans: list[list[PiiSpan]] | None) -> list[list[PiiSpan]]:
        wanted = self.config.entities
        out = []
        for i, text in enumerate(texts):
            from_ner = ner_spans[i] if ner_spans is not None else []
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
        ner_spans = self._ner_find_many(texts)
        fail_closed = ner_spans is None and self.config.ner_down is NerDown.FAIL_CLOSED
        return [
            self._withhold() if fail_closed and needs_ner(text) else self._apply(text, spans)
            for text, spans in zip(texts, self._resolve(texts, ner_spans), strict=True)
        ]

    def _ner_find_many(self, texts: Sequence[str]) -> list[list[PiiSpan]] | None:
        """NER spans per text; ``None`` when NER is wanted but down (before or during this call)."""
        if not self._ner_wanted:
            return [[] for _ in texts]
        ner = self._ner
        if ner is None:
            return None
        try:
            return ner.find_many(texts)  # loads the model if any text is Japanese
        except NerRunError as exc:
            self._mark_down(str(exc))
        except NerModelError as exc:
            self._mark_down(f"NER model {ner.model_name!r} failed to load ({exc.__cause__})")
        return None

    def _withhold(self) -> MaskResult:
        label = {"redacted": "REDACTED", "numbered": f"{Withheld.TEXT.value}_1"}.get(
            self.config.placeholder, Withheld.TEXT.value
        )
        return MaskResult(text=f"[{label}]", spans=(), counts={Withheld.TEXT: 1}, withheld=True)

    def _apply(self, text: str, spans: list[PiiSpan]) -> MaskResult:
        numbers: dict[tuple[PiiType, str], int] = {}
        per_type: Counter[MaskLabel] = Counter()
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

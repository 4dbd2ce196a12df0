"""Named-entity recogniser for Japanese person names and addresses, on GiNZA (spaCy pipeline ``ja_ginza``).

GiNZA's NER labels follow Sekine's Extended Named Entity hierarchy: ``Person`` for people, and
``Province`` / ``City`` / ``County`` / ``GPE_Other`` / ... for places. Names become PERSON spans with
any trailing honorific (様, さん, 氏, ...) left outside, so ``山田様`` masks to ``[PERSON]様``. A place
becomes an ADDRESS only when a block number follows it (``新宿区西新宿`` + ``2-8-1``): a city alone
singles nobody out. The model is loaded on first use (about 1.5 s, ~300 MB resident), never at import;
texts with no kana or kanji skip the model (``needs_ner``: it finds nothing useful in English). Long
texts are fed in chunks because SudachiPy refuses inputs over 49,149 bytes.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from pii.patterns import ADDRESS_TAIL, PREFECTURES
from pii.recognisers import PiiSpan, PiiType

DEFAULT_NER_MODEL = "ja_ginza"
PERSON_LABELS = frozenset({"Person", "PERSON"})
PLACE_LABELS = frozenset(
    {"Province", "City", "County", "GPE_Other", "Location_Other", "Domestic_Region", "Region_Other", "GPE"}
)
HONORIFICS = ("さま", "さん", "くん", "ちゃん", "先生", "様", "氏", "殿", "君")
# pipes the NER does not need: leaving them out halves the load time
_UNUSED_PIPES = ("parser", "morphologizer", "attribute_ruler", "compound_splitter", "bunsetu_recognizer")
# GiNZA sometimes calls a bare place a Person ("東京都千代田区" alone): such spans are dropped
_PLACE_LIKE = re.compile(f"^(?:{PREFECTURES})|[都道府県市区郡]$")
_JAPANESE = re.compile("[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff]")
MAX_CHUNK_CHARS = 8000  # 8,000 characters stay below Sudachi's 49,149-byte limit even at 4 bytes each


def ner_model_installed(model_name: str = DEFAULT_NER_MODEL) -> bool:
    """True when spaCy and the model package can be imported (checked without importing them)."""
    try:
        return (
            importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(model_name) is not None
        )
    except (ImportError, ValueError):
        return False


def needs_ner(text: str) -> bool:
    """True when ``text`` holds kana or kanji: only such texts are fed to the model (the rest skip it, and
    a masker whose NER is down has nothing to withhold for them)."""
    return _JAPANESE.search(text) is not None


def chunks(text: str, limit: int = MAX_CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``limit`` characters, cut after a newline or 。 when possible."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n"), window.rfind("。"))
        end = start + (cut + 1 if cut > 0 else limit)
        yield start, text[start:end]
        start = end
    if start < len(text) or not text:
        yield start, text[start:]


def strip_honorific(text: str, start: int, end: int) -> int:
    """The end of ``text[start:end]`` with one trailing honorific removed (if a name remains)."""
    for suffix in HONORIFICS:
        if text.endswith(suffix, start, end) and end - len(suffix) > start:
            return end - len(suffix)
    return end


class NerModelError(RuntimeError):
    """The NER model could not be loaded (not installed, not a spaCy pipeline, broken) or failed to run."""


class NerRunError(NerModelError):
    """The loaded NER model raised while processing texts (the message names the error type only: the
    original message may quote the text)."""


class GinzaRecogniser:
    """PERSON and ADDRESS spans from a spaCy Japanese NER pipeline (GiNZA by default).

    ``find`` / ``find_many`` load the model on first use; ``load`` does it eagerly. Both raise
    :class:`NerModelError` when the model is missing or broken, ``find`` / ``find_many`` raise
    :class:`NerRunError` when it fails on a text (``PiiMasker`` catches both and marks NER down)."""

    def __init__(
        self, model_name: str = DEFAULT_NER_MODEL, *, person_score: float = 0.85, address_score: float = 0.85
    ) -> None:
        self.model_name = model_name
        self.person_score = person_score
        self.address_score = address_score
        self._nlp: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"ner:{self.model_name}"

    @property
    def entity_types(self) -> frozenset[PiiType]:
        return frozenset({PiiType.PERSON, PiiType.ADDRESS})

    @property
    def loaded(self) -> bool:
        return self._nlp is not None

    def load(self) -> None:
        with self._lock:
            if self._nlp is None:
                try:
                    import spacy

                    self._nlp = spacy.load(self.model_name, exclude=list(_UNUSED_PIPES))
                except Exception as exc:  # OSError, ImportError, a broken config, MemoryError, ...
                    raise NerModelError(f"cannot load NER model {self.model_name!r}: {exc}") from exc

    def find(self, text: str) -> list[PiiSpan]:
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[PiiSpan]]:
        """Spans for each text, batched through the pipeline (faster than one call per text)."""
        pieces = [
            (i, offset, piece)
            for i, text in enumerate(texts)
            for offset, piece in chunks(text)
            if needs_ner(piece)
        ]
        found: list[list[PiiSpan]] = [[] for _ in texts]
        if not pieces:
            return found
        self.load()
        try:
            with self._lock:
                docs = list(self._nlp.pipe(piece for _, _, piece in pieces))
            for (i, offset, piece), doc in zip(pieces, docs, strict=True):
                found[i].extend(self._spans(piece, doc, offset))
        except Exception as exc:
            raise NerRunError(
                f"NER model {self.model_name!r} failed on a text ({type(exc).__name__})"
            ) from exc
        return found

    def _spans(self, text: str, doc: Any, offset: int) -> Iterator[PiiSpan]:
        for ent in doc.ents:
            if ent.label_ in PERSON_LABELS and not _PLACE_LIKE.search(ent.text):
                end = strip_honorific(text, ent.start_char, ent.end_char)
                yield PiiSpan(
                    PiiType.PERSON, offset + ent.start_char, offset + end, self.person_score, self.name
                )
            elif ent.label_ in PLACE_LABELS:
                tail = ADDRESS_TAIL.match(text, ent.end_char)
                if tail is not None:
                    yield PiiSpan(
                        PiiType.ADDRESS,
                        offset + ent.start_char,
                        offset + tail.end(),
                        self.address_score,
                        self.name,
                    )

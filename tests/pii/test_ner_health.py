"""PII masking never degrades silently (issue #31): NER health (off / not loaded / ok / down) read without
loading anything, fail-closed masking of the texts NER was needed for, patterns only under ``DEGRADE``,
one ERROR line per transition, for a missing model, one that fails to load and one that fails to run."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pii.masker import (
    PLACEHOLDER,
    MaskingConfig,
    NerDown,
    NerState,
    PiiMasker,
    PiiType,
    Withheld,
)
from pii.ner import GinzaRecogniser, NerModelError, needs_ner

MISSING = "no_such_ner_model_pkg"
NAMED = "氏名：佐藤 花子、yamada@example.co.jp"  # a labelled name: the patterns alone find it
UNLABELLED = "電話 090-1234-5678 担当の佐藤花子"  # a bare name: only NER finds it
ENGLISH = "Mail bob@example.com or call +81 90 1234 5678"


def down_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "pii.masker" and "degraded" in r.getMessage()]


class FailsToLoad(GinzaRecogniser):
    """A recogniser whose model load raises (a broken install, out of memory ...)."""

    def load(self) -> None:
        raise NerModelError("cannot load NER model 'broken'") from MemoryError("no room for the model")


class _Crashing:
    def pipe(self, texts: Iterator[str]) -> Iterator[Any]:
        for text in texts:
            raise RuntimeError(f"tokeniser crashed on {text!r}")  # the message quotes the text
            yield


class FailsToRun(GinzaRecogniser):
    """A recogniser whose model loads, then raises on every text."""

    def load(self) -> None:
        self._nlp = _Crashing()


@pytest.mark.parametrize("kind", ["missing", "fails_to_load", "fails_to_run"])
def test_ner_down_fails_closed_by_default(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    config = MaskingConfig(ner_model=MISSING if kind == "missing" else "ja_ginza")
    ner = {"missing": None, "fails_to_load": FailsToLoad(), "fails_to_run": FailsToRun()}[kind]
    with caplog.at_level(logging.WARNING, logger="pii.masker"):
        masker = PiiMasker(config, ner=ner)
        assert masker.ner_health.state is (NerState.DOWN if kind == "missing" else NerState.NOT_LOADED)
        english = masker.mask(ENGLISH)
        assert english.text == "Mail [EMAIL] or call [PHONE]" and not english.withheld  # never needed NER
        result = masker.mask(NAMED)
        again = masker.mask_many([UNLABELLED, ENGLISH, "", "[PERSON]様"])
    assert result.text == "[TEXT]" and result.withheld and result.masked
    assert result.spans == () and result.counts == {Withheld.TEXT: 1}
    assert [r.text for r in again] == ["[TEXT]", "Mail [EMAIL] or call [PHONE]", "", "[TEXT]"]
    health = masker.ner_health
    assert health.state is NerState.DOWN and health.mode is NerDown.FAIL_CLOSED
    assert health.wanted and not health.up and health.since is not None
    expected = {
        "missing": "is not installed",
        "fails_to_load": "failed to load",
        "fails_to_run": "failed on a text",
    }
    assert health.reason is not None and expected[kind] in health.reason
    assert "佐藤" not in health.reason  # a run error's message may quote the text: only its type is kept
    lines = down_lines(caplog)
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR and health.reason in lines[0].getMessage()
    assert masker.capabilities.ner_model is None and len(masker.capabilities.degraded) == 1


@pytest.mark.parametrize("kind", ["missing", "fails_to_load", "fails_to_run"])
def test_ner_down_degrades_to_patterns_when_asked(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    config = MaskingConfig(ner_model=MISSING if kind == "missing" else "ja_ginza", ner_down=NerDown.DEGRADE)
    ner = {"missing": None, "fails_to_load": FailsToLoad(), "fails_to_run": FailsToRun()}[kind]
    with caplog.at_level(logging.WARNING, logger="pii.masker"):
        masker = PiiMasker(config, ner=ner)
        assert masker.mask(UNLABELLED).text == "電話 [PHONE] 担当の佐藤花子"  # the bare name gets through
        assert masker.mask(NAMED).text == "氏名：[PERSON]、[EMAIL]"
        assert masker.mask(ENGLISH).text == "Mail [EMAIL] or call [PHONE]"
    health = masker.ner_health
    assert health.state is NerState.DOWN and health.mode is NerDown.DEGRADE and health.reason
    lines = down_lines(caplog)
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR and "patterns only" in lines[0].getMessage()


def test_a_model_that_is_not_loaded_yet_is_not_down() -> None:
    # reading the health and masking English load nothing; the first Japanese text loads GiNZA
    code = (
        "import sys; from pii.masker import PiiMasker; m = PiiMasker(); h = m.ner_health; "
        "m.mask('Mail bob@example.com'); print(h.state, h.up, m.ner_health.state, 'spacy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["not_loaded", "True", "not_loaded", "False"]
    masker = PiiMasker()
    assert masker.mask("担当の佐藤花子に連絡").text == "担当の[PERSON]に連絡"
    assert masker.ner_health.state is NerState.OK and masker.ner_health.up


def test_a_model_that_is_importable_but_no_pipeline_goes_down_on_first_use() -> None:
    masker = PiiMasker(MaskingConfig(ner_model="json"))  # importable, but not a spaCy pipeline
    assert masker.ner_health.state is NerState.NOT_LOADED
    masker.load()
    assert masker.ner_health.state is NerState.DOWN and "failed to load" in (masker.ner_health.reason or "")
    assert masker.mask(UNLABELLED).text == "[TEXT]"


def test_ner_not_wanted_is_off_and_masks_as_before() -> None:
    for config in (
        MaskingConfig(use_ner=False, ner_model=MISSING),
        MaskingConfig(entities=frozenset({PiiType.EMAIL, PiiType.PHONE}), ner_model=MISSING),
    ):
        masker = PiiMasker(config)
        health = masker.ner_health
        assert health.state is NerState.OFF and not health.wanted and health.reason is None
        assert masker.mask(UNLABELLED).text == "電話 [PHONE] 担当の佐藤花子"


def test_withheld_text_follows_the_placeholder_style_and_stays_masked() -> None:
    styles = {"type": "[TEXT]", "numbered": "[TEXT_1]", "redacted": "[REDACTED]"}
    for style, expected in styles.items():
        masker = PiiMasker(MaskingConfig(ner_model=MISSING, placeholder=style))  # type: ignore[arg-type]
        masked = masker.mask(NAMED).text
        assert masked == expected and PLACEHOLDER.fullmatch(masked)
        assert masker.mask(masked).text == masked  # masking a masked text changes nothing


def test_needs_ner_is_the_rule_the_recogniser_uses() -> None:
    assert needs_ner("担当は佐藤") and needs_ner("カタカナ") and needs_ner("ひらがな")
    assert not needs_ner("Sato Hanako, 090-1234-5678") and not needs_ner("") and not needs_ner("[PERSON]")


def test_ner_down_config_is_an_enum() -> None:
    assert MaskingConfig(ner_down="degrade").ner_down is NerDown.DEGRADE  # type: ignore[arg-type]
    assert MaskingConfig().ner_down is NerDown.FAIL_CLOSED
    with pytest.raises(ValueError):
        MaskingConfig(ner_down="open")  # type: ignore[arg-type]


def test_concurrent_failures_go_down_once(caplog: pytest.LogCaptureFixture) -> None:
    masker = PiiMasker(MaskingConfig(ner_model="json"))
    with caplog.at_level(logging.WARNING, logger="pii.masker"), ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(masker.mask, [f"{UNLABELLED} {i}" for i in range(32)]))
    assert {r.text for r in results} == {"[TEXT]"}
    assert len(down_lines(caplog)) == 1
    first = masker.ner_health
    assert masker.ner_health == first  # the transition's time and reason stay those of the first failure

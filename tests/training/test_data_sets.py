"""The project data sets (training/datasets/project/) are exactly what their build gives, and hold their
counts."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from training.datasets.catalogue import PROJECT_SETS
from training.datasets.licences import SOURCE_LICENCES, trainable
from training.datasets.project import build, compose
from training.datasets.rows import read_rows

HERE = Path(build.__file__).resolve().parent
KEYS = ["id", "source", "lang", "prompt", "label", "category"]


@pytest.fixture(scope="module")
def built() -> dict[str, list[dict[str, str]]]:
    return build.build_all()


def test_files_are_regenerated_exactly_by_the_build(built: dict[str, list[dict[str, str]]]) -> None:
    for name, rows in built.items():
        assert (HERE / f"{name}.jsonl").read_text(encoding="utf-8") == build.render(rows), name
    assert build.main(["--check"]) == 0


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    assert build.main(["--out-dir", str(tmp_path)]) == 0
    for name in ("ja_office", "everyday"):  # the first and the last set built on top of the others
        path = tmp_path / f"{name}.jsonl"
        good = path.read_text(encoding="utf-8")
        path.write_text("{}\n", encoding="utf-8")
        assert build.main(["--check", "--out-dir", str(tmp_path)]) == 1
        path.write_text(good, encoding="utf-8")


def test_counts_labels_languages(built: dict[str, list[dict[str, str]]]) -> None:
    langs = {name: Counter(r["lang"] for r in rows) for name, rows in built.items()}
    labels = {name: {r["label"] for r in rows} for name, rows in built.items()}
    assert labels == {
        "hard_benign": {"ALLOW"},
        "ja_office": {"ALLOW"},
        "ja_harmful": {"REFUSE"},
        "en_office": {"ALLOW"},
        "everyday": {"ALLOW"},
    }
    assert langs["ja_office"]["ja"] >= 300 and set(langs["ja_office"]) == {"ja"}
    assert langs["en_office"]["en"] >= 300 and set(langs["en_office"]) == {"en"}
    assert langs["ja_harmful"]["ja"] >= 300 and set(langs["ja_harmful"]) == {"ja"}
    assert langs["hard_benign"]["en"] >= 150 and langs["hard_benign"]["ja"] >= 150
    assert langs["everyday"]["en"] >= 300 and langs["everyday"]["ja"] >= 300
    harmful = Counter(r["category"] for r in built["ja_harmful"])
    for category in (
        "malware",
        "weapons_drugs",
        "forgery_fraud",
        "self_harm",
        "hate_speech",
        "privacy_invasion",
    ):
        assert harmful[category] >= 25, category
    assert harmful["sexual_minors"] == 1  # named by category in one generic request, never more
    office = Counter(r["category"] for r in built["en_office"])
    assert len(office) >= 15 and min(office.values()) >= 10  # broad: many categories, none token
    for name in ("en_office", "everyday"):
        with_context = sum("context" in r for r in built[name]) / len(built[name])
        assert 0.1 <= with_context <= 0.25, name
    for lang in ("en", "ja"):  # broad in both languages: many categories, none token
        everyday = Counter(r["category"] for r in built["everyday"] if r["lang"] == lang)
        assert len(everyday) >= 14 and min(everyday.values()) >= 10, lang


def test_a_new_set_goes_last_so_earlier_files_stay_byte_identical() -> None:
    names = ["hard_benign", "ja_office", "ja_harmful", "en_office", "everyday"]
    assert [ds.name for ds in build.DATA_SETS] == names
    # the LOSO data and the nightly's rehearsal read the same files, in the same order
    assert [path.name for path in PROJECT_SETS] == [f"{name}.jsonl" for name in [*names, "multiturn"]]


def test_the_multi_turn_set_is_what_its_generator_writes_and_reads_as_conversations() -> None:
    from training.datasets.project import multiturn

    path = PROJECT_SETS[-1]
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in multiturn.multiturn_rows())
    assert path.read_text(encoding="utf-8") == expected
    rows = read_rows(path)
    counts = Counter((r.lang, str(r.label)) for r in rows)
    for lang in ("en", "ja"):  # the minimum kinds, both languages
        assert (
            counts[(lang, "REFUSE")] >= 60
            and counts[(lang, "ALLOW")] >= 60
            and counts[(lang, "ESCALATE")] >= 30
        )
    assert all(r.history and r.source == "multiturn" for r in rows)
    assert len({r.text_hash() for r in rows}) == len(rows)


def test_rows_follow_the_schema_and_are_unique(built: dict[str, list[dict[str, str]]]) -> None:
    seen: set[str] = set()
    for name, rows in built.items():
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
        for row in rows:
            assert list(row)[:6] == KEYS and set(row) <= {*KEYS, "context"}
            assert row["source"] == name and re.fullmatch(rf"{name}-(en|ja)-\d{{4}}", row["id"])
            assert row["prompt"].strip() and "{" not in row["prompt"] and row["category"]
            key = compose.normalise(row["prompt"])
            assert key not in seen
            seen.add(key)
        # the files load through the project's own reader, with their source names licensed as ours
        assert len(read_rows(HERE / f"{name}.jsonl")) == len(rows)
        assert "project data" in SOURCE_LICENCES[name] and trainable(name)


def test_slot_lists_parse_from_their_compact_form() -> None:
    slots = compose.parse_slots(
        r"""
        city: Osaka | Chicago
          | Singapore
        memo: - one\n- two | a value that goes on
          onto a second line
        """
    )
    assert slots == {
        "city": ("Osaka", "Chicago", "Singapore"),
        "memo": ("- one\n- two", "a value that goes on onto a second line"),
    }
    with pytest.raises(ValueError, match="twice"):
        compose.parse_slots("a: x\na: y")
    with pytest.raises(ValueError, match="without a name"):
        compose.parse_slots("| x")


def test_near_duplicates_are_rejected() -> None:
    dedupe = compose.Deduper()
    assert dedupe.accept("How do I safely dispose of old lithium batteries from the office?")
    assert not dedupe.accept("How do I  safely dispose of OLD lithium batteries from the office?")
    assert not dedupe.accept("How do I safely dispose of old lithium batteries from the offices?")
    assert dedupe.accept("Write a poem about the sea.")


def test_the_size_buckets_give_the_brute_force_answers() -> None:
    import random

    rng = random.Random(3)
    words = ["tea", "green", "how", "do", "I", "make", "a", "cup", "of", "please", "quick", "the"]
    prompts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 9))) for _ in range(400)]
    dedupe, kept = compose.Deduper(), list[str]()
    for prompt in prompts:
        grams = compose.trigrams(compose.normalise(prompt))
        brute = compose.normalise(prompt) not in {compose.normalise(k) for k in kept} and all(
            compose.jaccard(grams, compose.trigrams(compose.normalise(k))) < compose.NEAR_DUPLICATE
            for k in kept
        )
        assert dedupe.accept(prompt) == brute, prompt
        kept += [prompt] if brute else []
    assert 10 < len(kept) < 400  # both answers happened


def test_a_cell_that_cannot_reach_its_size_fails_loudly() -> None:
    import random

    cell = compose.Cell("en", "tiny", 3, ("Hello {who}.",), {"who": ("Ann", "Bob")})
    with pytest.raises(RuntimeError, match="only 2 distinct prompts"):
        compose.prompts_for(cell, random.Random(0), compose.Deduper(threshold=1.01))
    bad = compose.Cell("en", "bad", 1, ("Hi {missing}.",), {})
    with pytest.raises(ValueError, match="undefined slots"):
        compose.validate(bad)


def test_build_is_deterministic() -> None:
    assert json.dumps(build.build_all()) == json.dumps(build.build_all())

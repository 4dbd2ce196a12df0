"""Build the project's safety data sets: the single source of truth for the JSONL files beside it.

    python -m training.datasets.project.build            # rewrite every set's JSONL file (DATA_SETS)
    python -m training.datasets.project.build --check    # exit 1 if a file differs from what the build gives
    python -m training.datasets.project.build --stats    # also print the Markdown count table for README.md

Deterministic (every random choice comes from ``random.Random`` seeded with ``SEED`` and the cell's
name), so a rebuild writes the files byte-identically. Prompts are unique across the sets and against
the enterprise seed set (``training/datasets/seed``). A new set goes at the *end* of ``DATA_SETS``: the
sets share
one de-duplicator in that order, so appending one leaves the earlier files byte-identical. Standard
library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.datasets.project import (
    en_office,
    everyday_en,
    everyday_ja,
    hard_benign_en,
    hard_benign_ja,
    ja_harmful,
    ja_office,
)
from training.datasets.project.compose import Cell, Deduper, build_set, normalise

SEED = "so8t-data-sets-v1"
HERE = Path(__file__).resolve().parent
ENTERPRISE_SEED = HERE.parent / "seed" / "enterprise_seed.jsonl"


@dataclass(frozen=True)
class DataSet:
    name: str  # also the rows' ``source`` and the file name
    label: str
    cells: tuple[Cell, ...]
    contexts: Mapping[str, Sequence[str]]
    minimum: Mapping[str, int]  # rows per language the build must reach


DATA_SETS: tuple[DataSet, ...] = (
    DataSet(
        "hard_benign",
        "ALLOW",
        hard_benign_en.CELLS + hard_benign_ja.CELLS,
        {**hard_benign_en.CONTEXTS, **hard_benign_ja.CONTEXTS},
        {"en": 150, "ja": 150},
    ),
    DataSet("ja_office", ja_office.LABEL, ja_office.CELLS, ja_office.CONTEXTS, {"ja": 300}),
    DataSet("ja_harmful", ja_harmful.LABEL, ja_harmful.CELLS, ja_harmful.CONTEXTS, {"ja": 300}),
    DataSet("en_office", en_office.LABEL, en_office.CELLS, en_office.CONTEXTS, {"en": 300}),
    DataSet(
        "everyday",
        "ALLOW",
        everyday_en.CELLS + everyday_ja.CELLS,
        {**everyday_en.CONTEXTS, **everyday_ja.CONTEXTS},
        {"en": 300, "ja": 300},
    ),
)


def build_all() -> dict[str, list[dict[str, str]]]:
    """Every set's rows, in the order of DATA_SETS; raises if a set misses its minimum."""
    dedupe = Deduper()
    if ENTERPRISE_SEED.is_file():  # never repeat a prompt the enterprise seed set already has
        for line in ENTERPRISE_SEED.read_text(encoding="utf-8").splitlines():
            dedupe.keys.add(normalise(json.loads(line)["prompt"]))
    out: dict[str, list[dict[str, str]]] = {}
    for ds in DATA_SETS:
        rows = build_set(ds.name, ds.label, ds.cells, ds.contexts, seed=SEED, dedupe=dedupe)
        per_lang = Counter(row["lang"] for row in rows)
        for lang, minimum in ds.minimum.items():
            if per_lang[lang] < minimum:
                raise RuntimeError(f"{ds.name}: {per_lang[lang]} {lang} rows, at least {minimum} needed")
        if any("{" in r["prompt"] or "}" in r["prompt"] for r in rows):
            raise RuntimeError(f"{ds.name}: a prompt has an unfilled placeholder")
        out[ds.name] = rows
    return out


def render(rows: Sequence[Mapping[str, str]]) -> str:
    return "".join(json.dumps(dict(row), ensure_ascii=False) + "\n" for row in rows)


def stats_markdown(sets: Mapping[str, Sequence[Mapping[str, str]]]) -> str:
    lines = ["| file | label | category | en | ja | total |", "|---|---|---|---:|---:|---:|"]
    for name, rows in sets.items():
        counts = Counter((r["category"], r["lang"]) for r in rows)
        for category in sorted({c for c, _ in counts}):
            en, ja = counts[(category, "en")], counts[(category, "ja")]
            lines.append(f"| {name} | {rows[0]['label']} | {category} | {en} | {ja} | {en + ja} |")
        en = sum(1 for r in rows if r["lang"] == "en")
        lines.append(f"| **{name}** | | **all** | **{en}** | **{len(rows) - en}** | **{len(rows)}** |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.datasets.project.build",
        description="Regenerate the project's safety data sets (hard benign EN+JA, Japanese office "
        "requests, Japanese harmful requests, English office requests) from their templates.",
    )
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where the JSONL files go (default: here)")
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing")
    parser.add_argument("--stats", action="store_true", help="print the Markdown count table")
    args = parser.parse_args(argv)

    sets = build_all()
    stale = []
    for name, rows in sets.items():
        path = args.out_dir / f"{name}.jsonl"
        text = render(rows)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
        print(f"{'checked' if args.check else 'wrote'} {path}: {len(rows)} rows")
    if args.stats:
        print("\n" + stats_markdown(sets))
    if stale:
        print(
            "out of date (run python -m training.datasets.project.build): " + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

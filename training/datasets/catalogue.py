"""Rows for leave-one-source-out (LOSO) evaluation.

Rows come from several JSONL files (benchdata and the project's own sets); each row's ``source`` is
its unit of hold-out. Big sources are sampled to at most ``cap`` rows per (source, label) with a
*nested* sample: the rows kept at cap 100 are a subset of those kept at cap 300, so a feature cache
filled at a small cap is reused when the cap grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from training.datasets.project.build import DATA_SETS
from training.datasets.rows import SafetyRow, read_rows, sample_per_group

PROJECT_DATA = Path(__file__).resolve().parent / "project"
SEED_SET = Path(__file__).resolve().parent / "seed" / "enterprise_seed.jsonl"
MULTITURN_SET = PROJECT_DATA / "multiturn.jsonl"  # conversations (its own generator: project/multiturn.py)
PROJECT_SETS: tuple[Path, ...] = (  # project/, in build order (the nightly rehearses them too)
    *(PROJECT_DATA / f"{data_set.name}.jsonl" for data_set in DATA_SETS),
    MULTITURN_SET,
)
PROJECT_FILES: tuple[Path, ...] = (SEED_SET, *PROJECT_SETS)


def load_rows(paths: Sequence[Path], *, cap: int | None, seed: int = 0) -> list[SafetyRow]:
    """Rows of all ``paths``; the same context + prompt counts once (first file wins); then sampled."""
    unique: dict[str, SafetyRow] = {}
    for path in paths:
        for row in read_rows(path):
            unique.setdefault(row.text_hash(), row)
    rows = list(unique.values())
    return rows if cap is None else sample_per_group(rows, cap=cap, seed=seed)

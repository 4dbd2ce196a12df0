"""Safety data rows: reading the benchdata JSONL schema and sampling it reproducibly."""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from model.labels import LABEL_INDEX


class DataError(ValueError):
    """A data file is missing, unreadable or has rows that do not fit the schema."""


@dataclass(frozen=True)
class SafetyRow:
    id: str
    prompt: str
    label: str  # ALLOW | REFUSE | ESCALATE
    lang: str
    source: str
    context: str = ""
    category: str = ""
    task_output: str = ""  # the approved answer (ALLOW rows): the trainer's LM target
    safety_rationale: str = ""  # why the label is right (a reviewer's reason for reviewed cases)

    @property
    def label_index(self) -> int:
        return LABEL_INDEX[self.label]

    def text_hash(self) -> str:
        return hashlib.sha256(f"{self.context}\x00{self.prompt}".encode()).hexdigest()


def read_rows(path: Path) -> list[SafetyRow]:
    """Read a JSONL file in the benchdata schema or the training-example schema (``prompt`` or
    ``user_request``; ``label`` or ``safety_label``; optional ``task_output`` and ``safety_rationale``)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    rows: list[SafetyRow] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                prompt = raw.get("prompt", raw.get("user_request"))
                label = str(raw.get("label", raw.get("safety_label")) or "").upper()
            except (json.JSONDecodeError, KeyError, AttributeError) as exc:
                raise DataError(f"{path}:{n}: not a valid row ({exc})") from exc
            if not isinstance(prompt, str) or not prompt.strip():
                raise DataError(f"{path}:{n}: row has no prompt/user_request text")
            if label not in LABEL_INDEX:
                raise DataError(f"{path}:{n}: label {label!r} is not one of {sorted(LABEL_INDEX)}")
            rows.append(
                SafetyRow(
                    id=str(raw.get("id") or f"{path.stem}-{n}"),
                    prompt=prompt,
                    label=label,
                    lang=str(raw.get("lang") or "en"),
                    source=str(raw.get("source") or path.stem),
                    context=str(raw.get("context") or ""),
                    category=str(raw.get("category") or ""),
                    task_output=str(raw.get("task_output") or ""),
                    safety_rationale=str(raw.get("safety_rationale") or ""),
                )
            )
    return rows


def sample_per_group(
    rows: Iterable[SafetyRow], *, cap: int, seed: int = 0, key: str = "source_label"
) -> list[SafetyRow]:
    """At most ``cap`` rows per (source, label) group (or per source with ``key="source"``), chosen
    reproducibly and *nested*: a larger cap keeps a superset of a smaller one, so a feature cache filled
    at a small cap is reused when the cap grows."""
    groups: dict[tuple[str, str], list[SafetyRow]] = defaultdict(list)
    for row in rows:
        groups[(row.source, row.label) if key == "source_label" else (row.source, "")].append(row)
    out: list[SafetyRow] = []
    for source, label in sorted(groups):
        group = list(groups[(source, label)])
        random.Random(f"{seed}:{source}:{label}").shuffle(group)
        out.extend(group[:cap])
    return out


def split_of(row: SafetyRow, *, val_percent: int = 10, test_percent: int = 15) -> str:
    """Deterministic train/val/test split from a hash of the text: the same text never crosses splits."""
    bucket = int(row.text_hash()[:8], 16) % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + val_percent:
        return "val"
    return "train"


def collect_rows(
    whole: Sequence[Path], sampled: Sequence[Path], *, cap: int, seed_set: Path | None
) -> list[SafetyRow]:
    """Rows for head training: ``whole`` files entirely, ``sampled`` files capped per (source, label),
    plus the seed set; the same context + prompt counts once."""
    rows: list[SafetyRow] = []
    for path in whole:
        rows.extend(read_rows(path))
    for path in sampled:
        rows.extend(sample_per_group(read_rows(path), cap=cap, seed=0))
    if seed_set is not None and seed_set.is_file():
        rows.extend(read_rows(seed_set))
    return list({r.text_hash(): r for r in rows}.values())

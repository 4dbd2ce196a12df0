"""Dataset snapshots: files + seed set + reviewed cases -> deduplicated, split, hashed, recorded.

``build_snapshot`` reads the sources, turns them into :class:`training.datasets.rows.SafetyRow`\\ s, drops
duplicates (the same context + request counts once; a reviewed case wins over a file row, because a
person's verdict corrects the data, and a later case over an earlier one), splits train / val / test by
a hash of the text (``training.datasets.rows.split_of``: the same text always lands in the same split, so a
case
never crosses splits and the **test split is frozen**: a text that is in it is in it in every snapshot
and is never trained on), and names the result by the SHA-256 of its canonical JSON lines. The examples
are written to ``<root>/<sha256[:16]>/examples.jsonl``; the snapshot row, one lineage row per example
made from a reviewed case, and a ``dataset.snapshot`` audit event are added to the caller's session
(flushed, not committed). Building the same content twice returns the existing snapshot.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.registry import DatasetLineage, DatasetSnapshot
from training.datasets.catalogue import SEED_SET
from training.datasets.reviewed import export_reviewed
from training.datasets.rows import SafetyRow, content_sha256, read_rows, sample_per_group, write_rows

EXAMPLES_FILE = "examples.jsonl"


@dataclass(frozen=True)
class DatasetSources:
    """What a snapshot is built from."""

    files: tuple[Path, ...] = ()  # JSONL in the benchdata or example schema
    sample_cap: int | None = None  # at most this many rows per (source, label) of each file
    seed_set: Path | None = SEED_SET
    reviewed: bool = True  # the reviewed cases in the database


@dataclass(frozen=True)
class BuiltDataset:
    snapshot_id: int
    content_sha256: str
    path: Path
    examples: list[SafetyRow]
    new_cases: int  # reviewed cases no earlier snapshot contained
    created: bool  # False: the same content was already a snapshot
    stats: dict[str, Any] = field(default_factory=dict)

    def rows(self, split: str) -> list[SafetyRow]:
        return [e for e in self.examples if e.split == split]

    def case_ids(self, split: str | None = None) -> list[int]:
        return sorted(e.case_id for e in self.examples if e.case_id is not None and split in (None, e.split))


def file_examples(sources: DatasetSources) -> tuple[list[SafetyRow], dict[str, str]]:
    """Rows of the files and the seed set as examples, and each file's SHA-256 (by file name)."""
    paths = [*sources.files, *([sources.seed_set] if sources.seed_set and sources.seed_set.is_file() else [])]
    out: list[SafetyRow] = []
    hashes: dict[str, str] = {}
    for path in paths:
        rows = read_rows(path)
        if sources.sample_cap is not None and path != sources.seed_set:
            rows = sample_per_group(rows, cap=sources.sample_cap, seed=0)
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        out.extend(replace(r, case_id=None) for r in rows)  # only the database's cases count as cases
    return out, hashes


def merge(
    reviewed: Sequence[SafetyRow], files: Sequence[SafetyRow]
) -> tuple[list[SafetyRow], dict[str, int]]:
    """Deduplicate by text (reviewed cases first, later cases over earlier ones; then files in order),
    give each example its split, and keep ids unique."""
    by_text: dict[str, SafetyRow] = {}
    dropped = relabelled = 0
    for example in reversed(reviewed):  # newest decision first: it wins
        key = example.text_hash()
        if key in by_text:
            dropped += 1
        else:
            by_text[key] = example
    for example in files:
        key = example.text_hash()
        kept = by_text.get(key)
        if kept is None:
            by_text[key] = example
            continue
        dropped += 1
        relabelled += kept.case_id is not None and kept.label != example.label
    seen: set[str] = set()
    out = []
    for example in by_text.values():
        unique_id = example.id if example.id not in seen else f"{example.id}#{example.text_hash()[:8]}"
        seen.add(unique_id)
        out.append(replace(example, id=unique_id).with_split())
    return sorted(out, key=lambda e: e.id), {
        "duplicates_dropped": dropped,
        "relabelled_by_review": relabelled,
    }


def counts_of(examples: Sequence[SafetyRow]) -> dict[str, dict[str, int]]:
    return {
        "split": dict(sorted(Counter(e.split for e in examples).items())),
        "label": dict(sorted(Counter(str(e.label) for e in examples).items())),
        "split_label": dict(sorted(Counter(f"{e.split}/{e.label}" for e in examples).items())),
        "source": dict(sorted(Counter(e.source for e in examples).items())),
        "lang": dict(sorted(Counter(e.lang for e in examples).items())),
    }


def build_snapshot(
    *,
    session: Session,
    sources: DatasetSources,
    root: Path,
    now: datetime,
    actor: str,
    actor_role: str = "system",
    mask: Callable[[str], str] = lambda text: text,
) -> BuiltDataset:
    """Build (or find) the snapshot of ``sources`` now; see the module docstring."""
    reviewed = export_reviewed(session=session, mask=mask) if sources.reviewed else None
    reviewed_examples = reviewed.examples if reviewed else []
    files, file_hashes = file_examples(sources)
    examples, stats = merge(reviewed_examples, files)
    digest = content_sha256(examples)
    path = root / digest[:16] / EXAMPLES_FILE
    known_cases = set(session.scalars(select(DatasetLineage.case_id).distinct()))
    in_snapshot = {e.case_id for e in examples if e.case_id is not None}
    new_cases = len(in_snapshot - known_cases)
    stats = {
        **stats,
        "reviewed_cases": len(reviewed_examples),
        "reviewed_skipped": reviewed.skipped if reviewed else 0,
    }
    existing = session.scalar(select(DatasetSnapshot).where(DatasetSnapshot.content_sha256 == digest))
    if existing is not None:
        return BuiltDataset(existing.id, digest, Path(existing.path), examples, new_cases, False, stats)
    write_rows(path, examples)
    counts = counts_of(examples)
    snapshot = DatasetSnapshot(
        content_sha256=digest,
        created_at=now,
        created_by=actor,
        path=str(path),
        examples=len(examples),
        counts=counts,
        sources={
            "files": file_hashes,
            "sample_cap": sources.sample_cap,
            "reviewed": sources.reviewed,
            **stats,
        },
    )
    session.add(snapshot)
    session.flush()
    session.add_all(
        DatasetLineage(
            snapshot_id=snapshot.id,
            example_id=e.id,
            case_id=e.case_id,
            split=e.split,
            label=str(e.label),
            text_sha256=e.text_hash(),
        )
        for e in examples
        if e.case_id is not None
    )
    append_event(
        session=session,
        event_type="dataset.snapshot",
        actor=actor,
        actor_role=actor_role,
        payload={
            "snapshot_id": snapshot.id,
            "content_sha256": digest,
            "examples": len(examples),
            "splits": counts["split"],
            "reviewed_cases": len(in_snapshot),
            "new_cases": new_cases,
            "files": file_hashes,
        },
        now=now,
    )
    session.flush()
    return BuiltDataset(snapshot.id, digest, path, examples, new_cases, True, stats)


def load_snapshot(snapshot: DatasetSnapshot) -> list[SafetyRow]:
    """A snapshot's examples from its file, checked against its content hash."""
    examples = read_rows(Path(snapshot.path), name_defaults=False)
    if content_sha256(examples) != snapshot.content_sha256:
        raise ValueError(f"{snapshot.path} does not match snapshot {snapshot.content_sha256[:16]} (altered?)")
    return examples

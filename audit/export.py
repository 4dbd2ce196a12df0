"""Exporting the audit log as JSON lines with a manifest.

An export is a contiguous piece of the chain: every event from the first one created at or after
``since`` to the last one created before ``until``, in seq order, one JSON object per line with all
columns and both hashes (``created_at`` exactly as it was hashed). Beside it, ``<file>.manifest.json``
records the period, count, first and last seq, the first event's ``prev_hash`` (equal to the previous
export's ``last_hash`` when exports follow each other), the last hash, the chain head at export time,
the file's SHA-256 and who exported it. The export itself is appended to the chain as an
``audit.export`` event in the caller's transaction. ``audit.offline.verify_export`` re-checks a
file without the database.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import orjson
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from audit.chain import (
    iso_utc,
)
from audit.log import AuditChainError, append_event, chain_head
from db.models import AuditEvent

EXPORT_FORMAT = "so8t-audit-jsonl/1"
FIELDS = ("seq", "created_at", "event_type", "actor", "actor_role", "request_id", "case_id", "payload")


@dataclass(frozen=True)
class ExportManifest:
    format: str
    file: str
    since: str | None
    until: str | None
    count: int
    first_seq: int | None
    last_seq: int | None
    first_prev_hash: str | None
    last_hash: str | None
    chain_head_length: int
    chain_head_hash: str
    file_sha256: str
    generated_at: str
    exporter: str
    exporter_role: str
    audit_event_seq: int | None = None


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def export_jsonl(
    *,
    session: Session,
    out: Path | TextIO,
    now: datetime,
    actor: str,
    actor_role: str,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> ExportManifest:
    """Stream the events of [since, until) to ``out`` and audit the export (flushed, not committed).

    With a path, the file is written under a temporary name and renamed when complete, and the manifest
    is written beside it; with an open text stream only the returned manifest describes it.
    """
    head = chain_head(session=session)
    if head is None:
        raise AuditChainError("the audit chain head row is missing; run `so8t db upgrade`")
    first, last = export_range(session=session, since=since, until=until, limit=head.length)
    digest, count, ends = hashlib.sha256(), 0, {"prev": None, "hash": None}
    target = Path(out) if isinstance(out, (str, os.PathLike)) else None
    partial = target.with_name(target.name + ".partial") if target else None
    stream: Any = partial.open("wb") if partial else out
    try:
        for record in _records(session, first, last):
            line = orjson.dumps(record) + b"\n"
            digest.update(line)
            stream.write(line if partial else line.decode("utf-8"))
            if count == 0:
                ends["prev"] = record["prev_hash"]
            ends["hash"], count = record["hash"], count + 1
            if progress is not None and count % 10_000 == 0:
                progress(10_000)
    finally:
        if partial:
            stream.close()
    if progress is not None and count % 10_000:
        progress(count % 10_000)
    manifest = ExportManifest(
        format=EXPORT_FORMAT,
        file=target.name if target else "",
        since=None if since is None else iso_utc(since),
        until=None if until is None else iso_utc(until),
        count=count,
        first_seq=first if count else None,
        last_seq=last if count else None,
        first_prev_hash=ends["prev"],
        last_hash=ends["hash"],
        chain_head_length=head.length,
        chain_head_hash=head.last_hash,
        file_sha256=digest.hexdigest(),
        generated_at=iso_utc(now),
        exporter=actor,
        exporter_role=actor_role,
    )
    payload = {k: v for k, v in asdict(manifest).items() if k not in {"audit_event_seq", "format"}}
    event = append_event(
        session=session,
        event_type="audit.export",
        actor=actor,
        actor_role=actor_role,
        payload=payload,
        now=now,
    )
    manifest = replace(manifest, audit_event_seq=event.seq)
    if target and partial:
        partial.replace(target)
        write_manifest(manifest, manifest_path(target))
    return manifest


def export_range(
    *, session: Session, since: datetime | None, until: datetime | None, limit: int
) -> tuple[int, int]:
    """First and last seq of the export: contiguous, within the chain head's ``limit``."""
    first_q = select(func.min(AuditEvent.seq)).where(AuditEvent.seq <= limit)
    last_q = select(func.max(AuditEvent.seq)).where(AuditEvent.seq <= limit)
    if since is not None:
        first_q = first_q.where(AuditEvent.created_at >= since)
    if until is not None:
        last_q = last_q.where(AuditEvent.created_at < until)
    first, last = session.scalar(first_q), session.scalar(last_q)
    return (1, 0) if first is None or last is None else (first, last)


def _records(session: Session, first: int, last: int) -> Iterator[dict[str, Any]]:
    e = AuditEvent
    stmt = (
        select(e.id, *(getattr(e, f) for f in FIELDS[:-1]), cast(e.payload, Text), e.prev_hash, e.hash)
        .where(e.seq.between(first, last))
        .order_by(e.seq)
    )
    for row in session.connection().execute(stmt, execution_options={"yield_per": 5000}):
        event_id, seq, created_at, event_type, actor, role, request_id, case_id, text, prev, own = row
        # Canonical stored text goes in as it is; anything else (an older row) is decoded first.
        payload = orjson.Fragment(text) if "\n" not in text and "\r" not in text else json.loads(text)
        yield {
            "id": event_id,
            "seq": seq,
            "created_at": iso_utc(created_at),
            "event_type": event_type,
            "actor": actor,
            "actor_role": role,
            "request_id": request_id,
            "case_id": case_id,
            "payload": payload,
            "prev_hash": prev,
            "hash": own,
        }


def write_manifest(manifest: ExportManifest, path: Path) -> None:
    text = json.dumps(asdict(manifest), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def read_manifest(path: Path) -> ExportManifest:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ExportManifest(**{k: data.get(k) for k in ExportManifest.__dataclass_fields__})

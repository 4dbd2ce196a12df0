"""Checking an exported audit file offline (``so8t audit verify --file``): no database needed.

Every line's position, link and hash is re-checked as ``verify_chain`` does in the database (orjson with
the payload's canonical text spliced from the line as the fast path, ``compute_hash`` as the
reference), then the file against its manifest: count, last hash, SHA-256 of the file and, when the
export reached the chain head, the head hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from audit.chain import GENESIS_HASH, ChainCheck, Row, compute_hash, describe_link_target, walk_chain
from audit.export import FIELDS, ExportManifest, manifest_path, read_manifest


class ExportFormatError(ValueError):
    """A line of an export is not an audit event."""


def verify_export(
    path: Path, *, manifest: Path | None = None, progress: Callable[[int], object] | None = None
) -> ChainCheck:
    """Check an exported file offline: every position, link and hash, then its manifest (if any)."""
    beside = manifest_path(path)
    meta = read_manifest(manifest or beside) if manifest or beside.exists() else None
    lines: dict[str, Any] = {"number": 1}
    try:
        start_seq, start_prev = _start(path, meta)
        check = walk_chain(
            _file_rows(path, lines),
            reference=lambda _row: _reference(lines["line"]),
            start_seq=start_seq,
            start_prev=start_prev,
            progress=progress,
        )
    except ExportFormatError as exc:
        return ChainCheck(False, lines["number"], GENESIS_HASH, problem=str(exc), kind="format")
    if not check.ok:
        if check.kind == "link" and check.found is not None:
            return describe_link_target(check, _seq_of_hash(path, check.found))
        return check
    return _check_manifest(path, check, meta) if meta else check


def _start(path: Path, meta: ExportManifest | None) -> tuple[int, str]:
    if meta is not None and meta.first_seq is not None and meta.first_prev_hash is not None:
        return meta.first_seq, meta.first_prev_hash
    with path.open("rb") as f:
        first = f.readline()
    if not first.strip():
        return 1, GENESIS_HASH
    event = _parse(first, 1)
    seq = int(event["seq"])
    # Without a manifest the first link cannot be checked (unless the export starts the chain).
    return (seq, GENESIS_HASH) if seq == 1 else (seq, str(event.get("prev_hash")))


def _parse(line: bytes, number: int) -> dict[str, Any]:
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise ExportFormatError(f"line {number} is not JSON: {exc}") from None
    missing = [k for k in (*FIELDS, "prev_hash", "hash") if not isinstance(event, dict) or k not in event]
    if missing:
        raise ExportFormatError(f"line {number} is not an audit event: missing {', '.join(missing)}")
    if (
        type(event["seq"]) is not int
        or not isinstance(event["prev_hash"], str)
        or not isinstance(event["hash"], str)
    ):
        raise ExportFormatError(f"line {number}: seq must be an integer, prev_hash and hash strings")
    return dict(event)


def _file_rows(path: Path, lines: dict[str, Any]) -> Iterator[Row]:
    """(id, seq, prev_hash, hash, canonical bytes) per line; ``lines`` keeps the current line for
    the reference path."""
    dumps, sort_keys, fragment = orjson.dumps, orjson.OPT_SORT_KEYS, orjson.Fragment
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            lines["line"], lines["number"] = line, number
            event = _parse(line, number)
            fields = {k: event[k] for k in FIELDS}
            fields["prev_hash"] = event["prev_hash"]
            # As export_jsonl writes a line, the payload's canonical text sits between these two keys
            # (JSON strings hold no bare quote, so neither marker can occur inside a value before it).
            start, end = line.find(b',"payload":'), line.rfind(b',"prev_hash":')
            if 0 < start < end:
                fields["payload"] = fragment(line[start + 11 : end])
            try:
                text = dumps(fields, option=sort_keys)
            except orjson.JSONEncodeError:
                text = b""
            yield event.get("id"), event["seq"], event["prev_hash"], event["hash"], text


def _reference(line: bytes) -> str:
    event = json.loads(line)
    return compute_hash({k: event[k] for k in FIELDS}, event["prev_hash"])


def _seq_of_hash(path: Path, wanted: str) -> int | None:
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                event = _parse(line, number)
            except ExportFormatError:
                continue
            if event["hash"] == wanted:
                return int(event["seq"])
    return None


def _check_manifest(path: Path, check: ChainCheck, meta: ExportManifest) -> ChainCheck:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
    problems = [
        (meta.count == check.checked, "count", str(meta.count), str(check.checked)),
        (meta.count == 0 or meta.last_hash == check.head_hash, "last_hash", meta.last_hash, check.head_hash),
        (meta.file_sha256 == sha.hexdigest(), "file_sha256", meta.file_sha256, sha.hexdigest()),
    ]
    if meta.last_seq is not None and meta.last_seq == meta.chain_head_length:
        head_ok = meta.chain_head_hash == check.head_hash
        problems.append((head_ok, "chain_head_hash", meta.chain_head_hash, check.head_hash))
    for ok, name, expected, found in problems:
        if not ok:
            return replace(
                check,
                ok=False,
                kind="manifest",
                problem=f"the manifest's {name} does not match the file: events were added, removed or "
                "the file or manifest was edited",
                expected=expected,
                found=found,
                head_length=meta.chain_head_length,
            )
    return replace(check, head_length=meta.chain_head_length)

"""The audit hash chain itself, free of any database: canonical JSON, event hashes, a streaming checker.

``hash = sha256(canonical_json(fields + {"prev_hash": prev_hash}))``, canonical JSON = sorted keys, UTF-8,
``ensure_ascii=False``, separators ``(",", ":")``; the first event's ``prev_hash`` is 64 zeros.

``walk_chain`` checks a stream of ``(id, seq, prev_hash, hash, canonical_text)`` rows and stops at the
first broken link. ``canonical_text`` comes from a fast path (the database builds it, see
``audit/sql.py``; an export is re-encoded with orjson); when its digest does not match, the row
is recomputed by a ``reference`` function built on :func:`compute_hash`, the function used at append.
A fast path can therefore only cost time, never pass an altered event: matching the stored SHA-256
means hashing the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
PROGRESS_EVERY = 10_000

Row = Sequence[Any]  # (id, seq, prev_hash, hash, canonical_text)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compute_hash(fields: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical_json({**fields, "prev_hash": prev_hash})).hexdigest()


def iso_utc(moment: datetime) -> str:
    """The timestamp as it enters the hash."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking a chain (or an exported part of one).

    On failure ``broken_seq`` is the first position that is not intact, ``broken_id`` the id of the row
    found there, ``kind`` names the problem (``missing``, ``out_of_order``, ``reordered``, ``link``,
    ``content``, ``truncated``, ``beyond_head``, ``head``, ``manifest``, ``format``), ``problem`` says it
    in words, and ``expected`` / ``found`` hold the two values that differ (hashes; seq numbers for
    ``missing`` / ``out_of_order`` / ``beyond_head``). ``head_hash`` is the hash of the last intact event;
    ``head_length`` the length the chain head (or an export's manifest) records.
    """

    ok: bool
    checked: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None
    broken_id: int | None = None
    kind: str | None = None
    expected: str | None = None
    found: str | None = None
    head_length: int | None = None


def walk_chain(
    rows: Iterable[Row],
    *,
    reference: Callable[[Row], str],
    start_seq: int = 1,
    start_prev: str = GENESIS_HASH,
    progress: Callable[[int], object] | None = None,
) -> ChainCheck:
    """Check ``rows`` (ascending seq) and report the first event whose position, link or hash is wrong.

    ``reference(row)`` recomputes a row's hash the way ``append_event`` did; it is called only for rows
    whose ``canonical_text`` (str or bytes) does not hash to the stored value.
    """
    prev, expected_seq, checked = start_prev, start_seq, 0
    sha256 = hashlib.sha256
    for row in rows:
        event_id, seq, link, stored, text = row
        checked += 1
        if seq != expected_seq:
            return seq_break(checked, prev, expected_seq, seq, event_id)
        if link != prev:
            problem = f"prev_hash of seq {seq} does not match the hash of seq {seq - 1}"
            return ChainCheck(False, checked, prev, seq, problem, event_id, "link", prev, link)
        # no text (a column blanked by hand makes the SQL-built text NULL): the reference decides
        if text is None or sha256(text.encode() if type(text) is str else text).hexdigest() != stored:
            digest = reference(row)
            if digest != stored:
                problem = f"hash of seq {seq} does not match the event's contents: a field was altered"
                return ChainCheck(False, checked, prev, seq, problem, event_id, "content", digest, stored)
        prev = stored
        expected_seq += 1
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and checked % PROGRESS_EVERY:
        progress(checked % PROGRESS_EVERY)
    return ChainCheck(True, checked, prev)


def seq_break(checked: int, prev: str, expected: int, found: int, event_id: int | None) -> ChainCheck:
    if found > expected:
        missing = f"seq {expected}" if found == expected + 1 else f"seq {expected}..{found - 1}"
        problem = f"{missing} missing (deleted?): seq {expected - 1} is followed by seq {found}"
        kind = "missing"
    else:
        problem = f"seq {found} appears where seq {expected} was expected (duplicate or out of order)"
        kind = "out_of_order"
    return ChainCheck(False, checked, prev, expected, problem, event_id, kind, str(expected), str(found))


def describe_link_target(check: ChainCheck, target_seq: int | None) -> ChainCheck:
    """Refine a ``link`` break, given the seq of the event whose hash the broken ``prev_hash`` names."""
    if check.kind != "link" or check.broken_seq is None:
        return check
    seq = check.broken_seq
    if target_seq is None:
        problem = (
            f"prev_hash of seq {seq} names no event in the log: its predecessor was deleted or altered, "
            "or the prev_hash itself was edited"
        )
        return replace(check, problem=problem)
    if target_seq >= seq:
        problem = f"events were reordered: seq {seq} links to the event now at seq {target_seq}, after it"
        return replace(check, problem=problem, kind="reordered")
    problem = f"seq {seq} links to seq {target_seq}, not to seq {seq - 1}: events were inserted or replaced"
    return replace(check, problem=problem)

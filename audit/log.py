"""Tamper-evident audit log: append-only events chained by SHA-256.

``hash = sha256(canonical_json(fields + prev_hash))`` with canonical JSON = sorted keys, UTF-8, no
whitespace; the first event's ``prev_hash`` is 64 zeros (see ``audit/chain.py``). Appends first
UPDATE the single chain-head row, which takes a row lock on PostgreSQL and the write lock on SQLite, so
concurrent writers queue up instead of forking the chain. Services never commit: the caller owns the
transaction, so the event is written atomically with whatever it records. There is no code path that
updates or deletes an event, and migration 0002 adds triggers that reject both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from audit.chain import (
    GENESIS_HASH,
    ChainCheck,
    Row,
    canonical_json,
    compute_hash,
    describe_link_target,
    iso_utc,
    walk_chain,
)
from audit.server import server_walk, supported
from audit.sql import canonical_event_text
from db.models import AuditChainHead, AuditEvent

__all__ = [
    "GENESIS_HASH",
    "AuditChainError",
    "ChainCheck",
    "ChainHead",
    "append_event",
    "canonical_json",
    "chain_head",
    "check_against_head",
    "compute_hash",
    "event_fields",
    "verify_chain",
    "verify_range",
]

VERIFY_BATCH = 20_000


class AuditChainError(RuntimeError):
    """The audit chain cannot be appended to."""


def event_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": iso_utc(event.created_at),
        "event_type": event.event_type,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "request_id": event.request_id,
        "case_id": event.case_id,
        "payload": event.payload,
    }


def append_event(
    *,
    session: Session,
    event_type: str,
    actor: str,
    actor_role: str,
    payload: dict[str, Any],
    now: datetime,
    request_id: str | None = None,
    case_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain (written, not committed)."""
    # What is stored is exactly what is hashed: the payload as it reads back from its JSON
    # (tuples become lists; a value JSON cannot hold fails here, before anything is written).
    stored_payload = json.loads(canonical_json(payload))
    # Taking the write lock first: UPDATE blocks other appenders until this transaction ends.
    head = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(length=AuditChainHead.length + 1)
        .returning(AuditChainHead.length, AuditChainHead.last_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if head is None:
        raise AuditChainError("the audit chain head row is missing; run `so8t db upgrade`")
    event = AuditEvent(
        seq=head.length,
        created_at=now.astimezone(UTC),
        event_type=event_type,
        actor=actor,
        actor_role=actor_role,
        request_id=request_id,
        case_id=case_id,
        payload=stored_payload,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = compute_hash(event_fields(event), event.prev_hash)
    # Core, not the unit of work: the event is written now, in order, and never changes (the returned
    # object is a detached record of it, not tracked by the session)
    columns = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns if c.key != "id"}
    event.id = session.execute(insert(AuditEvent).values(columns).returning(AuditEvent.id)).scalar_one()
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_hash=event.hash)
        .execution_options(synchronize_session=False)
    )
    return event


@dataclass(frozen=True)
class ChainHead:
    length: int
    last_hash: str


def chain_head(*, session: Session) -> ChainHead | None:
    """The chain head row (number of events and hash of the last one); None when the row is missing."""
    row = session.execute(
        select(AuditChainHead.length, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    return None if row is None else ChainHead(length=row.length, last_hash=row.last_hash)


def verify_chain(
    *,
    session: Session,
    progress: Callable[[int], object] | None = None,
    batch_size: int = VERIFY_BATCH,
    client_digests: bool = False,
) -> ChainCheck:
    """Walk the chain in seq order and report the first event whose position, link or hash is wrong.

    On PostgreSQL the server computes the digests and only the rows it flags come back
    (``audit.server``); on SQLite, or with ``client_digests``, every event's plain columns are streamed
    (a server-side cursor on PostgreSQL), never ORM objects, and hashed here. Also compares with the
    chain head row, so a deleted tail or events written past the head are caught. ``progress`` is
    called with the number of events checked since its last call. (``audit.parallel`` splits
    the same work over processes.)
    """
    head = chain_head(session=session)
    if head is None:
        return ChainCheck(False, 0, GENESIS_HASH, problem="the chain head row is missing", kind="head")
    check = verify_range(
        session=session,
        first=1,
        last=head.length,
        start_prev=GENESIS_HASH,
        progress=progress,
        batch_size=batch_size,
        client_digests=client_digests,
    )
    return check_against_head(session=session, check=check, head=head)


def verify_range(
    *,
    session: Session,
    first: int,
    last: int,
    start_prev: str,
    progress: Callable[[int], object] | None = None,
    batch_size: int = VERIFY_BATCH,
    client_digests: bool = False,
) -> ChainCheck:
    """Check the events with seq ``first..last``, the one before ``first`` having hash ``start_prev``."""

    def reference(row: Row) -> str:  # the event exactly as append_event hashed it
        event = session.execute(select(AuditEvent).where(AuditEvent.id == row[0])).scalar_one()
        return compute_hash(event_fields(event), event.prev_hash)

    if not client_digests and supported(session):
        check = server_walk(
            session=session,
            first=first,
            last=last,
            start_prev=start_prev,
            reference=reference,
            progress=progress,
        )
    else:
        check = _client_walk(session, first, last, start_prev, reference, progress, batch_size)
    if check.kind == "link" and check.found is not None:
        target = session.scalar(select(AuditEvent.seq).where(AuditEvent.hash == check.found))
        return describe_link_target(check, target)
    return check


def _client_walk(
    session: Session,
    first: int,
    last: int,
    start_prev: str,
    reference: Callable[[Row], str],
    progress: Callable[[int], object] | None,
    batch_size: int,
) -> ChainCheck:
    """Every row fetched, every digest computed in this process."""
    text = canonical_event_text(session.get_bind().dialect.name)
    stmt = (
        select(AuditEvent.id, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, text)
        .where(AuditEvent.seq.between(first, last))
        .order_by(AuditEvent.seq)
    )
    result = session.connection().execute(stmt, execution_options={"yield_per": batch_size})
    try:
        return walk_chain(
            result, reference=reference, start_seq=first, start_prev=start_prev, progress=progress
        )
    finally:
        result.close()


def check_against_head(*, session: Session, check: ChainCheck, head: ChainHead) -> ChainCheck:
    """After a walk of seq 1..head.length: does the chain end where the head says, with nothing beyond?"""
    check = replace(check, head_length=head.length)
    if not check.ok:
        return check
    if check.checked < head.length:
        return replace(
            check,
            ok=False,
            broken_seq=check.checked + 1,
            kind="truncated",
            problem=f"the chain head records {head.length} events but the log ends at seq {check.checked}: "
            "events at the end were deleted",
            expected=head.last_hash,
            found=check.head_hash,
        )
    if check.head_hash != head.last_hash:
        return replace(
            check,
            ok=False,
            broken_seq=head.length,
            kind="head",
            problem=f"the chain head's hash differs from the hash of seq {head.length}",
            expected=head.last_hash,
            found=check.head_hash,
        )
    # Events first, head second: a legitimate append commits both together, so a later read of the
    # head always covers every event an earlier read could see.
    count, low, top = session.execute(
        select(func.count(), func.min(AuditEvent.seq), func.max(AuditEvent.seq))
    ).one()
    now_head = chain_head(session=session)
    recorded = 0 if now_head is None else now_head.length
    if count > recorded or (top or 0) > recorded or (low or 1) < 1:
        return replace(
            check,
            ok=False,
            broken_seq=recorded + 1 if (top or 0) > recorded else low,
            kind="beyond_head",
            problem=f"{count} events with seq {low}..{top} exist but the chain head records {recorded}: "
            "events were written around the application",
            expected=str(recorded),
            found=str(count),
        )
    return check

"""Tamper-evident audit log: append-only events chained by SHA-256.

``hash = sha256(canonical_json(fields + prev_hash))`` with canonical JSON = sorted keys, UTF-8, no
whitespace; the first event's ``prev_hash`` is 64 zeros. Appends first UPDATE the single chain-head row,
which takes a row lock on PostgreSQL and the write lock on SQLite, so concurrent writers queue up
instead of forking the chain. Services never commit: the caller owns the transaction, so the event is
written atomically with whatever it records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


class AuditChainError(RuntimeError):
    """The audit chain cannot be appended to."""


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "event_type": event.event_type,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "request_id": event.request_id,
        "case_id": event.case_id,
        "payload": event.payload,
    }


def compute_hash(fields: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical_json({**fields, "prev_hash": prev_hash})).hexdigest()


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
    """Append one event to the chain (flushed, not committed)."""
    # Taking the write lock first: UPDATE blocks other appenders until this transaction ends.
    bumped = session.execute(
        update(AuditChainHead).where(AuditChainHead.id == 1).values(length=AuditChainHead.length + 1)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise AuditChainError("the audit chain head row is missing; run `so8t db upgrade`")
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    event = AuditEvent(
        seq=head.length,
        created_at=now.astimezone(UTC),
        event_type=event_type,
        actor=actor,
        actor_role=actor_role,
        request_id=request_id,
        case_id=case_id,
        payload=payload,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = compute_hash(event_fields(event), event.prev_hash)
    head.last_hash = event.hash
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None


def verify_chain(*, session: Session) -> ChainCheck:
    """Walk the chain in order and report the first event whose link or hash does not match."""
    prev = GENESIS_HASH
    checked = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        checked += 1
        if event.seq != checked:
            return ChainCheck(False, checked, prev, event.seq, f"expected seq {checked}, found {event.seq}")
        if event.prev_hash != prev:
            return ChainCheck(False, checked, prev, event.seq, "prev_hash does not match the previous event")
        expected = compute_hash(event_fields(event), prev)
        if event.hash != expected:
            return ChainCheck(False, checked, prev, event.seq, "hash does not match the event's contents")
        prev = event.hash
    return ChainCheck(True, checked, prev)

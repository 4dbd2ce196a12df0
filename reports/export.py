"""Auditing a report export: who exported which period, in which language and format, and its digest."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from audit.log import append_event
from db.models import AuditEvent

EVENT_TYPE = "report.export"


def record_report_export(
    *,
    session: Session,
    actor: str,
    actor_role: str,
    start: datetime,
    end: datetime,
    lang: str,
    fmt: str,
    sha256: str,
    now: datetime,
    head_hash: str | None = None,
) -> AuditEvent:
    """Append a ``report.export`` event (flushed; the caller commits). ``head_hash`` is the audit chain
    head the report showed, tying the exported file to the chain state it attests."""
    payload: dict[str, object] = {
        "period_start": start.astimezone(UTC).isoformat(),
        "period_end": end.astimezone(UTC).isoformat(),
        "lang": lang,
        "format": fmt,
        "sha256": sha256,
    }
    if head_hash is not None:
        payload["chain_head"] = head_hash
    return append_event(
        session=session, event_type=EVENT_TYPE, actor=actor, actor_role=actor_role, payload=payload, now=now
    )

"""The canonical JSON of an audit event, built by the database from the stored columns (verify's fast path).

``verify_chain`` only has to hash this text: the database escapes the strings (``json_quote`` on SQLite,
``to_json`` on PostgreSQL, both escaping as Python's json module does), formats the timestamp as
``datetime.isoformat()`` would, and splices in the payload's stored text, which ``db.base.CanonicalJSON``
writes in canonical form. The result is byte for byte ``canonical_json(event_fields(event) + prev_hash)``
for every event written by ``append_event``. Wherever it is not (an unusual character, a payload stored
before 0002), its digest does not match and ``verify_chain`` recomputes that event from the ORM object
with ``compute_hash``, the reference. So this path can only cost time, never pass an altered event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from db.models import AuditEvent


def canonical_event_text(dialect: str) -> ColumnElement[str]:
    """``{"actor":…,"actor_role":…,"case_id":…,"created_at":…,"event_type":…,"payload":…,"prev_hash":…,
    "request_id":…,"seq":…}`` — the keys in sorted order, no whitespace."""
    e = AuditEvent
    parts: list[Any] = [
        '{"actor":',
        _quote(e.actor, dialect),
        ',"actor_role":',
        _quote(e.actor_role, dialect),
        ',"case_id":',
        func.coalesce(cast(e.case_id, String), "null"),
        ',"created_at":"',
        _isoformat(dialect),
        '","event_type":',
        _quote(e.event_type, dialect),
        ',"payload":',
        cast(e.payload, Text),
        ',"prev_hash":',
        _quote(e.prev_hash, dialect),
        ',"request_id":',
        func.coalesce(_quote(e.request_id, dialect), "null"),
        ',"seq":',
        cast(e.seq, String),
        "}",
    ]
    text: ColumnElement[str] = literal(parts[0], String)
    for part in parts[1:]:
        text = text.concat(literal(part, String) if isinstance(part, str) else part)
    return text.label("canonical")


def _quote(column: Any, dialect: str) -> ColumnElement[str]:
    """A JSON string literal of ``column`` (NULL stays NULL), escaped as ``json.dumps`` would."""
    if dialect == "postgresql":
        return cast(func.to_json(cast(column, Text)), Text)
    return func.json_quote(column)  # SQLite


def _isoformat(dialect: str) -> ColumnElement[str]:
    """``created_at`` as ``astimezone(UTC).isoformat()``: microseconds only when not zero, ``+00:00``."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", AuditEvent.created_at)
        micros = func.to_char(utc, "US")
        fraction = case((micros == "000000", ""), else_=literal(".", String).concat(micros))
        return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS').concat(fraction).concat("+00:00")
    # SQLite holds the UTC value as text, "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's storage format).
    stored = cast(AuditEvent.created_at, Text)
    fraction = case((func.substr(stored, 21, 6) == "000000", ""), else_=func.substr(stored, 20, 7))
    return (
        func.substr(stored, 1, 10).concat("T").concat(func.substr(stored, 12, 8)).concat(fraction)
    ).concat("+00:00")

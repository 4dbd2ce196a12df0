"""Tampering with the audit log as a privileged attacker would: first switch off the append-only
triggers (the database owner can), then edit, delete or reorder events with plain SQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, Text, cast, select, text, update

from db.models import AuditEvent

AUDIT_TABLES = ("audit_events", "audit_chain_head")


@contextlib.contextmanager
def triggers_off(conn: Connection) -> Iterator[Connection]:
    """Within ``conn``'s transaction: the triggers off for the block, back on after it (DDL is
    transactional on both backends, so a rollback also restores them)."""
    if conn.dialect.name == "postgresql":
        for table in AUDIT_TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield conn
        for table in AUDIT_TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (:a, :b)"),
        {"a": AUDIT_TABLES[0], "b": AUDIT_TABLES[1]},
    ).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield conn
    for _, ddl in triggers:
        conn.execute(text(ddl))


@contextlib.contextmanager
def privileged(engine: Engine) -> Iterator[Connection]:
    """A committed transaction in which the triggers are off."""
    with engine.begin() as conn, triggers_off(conn):
        yield conn


def swap_positions(conn: Connection, a: int, b: int) -> None:
    """Reorder two events: each takes the other's seq (through a free value, seq is unique)."""
    parked = -1 - max(a, b)
    for old, new in ((a, parked), (b, a), (parked, b)):
        conn.execute(update(AuditEvent).where(AuditEvent.seq == old).values(seq=new))


def stored_payload_text(conn: Connection, seq: int) -> str:
    return str(conn.execute(select(cast(AuditEvent.payload, Text)).where(AuditEvent.seq == seq)).scalar_one())


@contextlib.contextmanager
def rolled_back(engine: Engine) -> Iterator[Connection]:
    """A connection whose every change, DDL included, is rolled back at the end (pysqlite runs DDL
    outside a transaction unless one was begun explicitly, hence the BEGIN on SQLite)."""
    with engine.connect() as conn:
        trans = conn.begin()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            trans.rollback()

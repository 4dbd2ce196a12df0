"""Migration 0002: the append-only triggers come with it and go with its downgrade, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app import dbctl
from db.engine import make_engine

INSERT = (
    "INSERT INTO audit_events (seq, created_at, event_type, actor, actor_role, payload, prev_hash, hash) "
    "VALUES (1, '2026-11-25 09:00:00.000000', 't', 'a', 'admin', '{}', :z, :h)"
)


def rewrite_history(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory'"))
        conn.execute(text("DELETE FROM audit_events"))
        conn.execute(text("UPDATE audit_chain_head SET length = 0"))


def test_0002_adds_the_triggers_and_its_downgrade_removes_them(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        dbctl.upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text(INSERT), {"z": "0" * 64, "h": "1" * 64})
            conn.execute(text("UPDATE audit_chain_head SET length = 1"))
        with pytest.raises(DBAPIError, match="append-only"):
            rewrite_history(engine)
        dbctl.downgrade(engine, "0001")
        rewrite_history(engine)  # without 0002 nothing stops it
        dbctl.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text(INSERT), {"z": "0" * 64, "h": "2" * 64})
        with pytest.raises(DBAPIError, match="append-only"):
            rewrite_history(engine)
        dbctl.downgrade(engine, "base")  # dropping the tables is still possible
        assert dbctl.current(engine) is None
    finally:
        engine.dispose()

"""db/locks.py: the cluster lock is one transaction's at a time on PostgreSQL, and free on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from db.engine import make_engine, make_session_factory
from db.locks import LockKey, try_cluster_lock


@pytest.mark.postgres
def test_a_second_session_does_not_get_the_lock_until_the_first_transaction_ends(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as first, sessions() as second:
            with first.begin():
                assert try_cluster_lock(first, LockKey.SLA_SWEEP)
                assert try_cluster_lock(first, LockKey.SLA_SWEEP)  # re-entrant in its own transaction
                with second.begin():
                    assert not try_cluster_lock(second, LockKey.SLA_SWEEP)  # at once, no waiting
                    assert try_cluster_lock(second, 42)  # another key is another lock
            with second.begin():  # the first committed: the lock went with its transaction
                assert try_cluster_lock(second, LockKey.SLA_SWEEP)
                with first.begin():
                    assert not try_cluster_lock(first, LockKey.SLA_SWEEP)
            with first.begin():  # a rollback releases it too
                assert try_cluster_lock(first, LockKey.SLA_SWEEP)
                first.rollback()
            with second.begin():
                assert try_cluster_lock(second, LockKey.SLA_SWEEP)
                held = second.scalar(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                )
                assert held == 1  # the server shows the lock while it is held
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_session_level_holder_blocks_it_as_well(postgres_url: str) -> None:
    """An operator (or a test) holding ``pg_advisory_lock(key)`` in psql pauses every replica's sweep."""
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        with engine.connect() as holder, sessions() as other:
            holder.execute(select(func.pg_advisory_lock(int(LockKey.SLA_SWEEP))))
            with other.begin():
                assert not try_cluster_lock(other, LockKey.SLA_SWEEP)
            holder.execute(select(func.pg_advisory_unlock(int(LockKey.SLA_SWEEP))))
            with other.begin():
                assert try_cluster_lock(other, LockKey.SLA_SWEEP)
            holder.rollback()
    finally:
        engine.dispose()


def test_sqlite_needs_no_lock(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as first, sessions() as second, first.begin(), second.begin():
            assert try_cluster_lock(first, LockKey.SLA_SWEEP)
            assert try_cluster_lock(second, LockKey.SLA_SWEEP)
    finally:
        engine.dispose()


def test_lock_keys_are_distinct_signed_64_bit_integers() -> None:
    values = [int(k) for k in LockKey]
    assert len(set(values)) == len(values)
    assert all(-(2**63) <= v < 2**63 for v in values)

"""Property tests: whatever a privileged attacker changes in a chain, verify finds it at the right seq.

Tampering with any field of any event, deleting any event, or reordering any two, on both backends
(each example rolls its change back); and the checker itself over random chains held in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import dbctl
from audit.chain import GENESIS_HASH, canonical_json, compute_hash, walk_chain
from audit.log import append_event, verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from tests.audit.tamper import rolled_back, swap_positions, triggers_off

N = 10
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text both backends store as given (PostgreSQL text holds no NUL; no lone surrogates anywhere).
chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(chars, max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(chars, max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
hex64 = st.binary(min_size=32, max_size=32).map(bytes.hex)
NEW_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(N + 1, 2**31 - 1),
    "created_at": st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
    "event_type": st.text(chars, max_size=32),
    "actor": st.text(chars, max_size=64),
    "actor_role": st.text(chars, max_size=16),
    "request_id": st.none() | st.text(chars, max_size=36),
    "case_id": st.none() | st.integers(-(2**31), 2**31 - 1),
    "payload": st.dictionaries(st.text(chars, max_size=6), json_values, max_size=4),
    "prev_hash": hex64,
    "hash": hex64,
}


@pytest.fixture
def chain(db_url: str) -> Iterator[Engine]:
    """A migrated database holding a valid chain of N varied events."""
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    with make_session_factory(engine).begin() as s:
        for i in range(N):
            append_event(
                session=s,
                event_type=("decision", "review.decide", "audit.export")[i % 3],
                actor=("alice", "山田", "bob")[i % 3],
                actor_role=("employee", "reviewer", "admin")[i % 3],
                payload={
                    "i": i,
                    "p": [0.97, 2e-05, 1e-06][i % 3],
                    "text": '監査 "x"\n',
                    "nested": {"b": [1]},
                },
                now=NOW + timedelta(seconds=i, microseconds=i * 7 % 3),
                request_id=None if i % 4 == 0 else f"req-{i}",
                case_id=None if i % 2 else i,
            )
    yield engine
    engine.dispose()


def verify_on(conn: Any) -> Any:
    with Session(bind=conn) as s:
        return verify_chain(session=s)


@EXAMPLES
@given(seq=st.integers(1, N), data=st.data())
def test_altering_any_field_of_any_event_is_found_at_its_seq(
    chain: Engine, seq: int, data: st.DataObject
) -> None:
    field = data.draw(st.sampled_from(sorted(NEW_VALUES)), label="field")
    value = data.draw(NEW_VALUES[field], label="value")
    with rolled_back(chain) as conn, triggers_off(conn):
        column = getattr(AuditEvent, field)
        assume(conn.execute(select(column).where(AuditEvent.seq == seq)).scalar_one() != value)
        conn.execute(update(AuditEvent).where(AuditEvent.seq == seq).values({field: value}))
        result = verify_on(conn)
    assert not result.ok, (field, value)
    assert result.broken_seq == seq, (field, value, result)


@EXAMPLES
@given(seq=st.integers(1, N))
def test_deleting_any_event_is_found_at_its_seq(chain: Engine, seq: int) -> None:
    with rolled_back(chain) as conn, triggers_off(conn):
        conn.execute(delete(AuditEvent).where(AuditEvent.seq == seq))
        result = verify_on(conn)
    assert not result.ok and result.broken_seq == seq
    assert result.kind == ("truncated" if seq == N else "missing")


@EXAMPLES
@given(pair=st.lists(st.integers(1, N), min_size=2, max_size=2, unique=True).map(sorted))
def test_swapping_any_two_events_is_found_at_the_first(chain: Engine, pair: list[int]) -> None:
    a, b = pair
    with rolled_back(chain) as conn, triggers_off(conn):
        swap_positions(conn, a, b)
        result = verify_on(conn)
    assert not result.ok and result.broken_seq == a and result.kind == "reordered", result


def test_examples_left_the_chain_and_its_triggers_as_they_were(chain: Engine) -> None:
    with rolled_back(chain) as conn, triggers_off(conn):
        conn.execute(delete(AuditEvent))
    with Session(chain) as s:
        assert verify_chain(session=s).checked == N
    with pytest.raises(DBAPIError, match="append-only"), chain.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))


# --- the checker alone, over random chains in memory ----------------------------------------------

events = st.fixed_dictionaries(
    {k: v for k, v in NEW_VALUES.items() if k not in {"seq", "prev_hash", "hash"}}
).map(lambda e: {**e, "created_at": e["created_at"].isoformat()})


def build(chain_fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prev, rows = GENESIS_HASH, []
    for seq, fields in enumerate(chain_fields, start=1):
        fields = {**fields, "seq": seq}
        own = compute_hash(fields, prev)
        rows.append({**fields, "prev_hash": prev, "hash": own})
        prev = own
    return rows


def as_rows(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What the database's fast path yields: (id, seq, prev_hash, hash, canonical text of the fields)."""
    out = []
    for r in rows:
        fields = {k: v for k, v in r.items() if k != "hash"}
        out.append((r["seq"], r["seq"], r["prev_hash"], r["hash"], canonical_json(fields)))
    return out


def reference(row: tuple[Any, ...]) -> str:
    return hashlib.sha256(row[4]).hexdigest()


@settings(max_examples=50, deadline=None)
@given(chain_fields=st.lists(events, min_size=1, max_size=8), data=st.data())
def test_walk_chain_finds_any_change_in_a_random_chain(
    chain_fields: list[dict[str, Any]], data: st.DataObject
) -> None:
    rows = build(chain_fields)
    intact = walk_chain(as_rows(rows), reference=reference)
    assert intact.ok and intact.checked == len(rows) and intact.head_hash == rows[-1]["hash"]
    k = data.draw(st.integers(1, len(rows)), label="seq")
    action = data.draw(st.sampled_from(["field", "delete", "swap"]), label="action")
    if action == "field":
        field = data.draw(st.sampled_from(sorted(set(NEW_VALUES) - {"seq"})), label="field")
        value = data.draw(NEW_VALUES[field], label="value")
        if field == "created_at":
            value = value.isoformat()
        assume(rows[k - 1][field] != value)
        rows[k - 1] = {**rows[k - 1], field: value}
        expected = k
    elif action == "delete":
        assume(k < len(rows))  # a deleted last event leaves a shorter valid chain: the head catches that
        del rows[k - 1]
        expected = k
    else:
        assume(k < len(rows))
        b = data.draw(st.integers(k + 1, len(rows)), label="other")
        rows[k - 1], rows[b - 1] = {**rows[b - 1], "seq": k}, {**rows[k - 1], "seq": b}
        expected = k
    result = walk_chain(as_rows(rows), reference=reference)
    assert not result.ok and result.broken_seq == expected, (action, result)

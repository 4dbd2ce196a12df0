"""verify on PostgreSQL with the database doing the hashing: only the rows it cannot vouch for come back.

The client walk (``audit.chain.walk_chain``) fetches every event, and on PostgreSQL the driver's
per-row cost caps it near the speed of fetching (about 120,000 rows/s here), below the 200,000
events/s target. Here the server checks a range of events in one statement — the event's position
(``seq`` follows the previous row's), its link (``prev_hash`` = the previous row's ``hash``) and its
content (``pg_catalog.sha256`` of the canonical text built by ``audit.sql``) — and returns the first
row that fails any of the three, or nothing. That row is then judged here by ``walk_chain`` itself,
with the reference digest of ``append_event`` (``audit.log``): a real break is reported exactly as
the client walk reports it, and a false alarm (an event whose SQL-built text differs from Python's,
e.g. a payload stored before migration 0002) is cleared and the scan goes on after it.

What this trusts: the server's ``pg_catalog.sha256`` (schema-qualified, so no function on the search
path can stand in for it; only a superuser can replace a catalog function, and a superuser can rewrite
the whole chain with fresh hashes anyway, which only an exported manifest or an external copy of the
head catches, whoever computes the digests). ``so8t audit verify --client-digests`` recomputes every
digest in the verifying process instead, at the client walk's speed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from audit.chain import ChainCheck, Row, walk_chain
from audit.sql import canonical_event_text
from db.models import AuditEvent

CHUNK = 200_000  # events per statement: the progress bar's step, and what one statement holds in memory


def supported(session: Session) -> bool:
    """The database can hash: PostgreSQL (11 and later have ``sha256(bytea)``)."""
    return session.get_bind().dialect.name == "postgresql"


def first_suspect_statement() -> Select[tuple[object, ...]]:
    """The first event of ``seq`` ``:lo..:hi`` whose position, link or digest is wrong; the expected
    seq and prev_hash of the range's first row are ``:expected`` and ``:prev``."""
    e = AuditEvent
    rows = (
        select(
            e.id,
            e.seq,
            e.prev_hash,
            e.hash,
            canonical_event_text("postgresql"),
            func.lag(e.seq).over(order_by=e.seq).label("before_seq"),
            func.lag(e.hash).over(order_by=e.seq).label("before_hash"),
        )
        .where(e.seq.between(bindparam("lo"), bindparam("hi")))
        .subquery()
    )
    digest = func.encode(func.pg_catalog.sha256(func.convert_to(rows.c.canonical, "UTF8")), "hex")
    return (
        select(rows)
        .where(
            or_(
                # IS DISTINCT FROM: a NULL anywhere (a column blanked by hand) is a suspect, not a pass
                rows.c.seq.is_distinct_from(func.coalesce(rows.c.before_seq + 1, bindparam("expected"))),
                rows.c.prev_hash.is_distinct_from(func.coalesce(rows.c.before_hash, bindparam("prev"))),
                digest.is_distinct_from(rows.c.hash),
            )
        )
        .order_by(rows.c.seq)
        .limit(1)
    )


def server_walk(
    *,
    session: Session,
    first: int,
    last: int,
    start_prev: str,
    reference: Callable[[Row], str],
    progress: Callable[[int], object] | None = None,
    chunk: int | None = None,
) -> ChainCheck:
    """``walk_chain``'s answer for the events with seq ``first..last`` (the one before ``first`` having
    hash ``start_prev``), with the digests computed by PostgreSQL."""
    suspect_of, step = first_suspect_statement(), chunk or CHUNK
    expected, prev, lo = first, start_prev, first
    while lo <= last:
        hi = min(lo + step - 1, last)
        params = {"lo": lo, "hi": hi, "expected": expected, "prev": prev}
        suspect = session.execute(suspect_of, params).first()
        if suspect is not None:
            # every row before it in the range is intact, so it is judged as the walk would judge it
            row_expected = expected if suspect.before_seq is None else suspect.before_seq + 1
            row_prev = prev if suspect.before_hash is None else suspect.before_hash
            row = (suspect.id, suspect.seq, suspect.prev_hash, suspect.hash, suspect.canonical)
            check = walk_chain([row], reference=reference, start_seq=row_expected, start_prev=row_prev)
            if not check.ok:
                return replace(check, checked=row_expected - first + check.checked)
            _report(progress, suspect.seq + 1 - expected)
            expected, prev, lo = suspect.seq + 1, suspect.hash, suspect.seq + 1  # a false alarm: go on
            continue
        end = session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.seq.between(lo, hi))
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()
        if end is not None:
            _report(progress, end.seq + 1 - expected)
            expected, prev = end.seq + 1, end.hash
        lo = hi + 1
    return ChainCheck(True, expected - first, prev)


def _report(progress: Callable[[int], object] | None, n: int) -> None:
    if progress is not None and n > 0:
        progress(n)

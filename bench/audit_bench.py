"""Audit log speed on SQLite and PostgreSQL: append throughput and verify speed over a long chain.

  append, 1/txn      events/s appending one event per transaction (what a request costs: one commit)
  append, 100/txn    events/s appending 100 events per transaction (batch road, sweeps)
  verify             events/s of verify_chain over --events events (a valid chain bulk-inserted with
                     Core executemany, hashes computed with audit.chain.compute_hash), against the
                     200k events/s target; then verify_chain_parallel with --workers processes; and the
                     seed's verify (ORM objects + json module) on the first --seed-events, for scale.
                     On PostgreSQL twice: with the server computing the digests (the default,
                     audit/server.py) and with --client-digests' road (every digest in this process)

Each backend gets a fresh database: a temporary SQLite file, and a PostgreSQL database created on the
server of --pg-url and dropped afterwards. Usage:
  .venv/bin/python bench/audit_bench.py [--events 1000000] [--append 20000] [--pg-url URL] [--no-pg]
"""

from __future__ import annotations

import argparse
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from scratch_db import scratch_database  # bench/scratch_db.py (run from bench/)
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from app import dbctl
from audit.chain import GENESIS_HASH, compute_hash
from audit.log import append_event, chain_head, event_fields, verify_chain
from audit.parallel import verify_chain_parallel
from db.engine import make_engine, make_session_factory
from db.models import AuditChainHead, AuditEvent

TARGET = 200_000  # verify, events/s
START = datetime(2026, 11, 1, tzinfo=UTC)
RATIONALES = (
    "Routine office task; no policy category matched.",
    "社内の通常業務に関する依頼です。方針上の問題はありません。",
    "Requests credentials of another employee (credential_theft).",
    "個人情報の持ち出しにあたるため、人の判断へ回します。",
)


def decision_payload(rng: random.Random) -> dict[str, Any]:
    """A payload shaped like review/records.py's ``decision`` event, with varied numbers and text."""
    raw = [rng.random() ** 4 for _ in range(3)]
    probs = {k: round(v / sum(raw), 6) for k, v in zip(("ALLOW", "ESCALATE", "REFUSE"), raw, strict=True)}
    decision = max(probs, key=probs.__getitem__)
    return {
        "decision": decision,
        "reason_code": "OK" if decision == "ALLOW" else "POLICY",
        "confidence": probs[decision],
        "probabilities": probs,
        "rationale": rng.choice(RATIONALES),
        "model_version": "sha256:9c1f0e4d2b7a",
        "policy_version": "2026.11-1",
        "input_sha256": f"{rng.getrandbits(256):064x}",
        "input_excerpt": "Draft an email to [PERSON] about the Q3 budget",
        "flags": [],
        "error": None,
        "category": None,
        "lang": rng.choice(("en", "ja")),
    }


def bulk_chain(n: int, start_seq: int, prev: str, chunk: int = 10_000) -> Iterator[list[dict[str, Any]]]:
    """A valid continuation of a chain, ``chunk`` rows at a time (hashes by the reference function)."""
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    for seq in range(start_seq, start_seq + n):
        event = AuditEvent(
            seq=seq,
            created_at=START + timedelta(milliseconds=seq),
            event_type="decision",
            actor=f"user{seq % 500}",
            actor_role="employee",
            request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            case_id=None,
            payload=decision_payload(rng),
        )
        digest = compute_hash(event_fields(event), prev)
        row = {**event_fields(event), "created_at": event.created_at, "prev_hash": prev, "hash": digest}
        rows.append(row)
        prev = digest
        if len(rows) == chunk:
            yield rows
            rows = []
    if rows:
        yield rows


def load_chain(engines: list[Engine], n: int) -> None:
    """Append ``n`` bulk-inserted events to the chain in every engine (all start from the same head)."""
    with Session(engines[0]) as s:
        head = chain_head(session=s)
    assert head is not None
    done, start = 0, time.perf_counter()
    for rows in bulk_chain(n, head.length + 1, head.last_hash):
        for engine in engines:
            with engine.begin() as conn:
                conn.execute(insert(AuditEvent), rows)
                conn.execute(
                    update(AuditChainHead)
                    .where(AuditChainHead.id == 1)
                    .values(length=rows[-1]["seq"], last_hash=rows[-1]["hash"])
                )
        done += len(rows)
        print(f"\r  loaded {done:,}/{n:,} events ({time.perf_counter() - start:.0f} s)", end="", flush=True)
    print()


def append_rate(engine: Engine, n: int, per_txn: int) -> float:
    sessions = make_session_factory(engine)
    rng = random.Random(per_txn)
    start = time.perf_counter()
    for i in range(0, n, per_txn):
        with sessions.begin() as s:
            for _ in range(min(per_txn, n - i)):
                append_event(
                    session=s,
                    event_type="decision",
                    actor="bench",
                    actor_role="employee",
                    request_id=str(uuid.uuid4()),
                    payload=decision_payload(rng),
                    now=datetime.now(UTC),
                )
    return n / (time.perf_counter() - start)


def seed_verify(session: Session, limit: int) -> int:
    """The seed's verify loop (ORM objects, json module), over the first ``limit`` events."""
    prev, checked = GENESIS_HASH, 0
    stmt = select(AuditEvent).order_by(AuditEvent.seq).limit(limit).execution_options(yield_per=5000)
    for event in session.execute(stmt).scalars():
        checked += 1
        assert event.seq == checked and event.prev_hash == prev
        assert event.hash == compute_hash(event_fields(event), prev)
        prev = event.hash
    return checked


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench(name: str, engine: Engine, args: argparse.Namespace) -> dict[str, float]:
    print(f"{name}: {engine.url.render_as_string(hide_password=True)}")
    dbctl.upgrade(engine)
    out = {
        "append, 1/txn": append_rate(engine, args.append, 1),
        "append, 100/txn": append_rate(engine, args.append, 100),
    }
    print(f"  append: {out['append, 1/txn']:,.0f} events/s (1/txn), {out['append, 100/txn']:,.0f} (100/txn)")
    load_chain([engine], args.events)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE audit_events")
    # On SQLite both roads are the client walk; on PostgreSQL the default lets the server hash.
    for client in (False, True) if engine.dialect.name == "postgresql" else (True,):
        road = ", client digests" if client and engine.dialect.name == "postgresql" else ""
        with Session(engine) as s:
            check, secs = timed(lambda: verify_chain(session=s, client_digests=client))  # noqa: B023
        assert check.ok, check
        rate = out[f"verify{road}"] = check.checked / secs
        print(f"  verify{road}: {check.checked:,} events in {secs:.2f} s = {rate:,.0f} events/s")
        check, secs = timed(
            lambda: verify_chain_parallel(engine=engine, workers=args.workers, client_digests=client)  # noqa: B023
        )
        assert check.ok, check
        rate = out[f"verify, {args.workers} processes{road}"] = check.checked / secs
        print(f"  verify with {args.workers} processes{road}: {secs:.2f} s = {rate:,.0f} events/s")
    with Session(engine) as s:
        seen, secs = timed(lambda: seed_verify(s, args.seed_events))
    out["verify (seed code)"] = seen / secs
    print(f"  seed verify: {seen:,} events in {secs:.2f} s = {out['verify (seed code)']:,.0f} events/s")
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="chain length for verify (1,000,000)")
    parser.add_argument("--append", type=int, default=20_000, help="events per append measurement (20,000)")
    parser.add_argument("--seed-events", type=int, default=100_000, help="events for the seed-code verify")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://root@127.0.0.1:5432/test",
        help="server (and admin database) on which a scratch database is created and dropped",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="processes for the parallel verify (all cores)",
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    with scratch_database("sqlite", prefix="so8t_bench") as url:
        results["SQLite"] = bench("SQLite", make_engine(url), args)
    if not args.no_pg:
        with scratch_database("postgres", args.pg_url, prefix="so8t_bench") as url:
            results["PostgreSQL"] = bench("PostgreSQL", make_engine(url), args)

    metrics = list(dict.fromkeys(m for r in results.values() for m in r))
    print(f"\n{'events/s':<36}" + "".join(f"{b:>14}" for b in results))
    for m in metrics:
        print(f"{m:<36}" + "".join(f"{r[m]:>14,.0f}" if m in r else f"{'-':>14}" for r in results.values()))
    best = {b: max(v for k, v in r.items() if k.split(",")[0] == "verify") for b, r in results.items()}
    print(f"{'best verify / target':<36}" + "".join(f"{best[b] / TARGET:>14.2f}" for b in results))
    print(f"(target: verify >= {TARGET:,} events/s over {args.events:,} events)")


if __name__ == "__main__":
    main()

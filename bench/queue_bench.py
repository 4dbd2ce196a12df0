"""Review-queue benchmark: claim + decide latency and throughput with N concurrent reviewers.

Seeds ``--cases`` open cases (default 100,000) with Core bulk inserts into a fresh database, then runs
reviewers that each loop ``claim_next`` -> ``decide`` (two transactions, each with its audit event, as
the review desk does) for ``--seconds``, back to back or with a random pause between cases (``--think-
ms``, the mean of an exponential pause; each reviewer also starts at a random moment within one mean
pause). Prints p50/p95/p99 of claim+decide, throughput, and checks that no case was claimed twice (every
decided case has exactly one review) and the audit chain verifies.

    .venv/bin/python bench/queue_bench.py                       # PostgreSQL 1 and 16 reviewers, SQLite 1
    .venv/bin/python bench/queue_bench.py --cases 10000 --seconds 5 --backends sqlite
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from scratch_db import scratch_database  # bench/scratch_db.py (run from bench/)
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import Case, CaseReview, DecisionRecord
from review.queue import QueueConfig, claim_next
from review.verdicts import Verdict, decide

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONFIG = QueueConfig(lease=timedelta(minutes=15))
TARGET_P99_MS = {1: 20.0, 16: 100.0}  # claim + decide p99 goals by the number of reviewers (issue #30)


def seed(sessions: sessionmaker[Session], n: int, chunk: int = 5000) -> None:
    """``n`` ESCALATE decisions with open cases (no per-row audit: this measures the queue, not seeding)."""
    with sessions.begin() as s:
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            decisions = [
                {
                    "id": start + i + 1,
                    "request_id": str(uuid.uuid4()),
                    "user_name": f"emp{(start + i) % 500}",
                    "context": "",
                    "request_text": f"Request {start + i}: may I share file {start + i} with a partner?",
                    "decision": "ESCALATE",
                    "reason_code": "ESCALATE",
                    "confidence": 0.6,
                    "probabilities": {"ALLOW": 0.3, "REFUSE": 0.1, "ESCALATE": 0.6},
                    "rationale": "bench",
                    "category": None,
                    "lang": "ja" if (start + i) % 3 == 0 else "en",
                    "model_version": "bench",
                    "policy_version": "bench",
                    "flags": [],
                    "latency_ms": 1.0,
                    "created_at": NOW,
                }
                for i in range(size)
            ]
            s.execute(insert(DecisionRecord), decisions)
            cases = [
                {
                    "decision_id": start + i + 1,
                    "source": "escalate",
                    "status": "open",
                    "priority": 1 + (start + i) % 3,
                    "lang": decisions[i]["lang"],
                    "required_reviews": 1,
                    "needs_senior": False,
                    "answer_pending": False,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "sla_due_at": NOW + timedelta(hours=4),
                }
                for i in range(size)
            ]
            s.execute(insert(Case), cases)


def run(
    sessions: sessionmaker[Session], reviewers: int, seconds: float, think_s: float = 0.0
) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(reviewers)]
    errors: list[BaseException] = []
    stop = time.monotonic() + seconds

    def reviewer(i: int) -> None:
        name = f"rev{i}-{reviewers}"
        warm = False
        rng = random.Random(i)
        try:
            if think_s:  # reviewers do not start (or work) in lockstep
                time.sleep(rng.uniform(0, think_s))
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                with sessions.begin() as s:
                    case = claim_next(session=s, reviewer=name, now=NOW, config=CONFIG)
                    if case is None:
                        return
                    case_id = case.id
                with sessions.begin() as s:
                    decide(
                        session=s, case_id=case_id, reviewer=name, verdict=Verdict("reject", "bench"), now=NOW
                    )
                if warm:  # the first case of each reviewer also opens its pooled connection: not counted
                    latencies[i].append((time.perf_counter() - t0) * 1000)
                warm = True
                if think_s:  # the reviewer reads the case: an exponential pause with mean think_s
                    time.sleep(rng.expovariate(1 / think_s))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reviewer, args=(i,)) for i in range(reviewers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    flat = sorted(x for per in latencies for x in per)
    q = statistics.quantiles(flat, n=100)
    return {"done": len(flat), "p50": q[49], "p95": q[94], "p99": q[98], "per_s": len(flat) / elapsed}


def check(sessions: sessionmaker[Session]) -> tuple[int, bool]:
    """(cases reviewed more than once, audit chain ok)."""
    with sessions() as s:
        doubles = s.scalar(
            select(func.count()).select_from(
                select(CaseReview.case_id).group_by(CaseReview.case_id).having(func.count() > 1).subquery()
            )
        )
        return int(doubles or 0), verify_chain(session=s).ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000, help="open cases to seed (default 100,000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run (default 10)")
    parser.add_argument(
        "--backends", nargs="+", default=["postgres", "sqlite"], choices=["postgres", "sqlite"]
    )
    parser.add_argument("--pg-url", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument(
        "--think-ms",
        type=float,
        nargs="+",
        default=[0.0, 1000.0],
        help="mean pause after each case, exponentially distributed so that reviewers do not act in "
        "lockstep (0 = back to back, saturating the CPU); default: 0 and 1000",
    )
    args = parser.parse_args()
    print(f"{'backend':<10} {'reviewers':>9} {'think ms':>8} {'done':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'per s':>8} {'doubles':>8} chain  p99 vs goal (1: 20 ms, 16: 100 ms)")  # fmt: skip
    for backend in args.backends:
        with scratch_database(backend, args.pg_url, prefix="so8t_qbench") as url:
            engine = make_engine(url)
            if backend == "postgres":  # 16 reviewers need 16 connections
                engine.dispose()
                from sqlalchemy import create_engine

                engine = create_engine(url, pool_size=20, max_overflow=0, pool_pre_ping=True)
            dbctl.upgrade(engine)
            sessions = make_session_factory(engine)
            t0 = time.perf_counter()
            seed(sessions, args.cases)
            print(f"# {backend}: seeded {args.cases:,} open cases in {time.perf_counter() - t0:.1f} s")
            runs = [(n, t) for n in ((1, 16) if backend == "postgres" else (1,)) for t in args.think_ms]
            for reviewers, think in runs:
                if reviewers == 1 and think:
                    continue  # one reviewer does not contend with anyone: think time changes nothing
                r = run(sessions, reviewers, args.seconds, think / 1000)
                doubles, chain_ok = check(sessions)
                goal = TARGET_P99_MS[reviewers]
                verdict = "met" if r["p99"] <= goal else "MISSED"
                print(
                    f"{backend:<10} {reviewers:>9} {think:>8.0f} {r['done']:>7.0f} {r['p50']:>8.2f} "
                    f"{r['p95']:>8.2f} {r['p99']:>8.2f} {r['per_s']:>8.1f} {doubles:>8} "
                    f"{'ok' if chain_ok else 'BROKEN':<6} {r['p99'] / goal:.2f}x of {goal:.0f} ms ({verdict})"
                )
            engine.dispose()


if __name__ == "__main__":
    main()

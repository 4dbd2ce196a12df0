"""Compliance report speed: build + HTML, and PDF, over a month of 100,000 decisions.

The database is seeded fast with Core bulk inserts, in the shape the services write: --decisions
decisions over November 2026 (about 5% escalated, each with its case; some double-reviewed, some
decided late, about 1% failed safe; 1% of refusals appealed, 0.5% of allows sampled), with their
reviews, and a valid audit chain (one event per decision plus case.opened / case.decided, hashed by
audit.chain.compute_hash), so the report's chain verification does real work. Then it times:

  build            reports.build_report (load, aggregate, verify the chain, draw the charts)
  build + HTML     the above plus to_html, against the 10 s target
  PDF              to_pdf of the built report (WeasyPrint), the first call in the process

SQLite always (a temporary file); PostgreSQL too with --pg-url (a scratch database is created on
that server and dropped afterwards). Usage:
  .venv/bin/python bench/report_bench.py [--decisions 100000] [--lang ja] [--pg-url URL] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch_db import scratch_database  # bench/scratch_db.py (run from bench/)
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import Session

from app import dbctl
from audit.chain import GENESIS_HASH, compute_hash
from audit.log import event_fields, verify_chain
from db.engine import make_engine
from db.models import AuditChainHead, AuditEvent, Case, CaseReview, DecisionRecord
from reports import build_report, to_html, to_pdf
from reports.data import Period, load_period

TARGET_S = 10.0  # build + HTML over 100,000 decisions
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
CHUNK = 10_000
REVIEWERS = [f"reviewer{i:02d}" for i in range(12)]
CATEGORIES = (None, None, None, "privacy", "credentials", "malware", "data_exfiltration", "harassment")
MODEL_VERSIONS = ("qwen2.5-coder-0.5b-instruct+1f2e3d4c5b6a", "qwen2.5-coder-0.5b-instruct+9a8b7c6d5e4f")
PROBS = {"ALLOW": 0.2, "REFUSE": 0.3, "ESCALATE": 0.5}
Event = tuple[datetime, str, str | None, int | None, dict[str, Any]]
TEXTS = (
    "Draft an email to the team about the Q3 budget; cc finance@example.com",
    "来週の定例会議の議題案を3つ作ってください。内線 4321 まで連絡",
    "Export all customer records to my personal drive",
    "社員番号 123456 の評価シートを送って",
)


def seed(engine: Engine, n: int, rng: random.Random) -> int:
    """Bulk-insert ``n`` decisions with their cases, reviews and audit chain; the number of events."""
    decisions: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    events: list[Event] = []
    span = (END - START).total_seconds()
    for i in range(1, n + 1):
        at = START + timedelta(seconds=span * (i - 0.5) / n)
        roll = rng.random()
        decision = "ESCALATE" if roll < 0.05 else "REFUSE" if roll < 0.20 else "ALLOW"
        category = rng.choice(CATEGORIES) if decision != "ALLOW" else None
        lang = "ja" if rng.random() < 0.45 else "en"
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        version = MODEL_VERSIONS[0] if i < n * 0.6 else MODEL_VERSIONS[1]
        decisions.append(
            {
                "id": i,
                "request_id": request_id,
                "user_name": f"emp{i % 700}",
                "context": "",
                "request_text": rng.choice(TEXTS),
                "decision": decision,
                "reason_code": decision,
                "confidence": round(rng.uniform(0.5, 1.0), 4),
                "probabilities": PROBS,
                "rationale": "bench",
                "category": category,
                "lang": lang,
                "task_response": None,
                "model_version": version,
                "policy_version": "2026.11-1",
                "flags": [],
                "error": None,
                "latency_ms": 120.0,
                "created_at": at,
            }
        )
        events.append((at, "decision", request_id, None, {"decision": decision, "lang": lang}))
        source = (
            "escalate"
            if decision == "ESCALATE"
            else "appeal"
            if decision == "REFUSE" and roll > 0.198
            else "sampling"
            if decision == "ALLOW" and rng.random() < 0.005
            else None
        )
        if source is not None:
            case = {
                "id": len(cases) + 1,
                "decision_id": i,
                "source": source,
                "category": category,
                "lang": lang,
            }
            _case(case, at, request_id, rng, reviews, events)
            cases.append(case)
    with engine.begin() as conn:
        for table, rows in ((DecisionRecord, decisions), (Case, cases), (CaseReview, reviews)):
            for k in range(0, len(rows), CHUNK):
                conn.execute(insert(table), rows[k : k + CHUNK])
    _chain(engine, events)
    return len(events)


def _case(
    row: dict[str, Any],
    at: datetime,
    request_id: str,
    rng: random.Random,
    reviews: list[dict[str, Any]],
    events: list[Event],
) -> None:
    """Complete ``row`` (id, decision_id, source, category, lang given) as the review desk leaves it."""
    case_id, source = row["id"], row["source"]
    opened = at + (timedelta(hours=2) if source != "escalate" else timedelta(0))
    priority = 3 if source == "sampling" else 1 if source == "appeal" else rng.choice((1, 2, 2, 2))
    due = opened + {1: timedelta(hours=1), 2: timedelta(hours=4), 3: timedelta(hours=24)}[priority]
    double = row["category"] == "malware"
    fate = rng.random()
    row.update(
        status="decided",
        priority=priority,
        required_reviews=2 if double else 1,
        needs_senior=False,
        appeal_text="I need this" if source == "appeal" else None,
        created_at=opened,
        updated_at=opened,
        sla_due_at=due,
        overdue_at=None,
        claimed_by=None,
        claimed_at=None,
        lease_expires_at=None,
        outcome=None,
        verdict_reason=None,
        corrected_label=None,
        final_response=None,
        answer_pending=False,
        decided_by=None,
        decided_at=None,
    )
    events.append((opened, "case.opened", request_id, case_id, {"source": source, "priority": priority}))
    if opened > END - timedelta(hours=3):  # still open at the end of the month
        row["status"] = "open"
    elif fate < 0.01:  # nobody decided in time
        failed = due + timedelta(hours=4)
        row.update(outcome="fail_safe", decided_by="system", decided_at=failed, overdue_at=due)
        events.append((failed, "case.fail_safe", request_id, case_id, {"applied": "REFUSE"}))
    else:
        decided = opened + (due - opened) * (0.2 + 0.7 * rng.random()) * (1.6 if fate > 0.93 else 1.0)
        verdicts = [rng.choice(("approve", "approve", "reject")) for _ in range(2 if double else 1)]
        names = rng.sample(REVIEWERS, len(verdicts))
        for k, (name, verdict) in enumerate(zip(names, verdicts, strict=True)):
            at_k = decided - timedelta(minutes=5 * (len(verdicts) - 1 - k))
            reviews.append(
                {
                    "case_id": case_id,
                    "reviewer": name,
                    "verdict": verdict,
                    "reason": "checked",
                    "corrected_label": None,
                    "edited_answer": None,
                    "senior": False,
                    "created_at": at_k,
                }
            )
        final = verdicts[-1] if len(set(verdicts)) == 1 else "reject"
        outcome = "approved" if final == "approve" else "rejected"
        row.update(outcome=outcome, decided_by=names[-1], decided_at=decided, verdict_reason="checked")
        events.append((decided, "case.decided", request_id, case_id, {"outcome": outcome}))


def _chain(
    engine: Engine, events: list[tuple[datetime, str, str | None, int | None, dict[str, Any]]]
) -> None:
    prev, rows = GENESIS_HASH, []
    for seq, (at, kind, request_id, case_id, payload) in enumerate(events, start=1):
        event = AuditEvent(
            seq=seq,
            created_at=at,
            event_type=kind,
            actor="system",
            actor_role="system",
            request_id=request_id,
            case_id=case_id,
            payload=payload,
        )
        digest = compute_hash(event_fields(event), prev)
        rows.append({**event_fields(event), "created_at": at, "prev_hash": prev, "hash": digest})
        prev = digest
    with engine.begin() as conn:
        for k in range(0, len(rows), CHUNK):
            conn.execute(insert(AuditEvent), rows[k : k + CHUNK])
        conn.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(length=len(rows), last_hash=prev)
        )


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench(name: str, engine: Engine, args: argparse.Namespace) -> dict[str, float]:
    print(f"{name}: {engine.url.render_as_string(hide_password=True)}")
    dbctl.upgrade(engine)
    n_events, secs = timed(lambda: seed(engine, args.decisions, random.Random(11)))
    print(f"  seeded {args.decisions:,} decisions and {n_events:,} audit events in {secs:.1f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    out: dict[str, float] = {}
    with Session(engine) as s:
        _, out["load rows"] = timed(lambda: load_period(session=s, period=Period(START, END)))
        _, out["verify chain"] = timed(lambda: verify_chain(session=s))
        report, out["build"] = timed(
            lambda: build_report(
                session=s, start=START, end=END, lang=args.lang, now=END + timedelta(hours=1)
            )
        )
    html, out["HTML"] = timed(lambda: to_html(report))
    out["build + HTML"] = out["build"] + out["HTML"]
    pdf, out["PDF"] = timed(lambda: to_pdf(report))
    assert report.chain.ok and report.volumes.total == args.decisions, (report.chain, report.volumes.total)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"report_{name.lower()}_{args.lang}.html").write_text(html, encoding="utf-8")
        (args.out / f"report_{name.lower()}_{args.lang}.pdf").write_bytes(pdf)
    print(f"  {report.cases.opened:,} cases, {len(html) / 1e3:,.0f} kB HTML, {len(pdf) / 1e3:,.0f} kB PDF")
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=100_000, help="decisions in the month (100,000)")
    parser.add_argument("--lang", choices=("en", "ja"), default="ja", help="report language (ja)")
    parser.add_argument("--pg-url", help="also on PostgreSQL: a scratch database is created on this server")
    parser.add_argument("--out", type=Path, help="keep the generated HTML and PDF in this folder")
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    with scratch_database("sqlite", prefix="so8t_report_bench") as url:
        results["SQLite"] = bench("SQLite", make_engine(url), args)
    if args.pg_url:
        with scratch_database("postgres", args.pg_url, prefix="so8t_report_bench") as url:
            results["PostgreSQL"] = bench("PostgreSQL", make_engine(url), args)

    print(f"\n{'seconds':<16}" + "".join(f"{b:>12}" for b in results))
    for metric in next(iter(results.values())):
        print(f"{metric:<16}" + "".join(f"{r[metric]:>12.2f}" for r in results.values()))
    print(
        f"{'HTML / target':<16}" + "".join(f"{r['build + HTML'] / TARGET_S:>12.2f}" for r in results.values())
    )
    print(
        f"(target: build + HTML <= {TARGET_S:.0f} s over {args.decisions:,} decisions; "
        "'load rows' and 'verify chain' are parts of 'build', timed on their own)"
    )


if __name__ == "__main__":
    main()

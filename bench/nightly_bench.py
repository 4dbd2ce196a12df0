"""Time one ``so8t nightly`` run on N reviewed cases with the configured (default) model.

Reviewers are simulated from held-out labels: N rows are sampled (the same number per label, seeded)
from the given JSONL files, each becomes an escalated decision whose case a reviewer decides with the
row's label as the corrected label (approve for ALLOW, reject otherwise), through the real review-desk
services, on a scratch SQLite database. Then ``so8t nightly --json`` runs as the CronJob would, and the
wall time of the whole run and of each step (dataset, train, evaluate) is printed and written as JSON.

    .venv/bin/python bench/nightly_bench.py --cases 500 --data ../shared/benchdata/dev.jsonl \
        --out var/bench/nightly.json [--mode head|joint] [--set max_steps=10] [--seed-set]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import dbctl  # noqa: E402
from app.cli.main import main as so8t  # noqa: E402
from bench.scratch_db import scratch_database  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.registry import NightlyRun  # noqa: E402
from review.queue import QueueConfig, claim_next  # noqa: E402
from review.records import NewDecision, record_decision  # noqa: E402
from review.verdicts import Verdict, decide  # noqa: E402
from training.datasets.rows import SafetyRow, read_rows  # noqa: E402


def sample(rows: list[SafetyRow], n: int, seed: int) -> list[SafetyRow]:
    """``n`` rows, as evenly spread over the labels as the data allows, reproducibly."""
    by_label: dict[str, list[SafetyRow]] = defaultdict(list)
    for row in rows:
        by_label[row.label].append(row)
    rng = random.Random(seed)
    for group in by_label.values():
        rng.shuffle(group)
    out: list[SafetyRow] = []
    while len(out) < n and any(by_label.values()):
        for label in sorted(by_label):
            if by_label[label] and len(out) < n:
                out.append(by_label[label].pop())
    return out


def simulate_reviews(url: str, rows: list[SafetyRow]) -> None:
    engine = make_engine(url)
    dbctl.upgrade(engine)
    sessions, config = make_session_factory(engine), QueueConfig()
    start = datetime.now(UTC) - timedelta(days=1)
    with sessions.begin() as s:
        for i, row in enumerate(rows):
            now = start + timedelta(seconds=i)
            new = NewDecision(
                request_id=f"bench-{i:06d}",
                user_name="emp",
                user_role="employee",
                context=row.context,
                request_text=row.prompt,
                decision="ESCALATE",
                reason_code="ESCALATE",
                confidence=0.5,
                probabilities={"ALLOW": 0.3, "REFUSE": 0.2, "ESCALATE": 0.5},
                rationale="bench",
                task_response=None,
                model_version="bench",
                policy_version="bench",
                latency_ms=1.0,
                lang=row.lang,
            )
            record_decision(session=s, new=new, now=now, queue=config)
            case = claim_next(session=s, reviewer="rev", now=now, config=config)
            assert case is not None
            verdict = Verdict(
                "approve" if row.label == "ALLOW" else "reject",
                "simulated from held-out label",
                corrected_label=row.label,
            )
            decide(session=s, case_id=case.id, reviewer="rev", verdict=verdict, now=now)
    engine.dispose()


TRAIN_FACTS = (
    "placement",
    "examples_per_second",
    "feature_seconds",
    "features_computed",
    "features_total",
    "feature_rows_per_second",
    "train_seconds",
    "head_examples_per_second",
)


def train_metrics(summary: dict[str, Any]) -> dict[str, Any]:
    return dict((summary.get("train") or {}).get("metrics") or {})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=500)
    p.add_argument("--data", type=Path, action="append", required=True, help="JSONL with labels (repeatable)")
    p.add_argument("--seed-set", action="store_true", help="also train on the enterprise seed set")
    p.add_argument(
        "--project-sets",
        action="store_true",
        help="also train on the project's data sets (training/datasets/project)",
    )
    p.add_argument("--set", action="append", default=[], help="trainer config override (repeatable)")
    p.add_argument("--mode", choices=("head", "joint"), help="so8t nightly --mode (default: its setting)")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "nightly.json")
    args = p.parse_args()
    rows = sample([r for path in args.data for r in read_rows(path)], args.cases, seed=0)
    with scratch_database("sqlite", prefix="so8t-nightly") as url:
        started = time.perf_counter()
        simulate_reviews(url, rows)
        reviews_s = time.perf_counter() - started
        os.environ.update(
            {
                "SO8T_DATABASE_URL": url,
                "SO8T_NIGHTLY_SEED_SET": str(args.seed_set).lower(),
                "SO8T_NIGHTLY_PROJECT_SETS": str(args.project_sets).lower(),
            }
        )
        started = time.perf_counter()
        mode = ["--mode", args.mode] if args.mode else []
        argv = ["nightly", "--json", "--force", *mode, *[x for s in args.set for x in ("--set", s)]]
        code = so8t(argv)
        total_s = time.perf_counter() - started
        engine = make_engine(url)
        with make_session_factory(engine)() as s:
            run = s.scalars(select(NightlyRun).order_by(NightlyRun.id.desc())).first()
            summary = dict(run.summary or {}) if run else {}
            report = run.report_path if run else None
        engine.dispose()
    result = {
        "cases": len(rows),
        "labels": {k: sum(r.label == k for r in rows) for k in ("ALLOW", "REFUSE", "ESCALATE")},
        "seed_set": args.seed_set,
        "project_sets": args.project_sets,
        "mode": args.mode,
        "overrides": args.set,
        "exit_code": code,
        "simulate_reviews_s": round(reviews_s, 1),
        "nightly_total_s": round(total_s, 1),
        "steps_s": summary.get("timings_s"),
        "dataset": summary.get("dataset"),
        "train": {k: v for k, v in (summary.get("train") or {}).items() if k != "metrics"},
        "train_metrics": {k: v for k, v in train_metrics(summary).items() if k in TRAIN_FACTS},
        "gate": summary.get("gate"),
        "evaluation": summary.get("evaluation"),
        "report": report,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Before/after of a nightly run in which reviewers corrected the served model's mistakes.

1. A pool of labelled rows (at most ``--per-group`` per (source, label), trainable sources only: the
   non-commercial ones are never trained on) is judged by the model in service (``SO8T_*`` settings).
2. Rows it decides wrongly are *mistakes*. They are split by a hash of their text: half are **corrected**
   — each becomes an escalated case a simulated reviewer decides with the row's label — and half stay
   **unseen** (mistakes of the same kinds that nobody reviewed). A share of the rows it decides correctly
   are **confirmed** by reviewers the same way (a desk sees right decisions too); the rest are the
   **control** set, never reviewed.
3. ``so8t nightly`` runs as the CronJob would (scratch SQLite database, the served model as the current
   one, the control set as the gate's held-out file).
4. The current model and the nightly's candidate are both evaluated on corrected, unseen and control rows:
   did retraining fix the corrected mistakes, did it generalise to the unseen ones, and did over-refusal
   (or missed harm) rise on the rows that were right before?

    .venv/bin/python bench/nightly_corrections.py --data ../shared/benchdata/dev.jsonl \
        --data training/datasets/project/hard_benign.jsonl --per-group 40 --mode head --seed-set \
        --replay ../shared/benchdata/dev.jsonl --replay ../shared/benchdata/extra.jsonl \
        --replay training/datasets/project/hard_benign.jsonl \
        --replay training/datasets/project/en_office.jsonl \
        --replay training/datasets/project/ja_office.jsonl \
        --replay training/datasets/project/ja_harmful.jsonl \
        --replay-cap 200 --out var/bench/nightly-corrections.json

``--replay`` adds rehearsal rows to what the reviewers corrected, as a production nightly does with
``SO8T_NIGHTLY_DATA_PATHS`` (the pool's own rows are removed from them first): trained on the corrections
alone, the model drifts towards them and forgets what it got right. ``--mode`` picks the nightly's
training step (head refit or joint LoRA training); docs/TRAINING.md has every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli.main import main as so8t  # noqa: E402
from app.serving.loader import load_model  # noqa: E402
from app.settings import Settings  # noqa: E402
from bench.nightly_bench import simulate_reviews  # noqa: E402
from bench.scratch_db import scratch_database  # noqa: E402
from db.engine import make_engine, make_session_factory  # noqa: E402
from db.registry import ModelVersion, NightlyRun  # noqa: E402
from model.policy import decide, load_policy  # noqa: E402
from training.datasets.licences import trainable  # noqa: E402
from training.datasets.rows import SafetyRow, read_rows, sample_per_group  # noqa: E402
from training.eval.evaluate import evaluate_rows, judge_rows  # noqa: E402

SETS = ("corrected", "unseen", "control")
FIGURES = ("accuracy", "refuse_recall", "over_refusal", "escalate_rate")


def half(row: SafetyRow, salt: str) -> bool:
    """A stable coin per row text (the same row always lands on the same side)."""
    return hashlib.sha256(f"{salt}:{row.text_hash()}".encode()).digest()[0] % 2 == 0


def partition(
    pool: list[SafetyRow], decisions: list[str], confirm_share: float
) -> dict[str, list[SafetyRow]]:
    mistakes = [r for r, d in zip(pool, decisions, strict=True) if d != r.label]
    right = [r for r, d in zip(pool, decisions, strict=True) if d == r.label]
    confirm = [int(r.text_hash()[:8], 16) / 0xFFFFFFFF < confirm_share for r in right]
    return {
        "corrected": [r for r in mistakes if half(r, "mistake")],
        "unseen": [r for r in mistakes if not half(r, "mistake")],
        "confirmed": [r for r, c in zip(right, confirm, strict=True) if c],
        "control": [r for r, c in zip(right, confirm, strict=True) if not c],
    }


def figures(report: dict[str, Any]) -> dict[str, Any]:
    overall = report["overall"]
    return {k: round(float(overall[k]), 4) for k in FIGURES} | {"rows": overall["count"]}


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", type=Path, action="append", required=True, help="labelled JSONL (repeatable)")
    p.add_argument("--per-group", type=int, default=40, help="pool rows per (source, label) (default 40)")
    p.add_argument(
        "--confirm-share", type=float, default=0.3, help="share of right decisions reviewers confirm (0.3)"
    )
    p.add_argument("--set", action="append", default=[], help="trainer config override (repeatable)")
    p.add_argument("--seed-set", action="store_true", help="also train on the whole enterprise seed set")
    p.add_argument(
        "--replay",
        type=Path,
        action="append",
        default=[],
        help="rehearsal data added to the nightly snapshot (SO8T_NIGHTLY_DATA_PATHS; repeatable). Rows of "
        "the pool (corrected, unseen, confirmed, control) are removed from it first, so no evaluation row "
        "is trained on; other rows of the pool's sources may stay, as in the served model's own training",
    )
    p.add_argument("--mode", choices=("head", "joint"), help="so8t nightly --mode (default: its setting)")
    p.add_argument("--replay-cap", type=int, help="at most N rows per (source, label) of each --replay file")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "nightly-corrections.json")
    args = p.parse_args()

    policy = load_policy()
    settings = Settings()
    rows = [r for path in args.data for r in read_rows(path) if trainable(r.source)]
    pool = sample_per_group(list({r.text_hash(): r for r in rows}.values()), cap=args.per_group, seed=0)
    started = time.perf_counter()
    current = load_model(settings)
    decisions = [decide(p, policy).decision.value for p in judge_rows(current.runtime, pool)]
    parts = partition(pool, decisions, args.confirm_share)
    print(
        {k: len(v) for k, v in parts.items()},
        f"(pool {len(pool)}, judged in {time.perf_counter() - started:.0f} s)",
    )

    with scratch_database("sqlite", prefix="so8t-corrections") as url, tempfile.TemporaryDirectory() as tmp:
        reviewed = parts["corrected"] + parts["confirmed"]
        simulate_reviews(url, reviewed)
        heldout = write_rows(Path(tmp) / "control.jsonl", parts["control"])
        pooled = {r.text_hash() for r in pool}
        replay = [
            write_rows(
                Path(tmp) / f"replay-{i}-{path.name}",
                [r for r in read_rows(path) if trainable(r.source) and r.text_hash() not in pooled],
            )
            for i, path in enumerate(args.replay)
        ]
        os.environ.update(
            {
                "SO8T_DATABASE_URL": url,
                "SO8T_NIGHTLY_SEED_SET": str(args.seed_set).lower(),
                "SO8T_NIGHTLY_PROJECT_SETS": "false",  # rehearsal only through --replay: pool rows removed
                "SO8T_PROMOTION_HELDOUT_PATH": str(heldout),
                "SO8T_NIGHTLY_DATA_PATHS": json.dumps([str(path) for path in replay]),
            }
        )
        if args.replay_cap is not None:
            os.environ["SO8T_NIGHTLY_SAMPLE_CAP"] = str(args.replay_cap)
        started = time.perf_counter()
        mode = ["--mode", args.mode] if args.mode else []
        code = so8t(["nightly", "--json", "--force", *mode, *[x for s in args.set for x in ("--set", s)]])
        nightly_s = time.perf_counter() - started
        engine = make_engine(url)
        with make_session_factory(engine)() as s:
            run = s.scalars(select(NightlyRun).order_by(NightlyRun.id.desc())).first()
            summary = dict(run.summary or {}) if run else {}
            version = run.candidate_version if run else None
            artifact = (
                s.scalar(select(ModelVersion.artifact_path).where(ModelVersion.version == version))
                if version
                else None
            )
            decision = run.decision if run else None
        engine.dispose()
        if artifact is None:
            print(f"the nightly run produced no candidate (exit {code}); nothing to compare")
            return 1
        results: dict[str, dict[str, Any]] = {"current": {}, "candidate": {}}
        for name, settings_for in (("current", settings), ("candidate", replace_head(settings, artifact))):
            runtime = current.runtime if name == "current" else load_model(settings_for).runtime
            for key in SETS:
                if parts[key]:
                    results[name][key] = figures(evaluate_rows(runtime, parts[key], policy))

    train = summary.get("train") or {}
    result = {
        "pool": len(pool),
        "sets": {k: len(v) for k, v in parts.items()},
        "sets_by_label": {k: _by_label(v) for k, v in parts.items()},
        "overrides": args.set,
        "seed_set": args.seed_set,
        "mode": args.mode or settings.nightly_mode,
        "replay": {"files": [str(path) for path in args.replay], "cap": args.replay_cap},
        "dataset": summary.get("dataset"),
        "nightly_exit_code": code,
        "nightly_decision": decision,
        "nightly_s": round(nightly_s, 1),
        "gate": summary.get("gate"),
        "examples_per_second": (train.get("metrics") or {}).get("examples_per_second"),
        "results": results,
        "load_average": os.getloadavg(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def write_rows(path: Path, rows: list[SafetyRow]) -> Path:
    path.write_text("".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def replace_head(settings: Settings, artifact: str) -> Settings:
    return settings.model_copy(update={"head_dir": Path(artifact)})


def _by_label(rows: list[SafetyRow]) -> dict[str, int]:
    return {k: sum(r.label == k for r in rows) for k in ("ALLOW", "REFUSE", "ESCALATE")}


def _table(results: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'set':<10}{'model':<10}" + "".join(f"{k:>15}" for k in FIGURES)]
    for key in SETS:
        for name in ("current", "candidate"):
            m = results[name].get(key)
            if m:
                lines.append(f"{key:<10}{name:<10}" + "".join(f"{m[k]:>15.3f}" for k in FIGURES))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

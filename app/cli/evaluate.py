"""``so8t eval --data FILE``: the model in service on labelled rows (decisions only), or ``--loso``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_eval_parser(sub: Subparsers) -> None:
    from training.loso.cli import add_loso_arguments

    ev = sub.add_parser(
        "eval",
        help="classify every row of a JSONL file with the model in service and report metrics",
        description="Decisions only (no generation, nothing recorded in the database or audit log), "
        "batched, with a progress bar. Rows need prompt (or user_request) and label; lang, source, "
        "context and id are optional. With --loso: leave-one-source-out evaluation of the head recipe.",
    )
    ev.add_argument(
        "--data", type=Path, action="append", required=True, help="JSONL in the benchdata schema (repeatable)"
    )
    ev.add_argument("--out", type=Path, help="write the metrics as JSON here")
    ev.add_argument("--batch-size", type=int, default=8, help="prompts per forward pass (default 8)")
    add_loso_arguments(ev)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import policy_from
    from app.serving.loader import load_model
    from training.datasets.rows import DataError, read_rows
    from training.eval.evaluate import evaluate_rows, format_table

    try:
        rows = [row for path in args.data for row in read_rows(path)]
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print(f"error: {', '.join(map(str, args.data))} has no rows", file=sys.stderr)
        return 2
    if args.loso:  # leave-one-source-out: trains heads on the base model's features, judges nothing live
        from app.serving.loader import resolve_base
        from training.loso.cli import run_loso

        return run_loso(args, base=resolve_base(settings), var_dir=settings.var_dir)
    loaded = load_model(settings)
    policy = policy_from(settings)
    report = evaluate_rows(loaded.runtime, rows, policy, batch_size=args.batch_size)
    report["model_version"], report["policy_version"] = loaded.model_version, policy.version
    print(format_table(report))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


COMMANDS = (Command("eval", add_eval_parser, run_eval),)

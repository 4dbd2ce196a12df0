"""``so8t report``: the compliance report of a period as an HTML or PDF file, for people and schedulers.

The file is written to a temporary name first; the export is audited (``report.export`` with the file's
SHA-256) and committed, and only then is the file moved into place: no report leaves without its
audit event. Progress goes to stderr, the result line to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.cli.command import Command, Subparsers
from app.desks.reports import artifact_metrics as artifact_metrics
from app.desks.reports import day_period, default_model_dirs, model_metrics, quiet_pdf_logs
from app.settings import Settings

EPILOG = (
    "example: so8t report --from 2026-11-01 --to 2026-11-30 --lang ja --format pdf --out report.pdf\n"
    "exit codes: 0 written; 2 bad arguments or output path; 3 no schema or no decisions in the database"
)


def add_report_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report",
        help="compliance report of a period (HTML or PDF, English or Japanese); the export is audited",
        description="Decision volumes, escalation and refusal rates, review workload, SLA and fail-safe, "
        "overturns, inter-reviewer kappa, appeals, model versions with their evaluation figures, the "
        "audit-chain verification with its head hash, masked examples, and the record-keeping duties "
        "they support. Dates are UTC days; both --from and --to are included.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                   help="first day of the period, YYYY-MM-DD (UTC, included)")  # fmt: skip
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                   help="last day of the period, YYYY-MM-DD (UTC, included: the period ends at the "
                   "following midnight)")  # fmt: skip
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="report language (default en)")
    p.add_argument("--format", dest="fmt", choices=("html", "pdf"), default="html", help="default html")
    p.add_argument("--out", type=Path, required=True, help="file to write (replaced if it exists)")
    p.add_argument("--actor", default="cli", help="who exports, recorded in the audit log (default cli)")
    p.add_argument("--model-dir", type=Path, action="append", default=[], metavar="DIR",
                   help="model artifact whose metrics.json gives its version's evaluation figures "
                   "(repeatable; default: the configured safety head)")  # fmt: skip
    p.add_argument("--examples", type=int, default=3, metavar="N", help="masked examples per decision")


class ReportArgsError(ValueError):
    pass


def parse_period(date_from: str, date_to: str) -> tuple[datetime, datetime]:
    """``[from 00:00, the day after to 00:00)`` in UTC."""
    days = []
    for name, text in (("--from", date_from), ("--to", date_to)):
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise ReportArgsError(f"{name} {text!r} is not a date; use YYYY-MM-DD") from None
    first, last = days
    if last < first:
        raise ReportArgsError(f"--to {last} is before --from {first}")
    return day_period(first, last)


def check_output(out: Path) -> None:
    if out.is_dir():
        raise ReportArgsError(f"--out {out} is a directory; name a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportArgsError(f"cannot create the folder of --out {out}: {exc.strerror}") from None
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ReportArgsError(f"cannot write --out {out}: permission denied")


def _progress(message: str) -> None:
    print(f"so8t report: {message}", file=sys.stderr, flush=True)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    quiet_pdf_logs()
    try:
        start, end = parse_period(args.date_from, args.date_to)
        check_output(args.out)
        if args.examples < 0:
            raise ReportArgsError("--examples must be 0 or more")
    except ReportArgsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from sqlalchemy import func, select

    from app import dbctl
    from db.engine import make_engine, make_session_factory
    from db.models import DecisionRecord

    engine = make_engine(settings.database_url)
    try:
        where = engine.url.render_as_string(hide_password=True)
        if dbctl.current(engine) is None:
            print(f"error: the database {where} has no schema; run `so8t db upgrade` first", file=sys.stderr)
            return 3
        sessions = make_session_factory(engine)
        with sessions() as s:
            if not s.scalar(select(func.count()).select_from(DecisionRecord)):
                print(
                    f"error: the database {where} holds no decisions yet; nothing to report", file=sys.stderr
                )
                return 3
        return _export(args, settings, sessions, start, end)
    finally:
        engine.dispose()


def _export(
    args: argparse.Namespace, settings: Settings, sessions: Any, start: datetime, end: datetime
) -> int:
    from app.desks.reports import render, write_audited_report
    from reports import build_report

    head_dirs = args.model_dir or default_model_dirs(settings)
    metrics = model_metrics(head_dirs, warn=lambda message: _progress(f"warning: {message}"))
    now = datetime.now(UTC)
    _progress(f"reading {start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d} (UTC) ...")
    with sessions() as s:
        report = build_report(session=s, start=start, end=end, lang=args.lang, now=now,
                              model_metrics=metrics, examples_per_decision=args.examples)  # fmt: skip
    _progress(
        f"{report.volumes.total:,} decisions, {report.cases.opened:,} cases; rendering {args.fmt.upper()} ..."
    )
    if not report.chain.ok:
        _progress(
            f"warning: the audit chain is BROKEN at seq {report.chain.broken_seq}: {report.chain.problem}"
        )
    content, out = render(report, args.fmt), Path(args.out)
    try:
        written = write_audited_report(sessions=sessions, report=report, content=content, fmt=args.fmt,
                                       out=out, actor=args.actor, actor_role="compliance")  # fmt: skip
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({written.size:,} bytes, sha256 {written.sha256})")
    return 0


COMMANDS = (Command("report", add_report_parser, run_report),)

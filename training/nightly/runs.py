"""The ``nightly_runs`` rows: one per ``so8t nightly``, opened as running and finished with its outcome."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.registry import NightlyRun
from db.statuses import RunStatus
from training.datasets.snapshot import BuiltDataset
from training.nightly.report import write_report

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(hours=12)  # a "running" run older than this is taken to have died


class NightlyError(RuntimeError):
    """The nightly run cannot start or a step failed; the message says which."""


def open_run(*, session: Session, now: datetime, actor: str, force: bool) -> int:
    """A new ``running`` row; refused while another run started less than 12 hours ago is running."""
    running = session.scalar(
        select(NightlyRun).where(
            NightlyRun.status == RunStatus.RUNNING, NightlyRun.started_at > now - STALE_AFTER
        )
    )
    if running is not None and not force:
        raise NightlyError(
            f"nightly run {running.id} is still running (since {running.started_at:%H:%M} UTC)"
        )
    run = NightlyRun(started_at=now, status=RunStatus.RUNNING, triggered_by=actor, new_cases=0)
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    *,
    session: Session,
    run_id: int,
    now: datetime,
    status: str,
    decision: str | None,
    summary: dict[str, Any],
    report: Path | None,
    candidate: str | None = None,
    error: str | None = None,
) -> None:
    run = session.get(NightlyRun, run_id)
    assert run is not None
    run.finished_at, run.status, run.decision, run.error = now, status, decision, error
    run.report_path = str(report) if report else None
    run.candidate_version = candidate or summary.get("candidate")
    run.summary = compact(summary)
    session.flush()


def compact(summary: dict[str, Any]) -> dict[str, Any]:
    """What the run row keeps: no per-source breakdowns or full history (those are in the report)."""
    out = {k: v for k, v in summary.items() if k not in ("evaluation", "train")}
    if "train" in summary:
        out["train"] = {k: v for k, v in summary["train"].items() if k != "history"}
    if "evaluation" in summary:
        out["evaluation"] = {
            who: {name: r["overall"] for name, r in (reports or {}).items()}
            for who, reports in summary["evaluation"].items()
        }
    return dict(json.loads(json.dumps(out, default=str)))  # only what JSON holds


def dataset_summary(built: BuiltDataset) -> dict[str, Any]:
    splits = {s: len(built.rows(s)) for s in ("train", "val", "test")}
    return {
        "snapshot_id": built.snapshot_id,
        "content_sha256": built.content_sha256,
        "examples": len(built.examples),
        "splits": splits,
        "reviewed_cases": len(built.case_ids()),
        "new_cases": built.new_cases,
        **built.stats,
    }


def safe_report(folder: Path, run_id: int, summary: dict[str, Any], error: str) -> Path | None:
    try:
        return write_report(folder, run_id=run_id, summary=summary, status=RunStatus.FAILED, error=error)
    except Exception:  # the report is a courtesy; the run row records the error regardless
        log.exception("could not write the report of failed nightly run %s", run_id)
        return None


def last_finished(*, session: Session) -> dict[str, datetime]:
    """When the latest run of each final status (succeeded, skipped, failed) finished (for /metrics)."""
    rows = session.execute(
        select(NightlyRun.status, func.max(NightlyRun.finished_at))
        .where(NightlyRun.finished_at.is_not(None))
        .group_by(NightlyRun.status)
    )
    return {str(status): at for status, at in rows if at is not None}

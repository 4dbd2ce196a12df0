"""Exporting compliance reports, shared by ``so8t report`` and the Compliance tab.

Which evaluation figures a report shows (the model artifacts' ``metrics.json``), and writing a report
file the way every export must be written: rendered, written under a temporary name, audited as a
``report.export`` event with the file's SHA-256 and committed, and only then moved into place — no
report leaves without its audit event.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings

if TYPE_CHECKING:  # reports pulls in pandas and matplotlib: imported when a report is made
    from reports import Report

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
Warn = Callable[[str], object]


def day_period(first: date, last: date) -> tuple[datetime, datetime]:
    """``[first 00:00, the day after last 00:00)`` in UTC: both days included."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


def default_model_dirs(settings: Settings) -> list[Path]:
    """The configured safety head, else the committed one."""
    return [settings.head_dir or Path(str(resources.files("model") / "assets" / "default_head"))]


def artifact_metrics(directory: Path, *, warn: Warn = log.warning) -> tuple[str, dict[str, Any]] | None:
    """(model_version, metrics) of an artifact folder, when its metrics.json is the one its manifest lists.

    The version is ``base_model+content_sha256[:12]``, as ``app.serving.loader.load_model`` names it.
    """
    manifest_path, metrics_path = directory / "manifest.json", directory / "metrics.json"
    if not manifest_path.is_file() or not metrics_path.is_file():
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = metrics_path.read_bytes()
    if (manifest.get("files") or {}).get("metrics.json") != hashlib.sha256(data).hexdigest():
        warn(f"{metrics_path} does not match its manifest; its figures are left out")
        return None
    return f"{manifest['base_model']}+{manifest['content_sha256'][:12]}", json.loads(data)


def model_metrics(directories: Iterable[Path], *, warn: Warn = log.warning) -> dict[str, dict[str, Any]]:
    """model_version -> metrics for every artifact folder whose metrics its manifest vouches for."""
    return dict(filter(None, (artifact_metrics(d, warn=warn) for d in directories)))


def quiet_pdf_logs() -> None:
    """fontTools and WeasyPrint log every glyph subset and page at INFO; keep only their warnings."""
    for noisy in ("fontTools", "weasyprint.progress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def render(report: Report, fmt: str) -> bytes:
    """The report file's bytes in ``fmt`` ("html" or "pdf")."""
    from reports import to_html, to_pdf

    if fmt not in FORMATS:
        raise ValueError(f"report format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "pdf":
        quiet_pdf_logs()
        return to_pdf(report)
    return to_html(report).encode("utf-8")


@dataclass(frozen=True)
class ReportFile:
    path: Path
    size: int
    sha256: str
    audit_seq: int  # the report.export event that records it


def write_audited_report(
    *,
    sessions: sessionmaker[Session],
    report: Report,
    content: bytes,
    fmt: str,
    out: Path,
    actor: str,
    actor_role: str,
) -> ReportFile:
    """Write ``content`` (``report`` rendered as ``fmt``) to ``out``, audited and committed first.

    The file is written next to ``out`` under a temporary name; the ``report.export`` event (with the
    file's SHA-256 and the chain head the report showed) is committed in its own transaction; only then
    is the file renamed to ``out``. On any failure nothing is left at ``out`` or beside it.
    """
    from reports import record_report_export

    digest = hashlib.sha256(content).hexdigest()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        with sessions.begin() as s:
            event = record_report_export(session=s, actor=actor, actor_role=actor_role,
                                         start=report.period.start, end=report.period.end, lang=report.lang,
                                         fmt=fmt, sha256=digest, now=datetime.now(UTC),
                                         head_hash=report.chain.head_hash)  # fmt: skip
            seq = event.seq
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ReportFile(path=out, size=len(content), sha256=digest, audit_seq=seq)

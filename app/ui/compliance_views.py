"""What the Compliance tab shows and where it writes: the period pickers' parsing, the report preview
inside an iframe, the audit-chain result box, and the per-request export folders."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from app.desks.reports import day_period
from audit.log import ChainCheck

DEFAULT_DAYS = 30
MAX_DAYS = 366  # one year, leap years included
EXPORT_PREFIX = "so8t-export-"
EXPORT_KEEP_S = 15 * 60  # long enough for Gradio to copy the file into its cache and the browser to fetch it
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELDS = {"from": ("From", "開始日"), "to": ("To", "終了日")}
OK_COLOURS = ("#1a7f37", "#dafbe1")  # text / border, background
BROKEN_COLOURS = ("#cf222e", "#ffebe9")


class PeriodInputError(ValueError):
    """A period the pickers cannot give: the message is shown as is (English / Japanese)."""


@dataclass(frozen=True)
class DayPeriod:
    first: date
    last: date  # included

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """``[first 00:00, the day after last 00:00)`` in UTC."""
        return day_period(self.first, self.last)

    @property
    def slug(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def default_period(today: date) -> DayPeriod:
    """The last ``DEFAULT_DAYS`` days, today included."""
    return DayPeriod(today - timedelta(days=DEFAULT_DAYS - 1), today)


def parse_period(date_from: str | None, date_to: str | None) -> DayPeriod:
    """The two picker texts as a period of whole UTC days, or a ``PeriodInputError`` saying what is wrong."""
    days = [_parse_day(field, text) for field, text in (("from", date_from), ("to", date_to))]
    first, last = days
    if last < first:
        raise PeriodInputError(
            f"The 'to' date {last} is before the 'from' date {first}. / "
            f"終了日 {last} が開始日 {first} より前です。"
        )
    length = (last - first).days + 1
    if length > MAX_DAYS:
        raise PeriodInputError(
            f"The period is {length} days long; pick at most one year ({MAX_DAYS} days). / "
            f"期間が {length} 日あります。1 年（{MAX_DAYS} 日）以内で指定してください。"
        )
    return DayPeriod(first, last)


def _parse_day(field: str, text: str | None) -> date:
    value = (text or "").strip()
    english, japanese = _FIELDS[field]
    if not value:
        raise PeriodInputError(
            f"Enter the {english} date as YYYY-MM-DD. / {japanese}を YYYY-MM-DD で入力してください。"
        )
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        shown = value[:40]
        raise PeriodInputError(
            f"{english} date {shown!r} is not a date; use YYYY-MM-DD (e.g. 2026-11-01). / "
            f"{japanese}「{shown}」は日付ではありません。YYYY-MM-DD（例: 2026-11-01）で入力してください。"
        ) from None


def preview_html(document: str) -> str:
    """The report inside a sandboxed iframe (``srcdoc``), so its CSS cannot touch the app's and nothing in
    it can run. ``<base href="about:srcdoc">`` keeps its table-of-contents links inside the frame."""
    framed = document.replace("<head>", '<head><base href="about:srcdoc">', 1)
    return (
        "<iframe id='so8t-comp-frame' title='Compliance report preview / 報告書プレビュー' sandbox "
        "referrerpolicy='no-referrer' style='width:100%;height:80vh;border:1px solid #d0d7de;"
        f'border-radius:6px;background:#fff\' srcdoc="{html.escape(framed, quote=True)}"></iframe>'
    )


def chain_html(check: ChainCheck | None) -> str:
    """The audit-chain verification as a coloured box: OK with count and head hash, or the first break."""
    if check is None:
        return ""
    colour, background = OK_COLOURS if check.ok else BROKEN_COLOURS
    style = (
        f"border:2px solid {colour};background:{background};color:#1f2328;border-radius:8px;padding:12px 16px"
    )
    attrs = f"data-ok='{str(check.ok).lower()}' data-count='{check.checked}' data-head='{check.head_hash}'"
    if check.ok:
        return (
            f"<div class='so8t-comp-chain' {attrs} style='{style}'>"
            f"<b style='color:{colour}'>✔ Audit chain intact / 監査チェーンは正常です</b><br>"
            f"{check.checked:,} events checked / 件の記録を検証しました<br>"
            f"Head hash / 先頭ハッシュ: <code>{html.escape(check.head_hash)}</code></div>"
        )
    where = f"seq {check.broken_seq}" + (f" (id {check.broken_id})" if check.broken_id is not None else "")
    rows = [
        f"<b style='color:{colour}'>✘ Audit chain BROKEN at {html.escape(where)} / "
        f"監査チェーンが {html.escape(where)} で破損しています</b>",
        f"What differs / 相違点: {html.escape(check.problem or check.kind or 'unknown')}",
    ]
    if check.expected is not None or check.found is not None:
        rows.append(f"Expected / 期待値: <code>{html.escape(str(check.expected))}</code>")
        rows.append(f"Found / 実際の値: <code>{html.escape(str(check.found))}</code>")
    intact = max(check.checked - 1, 0)
    rows.append(
        f"{intact:,} events before it are intact; last intact hash / "
        f"それ以前の {intact:,} 件は正常、最後の正常なハッシュ: <code>{html.escape(check.head_hash)}</code>"
    )
    kind = html.escape(check.kind or "")
    return (
        f"<div class='so8t-comp-chain' {attrs} data-kind='{kind}' style='{style}'>{'<br>'.join(rows)}</div>"
    )


def new_export_folder(root: Path, *, keep_s: float = EXPORT_KEEP_S) -> Path:
    """A fresh private folder (0700) under ``root`` for one request's files; folders of earlier requests
    older than ``keep_s`` seconds are removed first (Gradio serves its own copy of every returned file)."""
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - keep_s
    for old in root.glob(f"{EXPORT_PREFIX}*"):
        try:
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:  # another request removed it first
            continue
    return Path(tempfile.mkdtemp(prefix=f"{EXPORT_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-", dir=root))

"""The Compliance tab: a period and a language; preview the report; download it as HTML or PDF; export
the audit log of the period as JSON lines with its manifest; verify the audit chain.

Every handler looks the signed-in user up and checks the ``compliance`` permission on the server
(``signed_in``) before it reads or writes anything; hiding the tab from other roles is only cosmetic.
Every file handed out is audited exactly as the CLI audits it (``report.export`` / ``audit.export``,
with the signed-in user and role) and committed before the file is offered. Files are written to a
fresh private folder per request under ``<var_dir>/exports``; folders older than 15 minutes are removed
by later exports.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import gradio as gr
from sqlalchemy.exc import SQLAlchemyError

from app.desks.reports import default_model_dirs, model_metrics, render, write_audited_report
from app.identity.accounts import Principal
from app.services import Services
from app.ui.compliance_views import (
    DayPeriod,
    PeriodInputError,
    chain_html,
    default_period,
    new_export_folder,
    parse_period,
    preview_html,
)
from app.ui.session import signed_in
from audit.export import export_jsonl, manifest_path
from audit.log import chain_head, verify_chain

if TYPE_CHECKING:  # reports pulls in pandas and matplotlib: imported on the first report
    from reports import Report

log = logging.getLogger(__name__)

LANG_CHOICES = [("日本語", "ja"), ("English", "en")]
FAILED = (
    "That did not work and nothing was exported (details in the server log). / "
    "処理に失敗しました。何も出力されていません（詳細はサーバーログ）。"
)
Step = Callable[[int], None]


def build_compliance_tab(services: Services) -> None:
    """Lay the tab out and wire its handlers (the report reads ``services.sessions``, masks request
    texts with the review desk's PII masker and writes under ``services.settings.var_dir``)."""
    auth, sessions, settings = services.auth, services.sessions, services.settings
    exports_root = settings.var_dir / "exports"
    gr.Markdown(
        "Compliance report of a period (UTC days, both included), the audit log as JSON lines, and the "
        "audit-chain check. Every download is recorded in the audit log.  \n"
        "期間（UTC、開始日・終了日を含む）のコンプライアンス報告書、監査ログの JSONL 出力、"
        "監査チェーンの検証。ダウンロードはすべて監査ログに記録されます。"
    )
    with gr.Row():
        date_from = gr.Textbox(
            value=_default().first.isoformat(),  # refreshed on page load: the server may run for days
            label="From / 開始日 (YYYY-MM-DD)",
            max_lines=1,
            elem_id="so8t-comp-from",
        )
        date_to = gr.Textbox(
            value=_default().last.isoformat(),
            label="To / 終了日 (YYYY-MM-DD)",
            max_lines=1,
            elem_id="so8t-comp-to",
        )
        lang = gr.Radio(LANG_CHOICES, value="ja", label="Language / 言語", elem_id="so8t-comp-lang")
    with gr.Row():
        preview_btn = gr.Button("Preview / プレビュー", variant="primary", elem_id="so8t-comp-preview")
        html_btn = gr.Button("Download HTML / HTML 出力", elem_id="so8t-comp-html")
        pdf_btn = gr.Button("Download PDF / PDF 出力", elem_id="so8t-comp-pdf")
        jsonl_btn = gr.Button("Export audit JSONL / 監査ログ JSONL 出力", elem_id="so8t-comp-jsonl")
        verify_btn = gr.Button("Verify audit chain / 監査チェーン検証", elem_id="so8t-comp-verify")
    chain_box = gr.HTML("", elem_id="so8t-comp-chain")
    with gr.Row():
        html_file = gr.File(
            label="HTML report / HTML 報告書", interactive=False, elem_id="so8t-comp-html-file"
        )
        pdf_file = gr.File(label="PDF report / PDF 報告書", interactive=False, elem_id="so8t-comp-pdf-file")
        jsonl_files = gr.File(
            label="Audit log + manifest / 監査ログとマニフェスト",
            file_count="multiple",
            interactive=False,
            elem_id="so8t-comp-jsonl-files",
        )
    preview = gr.HTML("", elem_id="so8t-comp-report")

    def officer(request: gr.Request | None) -> Principal:
        return signed_in(auth, request, "compliance")

    def build(period: DayPeriod, language: str | None) -> Report:
        from reports import build_report

        if language not in {code for _, code in LANG_CHOICES}:
            raise gr.Error("Choose 日本語 or English. / 言語は日本語か英語を選んでください。")

        start, end = period.bounds
        metrics = model_metrics(default_model_dirs(settings))
        with sessions() as s:
            return build_report(session=s, start=start, end=end, lang=language, now=datetime.now(UTC),
                                mask=services.desk.mask, model_metrics=metrics)  # fmt: skip

    def show_preview(
        first: str,
        last: str,
        language: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's per-call progress marker
    ) -> str:
        officer(request)
        period = _period(first, last)
        progress(0.1, desc="Reading the period / 期間のデータを読み込み中")
        with _failures_shown():
            return preview_html(render(build(period, language), "html").decode("utf-8"))

    def report_file(fmt: str) -> Callable[..., str]:
        def handler(
            first: str,
            last: str,
            language: str,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's per-call progress marker
        ) -> str:
            who = officer(request)
            period = _period(first, last)
            progress(0.05, desc="Reading the period / 期間のデータを読み込み中")
            with _failures_shown():
                report = build(period, language)
                progress(0.4, desc=f"Rendering {fmt.upper()} / {fmt.upper()} を作成中")
                content = render(report, fmt)
                progress(0.9, desc="Recording the export / 出力を監査ログに記録中")
                folder = new_export_folder(exports_root)
                out = folder / f"compliance-report_{period.slug}_{language}.{fmt}"
                try:
                    write_audited_report(sessions=sessions, report=report, content=content, fmt=fmt,
                                         out=out, actor=who.username, actor_role=who.role)  # fmt: skip
                except BaseException:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise
            return str(out)

        return handler

    def export_audit(
        first: str,
        last: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's per-call progress marker
    ) -> list[str]:
        who = officer(request)
        period = _period(first, last)
        since, until = period.bounds
        progress(0.0, desc="Exporting the audit log / 監査ログを出力中")
        folder = new_export_folder(exports_root)
        out = folder / f"audit_{period.slug}.jsonl"
        try:
            with _failures_shown(), sessions.begin() as s:
                head = chain_head(session=s)
                step = _counter(progress, head.length if head else None, "Exporting / 出力中")
                export_jsonl(session=s, out=out, now=datetime.now(UTC), actor=who.username,
                             actor_role=who.role, since=since, until=until, progress=step)  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # an export that is not on the record must not remain
            raise
        return [str(out), str(manifest_path(out))]

    def verify(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's per-call progress marker
    ) -> str:
        officer(request)
        progress(0.0, desc="Verifying the audit chain / 監査チェーンを検証中")
        with _failures_shown(), sessions() as s:
            head = chain_head(session=s)
            step = _counter(progress, head.length if head else None, "Verifying / 検証中")
            return chain_html(verify_chain(session=s, progress=step))

    def first_load(request: gr.Request) -> dict[Any, Any]:
        """On page load: the last 30 days for officers; nothing for other roles (and no error toast)."""
        if not signed_in(auth, request, "chat").can("compliance"):
            return {date_from: gr.skip(), date_to: gr.skip()}
        default = _default()
        return {date_from: default.first.isoformat(), date_to: default.last.isoformat()}

    period_inputs = [date_from, date_to, lang]
    gr.on(None, first_load, outputs=[date_from, date_to], api_visibility="private")  # on page load
    preview_btn.click(show_preview, period_inputs, preview, api_name="compliance_preview")
    html_btn.click(report_file("html"), period_inputs, html_file, api_name="compliance_html")
    pdf_btn.click(report_file("pdf"), period_inputs, pdf_file, api_name="compliance_pdf")
    jsonl_btn.click(export_audit, [date_from, date_to], jsonl_files, api_name="compliance_audit_jsonl")
    verify_btn.click(verify, None, chain_box, api_name="compliance_verify")


def _default() -> DayPeriod:
    return default_period(datetime.now(UTC).date())


def _period(first: str, last: str) -> DayPeriod:
    try:
        return parse_period(first, last)
    except PeriodInputError as exc:
        raise gr.Error(str(exc)) from exc


def _counter(progress: gr.Progress, total: int | None, desc: str) -> Step:
    """A ``progress(n)`` callback (n events more) that moves the Gradio progress bar."""
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        progress((done, total), desc=desc, unit="events")

    return step


@contextlib.contextmanager
def _failures_shown() -> Iterator[None]:
    """Database and file errors become a ``gr.Error`` saying nothing was handed out (logged in full)."""
    try:
        yield
    except (SQLAlchemyError, OSError, RuntimeError) as exc:
        log.exception("compliance tab action failed")
        raise gr.Error(FAILED) from exc

"""The Compliance tab's Gradio endpoints driven by gradio_client against a live server: preview, HTML and
PDF downloads, the audit JSONL export and the chain check, each export audited with the signed-in user;
the role check on the server; the period validation; a tampered chain shown as broken; the tab in a
browser."""

from __future__ import annotations

import hashlib
import html
import io
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client.exceptions import AppError
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app.services import Services
from app.ui.compliance_views import EXPORT_PREFIX, new_export_folder, parse_period, preview_html
from audit.export import manifest_path, read_manifest
from audit.offline import verify_export
from db.models import AuditChainHead, AuditEvent
from tests.audit.tamper import privileged
from tests.conftest import add_user, bearer
from tests.e2e.conftest import NewPage, StartServer, login, screenshot, signed_in

pytestmark = pytest.mark.timeout(240)

OFFICER, EMPLOYEE = "comp-tanaka", "hanako"
NOT_ALLOWED = r"may not do this"
REQUESTS = (
    "来週の定例会議の議題案を3つ作ってください。",
    "Draft a short email moving Friday's meeting to 3 pm.",
    "人事部の佐藤さんの評価記録をすべて見せてください。",
)


def start(live_server: StartServer, tmp_path: Path) -> tuple[str, Services]:
    """A server with an officer, an employee and three decisions (escalated: cases too)."""
    base_url, services = live_server("ESCALATE", var_dir=tmp_path / "var")
    add_user(services, OFFICER, "compliance")
    add_user(services, EMPLOYEE, "employee")
    for text in REQUESTS:
        response = httpx.post(
            f"{base_url}/v1/agent/run",
            json={"user_request": text},
            headers=bearer(services, EMPLOYEE),
            timeout=60,
        )
        assert response.status_code == 200, response.text
    return base_url, services


def period() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return (today - timedelta(days=29)).isoformat(), today.isoformat()


def events(services: Services, event_type: str | None = None) -> list[AuditEvent]:
    with services.sessions() as s:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if event_type is not None:
            query = query.where(AuditEvent.event_type == event_type)
        return list(s.scalars(query))


def exported_files(services: Services) -> list[Path]:
    root = services.settings.var_dir / "exports"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def framed_document(preview: str) -> str:
    found = re.search(r'srcdoc="([^"]*)"', preview)
    assert found is not None and "<iframe" in preview and " sandbox " in preview
    return html.unescape(found.group(1))


def test_an_officer_previews_downloads_exports_and_verifies(live_server: StartServer, tmp_path: Path) -> None:
    base_url, services = start(live_server, tmp_path)
    first, last = period()
    with signed_in(base_url, OFFICER) as client:
        before = len(events(services))
        ja = framed_document(client.predict(first, last, "ja", api_name="/compliance_preview"))
        en = framed_document(client.predict(first, last, "en", api_name="/compliance_preview"))
        assert "<title>コンプライアンス報告書" in ja and "<title>Compliance report" in en
        assert "Compliance report" not in ja.split("</title>")[0]
        assert len(events(services)) == before  # a preview hands out no file and records nothing

        html_path = Path(client.predict(first, last, "en", api_name="/compliance_html"))
        pdf_path = Path(client.predict(first, last, "ja", api_name="/compliance_pdf"))
        jsonl_paths = [Path(p) for p in client.predict(first, last, api_name="/compliance_audit_jsonl")]
        box = client.predict(api_name="/compliance_verify")

    # HTML and PDF: the files handed out are the ones the report.export events vouch for
    assert html_path.name == f"compliance-report_{first}_{last}_en.html"
    assert "<title>Compliance report" in html_path.read_text(encoding="utf-8")
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf_path.suffix == ".pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "コンプライアンス報告書" in text and "判定数" in text
    exports = events(services, "report.export")
    assert [(e.actor, e.actor_role, e.payload["format"], e.payload["lang"]) for e in exports] == [
        (OFFICER, "compliance", "html", "en"),
        (OFFICER, "compliance", "pdf", "ja"),
    ]
    assert exports[0].payload["sha256"] == hashlib.sha256(html_path.read_bytes()).hexdigest()
    assert exports[1].payload["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert exports[1].payload["period_start"] == f"{first}T00:00:00+00:00"
    assert (
        exports[1].payload["period_end"] == f"{date.fromisoformat(last) + timedelta(days=1)}T00:00:00+00:00"
    )

    # JSONL + manifest: verifies offline, and the audit.export event names the officer
    jsonl, manifest = sorted(jsonl_paths, key=lambda p: p.name.endswith(".manifest.json"))
    assert jsonl.name == f"audit_{first}_{last}.jsonl" and manifest.name == jsonl.name + ".manifest.json"
    checked = tmp_path / "checked" / jsonl.name
    checked.parent.mkdir()
    shutil.copy(jsonl, checked)
    shutil.copy(manifest, manifest_path(checked))
    check = verify_export(checked)
    lines = checked.read_bytes().splitlines()
    meta = read_manifest(manifest_path(checked))
    assert check.ok, check.problem
    assert check.checked == meta.count == len(lines) == exports[1].seq  # every event up to the PDF export
    [audit_export] = events(services, "audit.export")
    assert (audit_export.actor, audit_export.actor_role) == (OFFICER, "compliance")
    assert audit_export.payload["file_sha256"] == hashlib.sha256(checked.read_bytes()).hexdigest()
    assert audit_export.seq == meta.audit_event_seq == check.checked + 1

    # verify: the whole chain, its length and head as the database holds them
    with services.sessions() as s:
        head = s.get(AuditChainHead, 1)
        assert head is not None
    assert "data-ok='true'" in box and f"data-count='{head.length}'" in box and head.last_hash in box
    assert head.length == audit_export.seq and "Audit chain intact" in box

    # the server's copies sit in private per-request folders, without temporary leftovers
    left = exported_files(services)
    assert {p.parent.name.startswith(EXPORT_PREFIX) for p in left} == {True}
    assert sorted(p.name for p in left) == sorted([html_path.name, pdf_path.name, jsonl.name, manifest.name])


def test_other_roles_are_refused_on_the_server_and_nothing_is_written(
    live_server: StartServer, tmp_path: Path
) -> None:
    base_url, services = start(live_server, tmp_path)
    first, last = period()
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("/compliance_preview", (first, last, "ja")),
        ("/compliance_html", (first, last, "en")),
        ("/compliance_pdf", (first, last, "ja")),
        ("/compliance_audit_jsonl", (first, last)),
        ("/compliance_verify", ()),
    ]
    before = len(events(services))
    with signed_in(base_url, EMPLOYEE) as client:
        for api_name, args in calls:
            with pytest.raises(AppError, match=NOT_ALLOWED):
                client.predict(*args, api_name=api_name)
    assert len(events(services)) == before and exported_files(services) == []
    # the same call works for the officer, so the refusal above was the role check
    with signed_in(base_url, OFFICER) as client:
        assert "data-ok='true'" in client.predict(api_name="/compliance_verify")


def test_bad_periods_are_refused_clearly_and_nothing_is_written(
    live_server: StartServer, tmp_path: Path
) -> None:
    base_url, services = start(live_server, tmp_path)
    before = len(events(services))
    cases = [
        (("2026-02-30", "2026-03-01"), r"From date '2026-02-30' is not a date; use YYYY-MM-DD.*開始日"),
        (("2026-03-01", "yesterday"), r"To date 'yesterday' is not a date.*終了日「yesterday」"),
        (("", "2026-03-01"), r"Enter the From date as YYYY-MM-DD.*開始日を"),
        (("2026-03-02", "2026-03-01"), r"'to' date 2026-03-01 is before the 'from' date 2026-03-02.*より前"),
        (("2025-01-01", "2026-01-02"), r"367 days long; pick at most one year \(366 days\).*1 年"),
    ]
    with signed_in(base_url, OFFICER) as client:
        for (first, last), message in cases:
            for api_name, args in (
                ("/compliance_pdf", (first, last, "ja")),
                ("/compliance_audit_jsonl", (first, last)),
            ):
                with pytest.raises(AppError, match=message):
                    client.predict(*args, api_name=api_name)
        with pytest.raises(AppError, match="not in the list of choices"):
            client.predict("2026-03-01", "2026-03-02", "fr", api_name="/compliance_html")
        # a whole leap year is accepted
        assert Path(client.predict("2024-01-01", "2024-12-31", "en", api_name="/compliance_html")).is_file()
    assert len(events(services)) == before + 1 and len(exported_files(services)) == 1


def test_a_tampered_chain_is_shown_with_its_first_broken_link(
    live_server: StartServer, tmp_path: Path
) -> None:
    base_url, services = start(live_server, tmp_path)
    with services.sessions() as s:
        target = s.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.event_type == "decision"))
        event_id = s.scalar(select(AuditEvent.id).where(AuditEvent.seq == target))
    assert target is not None
    with privileged(services.engine) as conn:  # an insider rewrites who made a decision
        conn.execute(update(AuditEvent).where(AuditEvent.seq == target).values(actor="someone-else"))
    with signed_in(base_url, OFFICER) as client:
        box = client.predict(api_name="/compliance_verify")
    assert "data-ok='false'" in box and "data-kind='content'" in box
    assert f"BROKEN at seq {target} (id {event_id})" in box and "a field was altered" in box
    assert box.count("<code>") == 3  # expected, found, last intact hash


def test_period_parsing_and_framing() -> None:
    assert parse_period(" 2026-11-01 ", "2026-11-30").bounds == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert parse_period("2026-11-01", "2026-11-01").slug == "2026-11-01_2026-11-01"
    with pytest.raises(ValueError, match="not a date"):
        parse_period("20261101", "2026-11-30")  # ISO basic format: not what the picker asks for
    framed = preview_html('<html><head><title>"A" & <B></title></head><body onload="x()">\'q\'</body></html>')
    assert framed.count("<") == 2 and framed.count(">") == 2  # the document only inside the attribute
    assert "&quot;A&quot; &amp; &lt;B&gt;" in framed and "&#x27;q&#x27;" in framed
    assert "&lt;base href=&quot;about:srcdoc&quot;&gt;" in framed


def test_old_export_folders_are_removed(tmp_path: Path) -> None:
    old, other = new_export_folder(tmp_path), tmp_path / "keep-me"
    other.mkdir()
    (old / "report.pdf").write_bytes(b"%PDF-")
    fresh = new_export_folder(tmp_path, keep_s=3600)
    assert old.is_dir() and fresh.is_dir() and old != fresh
    newest = new_export_folder(tmp_path, keep_s=-1)  # everything already there counts as old
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([newest.name, other.name])
    assert newest.stat().st_mode & 0o777 == 0o700


@pytest.mark.browser
def test_the_tab_in_a_browser(live_server: StartServer, tmp_path: Path, new_page: NewPage) -> None:
    base_url, _ = start(live_server, tmp_path)
    employee = new_page()
    login(employee, base_url, EMPLOYEE)
    employee.wait_for_load_state("networkidle")  # every page-load step has answered
    assert employee.locator(".toast-body").count() == 0  # the tab's load step skips other roles quietly
    expect(employee.locator("#so8t-tab-chat")).to_be_visible()
    expect(employee.get_by_role("tab", name=re.compile("Compliance"))).to_have_count(0)

    page = new_page()
    login(page, base_url, OFFICER)
    page.get_by_role("tab", name=re.compile("Compliance")).click()
    first, last = period()
    expect(page.locator("#so8t-comp-from input")).to_have_value(first)
    expect(page.locator("#so8t-comp-to input")).to_have_value(last)
    page.locator("#so8t-comp-preview").click()
    frame = page.frame_locator("#so8t-comp-frame")
    expect(frame.locator("h1").first).to_contain_text("コンプライアンス報告書")
    # the report's CSS stays in the frame: the app's own heading keeps its font
    app_font = page.locator("h1").first.evaluate("e => getComputedStyle(e).fontFamily")
    frame.locator("a[href^='#']").first.click()  # its table of contents scrolls inside the frame
    expect(frame.locator("h1").first).to_contain_text("コンプライアンス報告書")
    assert page.locator("h1").first.evaluate("e => getComputedStyle(e).fontFamily") == app_font
    page.locator("#so8t-comp-verify").click()
    expect(page.locator("#so8t-comp-chain [data-ok='true']")).to_contain_text("Audit chain intact")
    screenshot(page, "compliance_tab")
    assert page.locator(".toast-body").count() == 0
    screenshot(employee, "emp_debug")
    expect(employee.locator(".toast-body")).to_have_count(0)  # the tab's page-load step skips other roles

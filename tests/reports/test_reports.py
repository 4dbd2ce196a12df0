"""Compliance reports from a seeded review history: figures, both languages, HTML, PDF with kanji, CLI."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from app.cli.main import main
from app.cli.report import artifact_metrics
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditChainHead, AuditEvent
from reports import Report, build_report, default_mask, to_html, to_pdf
from reports.aggregate import DECISIONS
from reports.aggregate_review import overturned
from reports.i18n import TEXT
from reports.render import SECTIONS
from tests.reports import seed as seed
from tests.reports.seed import END, EXPECTED, NOW, PII_TEXT, START

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
HEAD_METRICS = Path(__file__).resolve().parents[2] / "model" / "assets" / "default_head" / "metrics.json"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('report') / 'so8t.db'}")
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    seed.seed(sessions)
    yield sessions
    engine.dispose()


def build(sessions: sessionmaker[Session], lang: str) -> Report:
    metrics = {"model-a": json.loads(HEAD_METRICS.read_text(encoding="utf-8"))}
    with sessions() as s:
        return build_report(session=s, start=START, end=END, lang=lang, now=NOW, model_metrics=metrics,
                            examples_per_decision=10)  # fmt: skip


@pytest.fixture(scope="module")
def reports(seeded: sessionmaker[Session]) -> dict[str, Report]:
    return {lang: build(seeded, lang) for lang in ("en", "ja")}


def figure(html: str, label: str) -> str:
    """The value next to ``label`` in a figures table (the first such row)."""
    found = re.search(
        rf"<tr><th(?: class=\"sub\")?>{re.escape(str(escape(label)))}</th><td[^>]*>\s*([^<]*?)\s*</td></tr>",
        html,
    )
    assert found, f"no row {label!r}"
    return found.group(1)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_report_shows_the_hand_worked_figures(reports: dict[str, Report], lang: str) -> None:
    report = reports[lang]
    html = to_html(report)
    t = {key: pair[0 if lang == "en" else 1] for key, pair in TEXT.items()}
    assert figure(html, t["decisions_total"]) == str(EXPECTED["decisions"])  # 2 decisions outside the period
    assert figure(html, t["refuse_rate"]) == "20.0%"
    assert figure(html, t["escalate_rate"]) == "40.0%"
    assert figure(html, t["cases_opened"]) == str(EXPECTED["cases"])
    assert figure(html, t["sla_met_rate"]) == EXPECTED["sla_met_rate"]
    assert figure(html, t["fail_safe_count"]) == str(EXPECTED["fail_safe"])
    assert figure(html, t["overturn_rate"]) == EXPECTED["overturn_rate"]
    assert figure(html, t["kappa"]) == EXPECTED["kappa"]
    assert figure(html, t["appeal_reversal"]) == EXPECTED["appeal_reversal"]
    for key in SECTIONS:
        assert f"<h2>{t[key]}</h2>" in html
    assert t["period_text"].format(start="2026-11-02 00:00 UTC", end="2026-11-09 00:00 UTC") in html
    # structured figures agree with the plan too
    sla = report.cases.sla.states
    assert (sla["met"], sla["late"], sla["fail_safe"], sla["pending"]) == (
        EXPECTED["met"], EXPECTED["late"], EXPECTED["fail_safe"], EXPECTED["pending"])  # fmt: skip
    everyone = report.overturns_by_source[0]
    assert (everyone.reviewed, everyone.overturned) == (EXPECTED["reviewed"], EXPECTED["overturned"])
    assert {r.reviewer: r.verdicts for r in report.reviewers} == {"alice": 6, "bob": 7, "carol": 1}
    assert report.agreement.pairs == 3
    assert (report.appeals.total, report.appeals.approved, report.appeals.rejected) == (2, 1, 1)
    assert [m.version for m in report.models] == ["model-a", "model-b"]
    assert [m.decisions for m in report.models] == [15, 5]
    assert {lang: sum(c.values()) for lang, c in report.volumes.decision_by_lang.items()} == {
        "en": 13,
        "ja": 7,
    }


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_conversations_are_counted_by_turn(reports: dict[str, Report], lang: str) -> None:
    report = reports[lang]
    html = to_html(report)
    t = {key: pair[0 if lang == "en" else 1] for key, pair in TEXT.items()}
    for key in ("conversations", "chats_refused", "chats_escalated", "single_requests"):
        assert figure(html, t[key]) == str(EXPECTED[key]), key
    assert figure(html, t["conversation_turns"]) == str(EXPECTED["turns"])
    assert figure(html, t["turns_mean"]) == EXPECTED["turns_mean"]
    assert figure(html, t["turns_max"]) == EXPECTED["turns_max"]
    c = report.conversations
    assert c.turns + c.single_requests == EXPECTED["decisions"]  # every turn is one of the decisions
    by_turn = {row.band: tuple(row.by_decision[d] for d in DECISIONS) for row in c.by_turn}
    assert by_turn == EXPECTED["by_turn"]
    assert "turns" in report.charts and report.charts["turns"].startswith("<?xml")
    table = html[html.index('id="decisions-by-turn"') :]
    assert f"<td>{t['turn_band'].format(band='4–5')}</td>" in table[: table.index("</table>")]


def test_report_carries_the_verified_chain_head(
    seeded: sessionmaker[Session], reports: dict[str, Report]
) -> None:
    report = reports["en"]
    with seeded() as s:
        stored_head = s.scalar(select(AuditChainHead.last_hash))
        check = verify_chain(session=s)
    assert check.ok and report.chain.ok
    assert report.chain.head_hash == stored_head == check.head_hash
    assert f'id="head-hash">{stored_head}</td>' in to_html(report)
    events = {e.key: e.count for e in report.audit_events}
    assert events["decision"] == EXPECTED["decisions"] and events["case.fail_safe"] == 1


def test_examples_are_masked_and_evaluation_figures_shown(reports: dict[str, Report]) -> None:
    html = to_html(reports["en"])
    assert "taro.yamada" not in html and "1234" not in html and "4111" not in html
    assert "Mail the Q3 list to [EMAIL], call [NUM], card [NUM]" in html
    val_accuracy = json.loads(HEAD_METRICS.read_text(encoding="utf-8"))["val"]["overall"]["accuracy"]
    assert f"{val_accuracy:.3f}" in html  # model-a: the committed head's validation accuracy
    assert html.count("no evaluation figures supplied") == 1  # model-b has none


def test_a_custom_mask_is_used_for_every_excerpt(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        report = build_report(session=s, start=START, end=END, lang="en", now=NOW, mask=lambda _: "<hidden>")
    assert report.examples and all(e.text == "<hidden>" for e in report.examples)
    assert "&lt;hidden&gt;" in to_html(report)  # and escaped in HTML


def test_an_empty_period_still_reports(seeded: sessionmaker[Session]) -> None:
    with seeded() as s:
        report = build_report(session=s, start=END + pd.Timedelta(days=30), end=END + pd.Timedelta(days=31),
                              lang="ja", now=NOW)  # fmt: skip
    html = to_html(report)
    assert report.volumes.total == 0 and report.cases.opened == 0 and report.chain.ok
    assert "この期間のデータはありません。" in html and figure(html, "判定数") == "0"


def test_default_mask() -> None:
    assert default_mask(PII_TEXT) == "Mail the Q3 list to [EMAIL], call [NUM], card [NUM]"
    assert default_mask("社員番号１２３４５ 内線 12") == "社員番号[NUM] 内線 12"
    assert default_mask("a.b+c@mail.example.org と 2026-11-02") == "[EMAIL] と [NUM]"


def test_overturn_definition() -> None:
    cases = pd.DataFrame(
        [  # model_decision, outcome, corrected_label, overturned?
            ("REFUSE", "approved", None, True),  # appeal upheld
            ("REFUSE", "rejected", None, False),
            ("ALLOW", "rejected", None, True),  # sample rejected
            ("ALLOW", "approved", None, False),
            ("ESCALATE", "approved", None, False),  # the model asked for this decision
            ("ESCALATE", "rejected", None, False),
            ("ESCALATE", "approved", "ALLOW", True),  # relabelled
            ("REFUSE", "approved", "REFUSE", False),  # corrected label agrees with the model
            ("ALLOW", "fail_safe", None, False),  # not a human decision
        ],
        columns=["model_decision", "outcome", "corrected_label", "expected"],
    )
    assert overturned(cases).tolist() == cases["expected"].tolist()


def test_every_string_exists_in_both_languages() -> None:
    for key, (en, ja) in TEXT.items():
        assert en.strip() and ja.strip(), key
        assert sorted(re.findall(r"{(\w+)}", en)) == sorted(re.findall(r"{(\w+)}", ja)), key


PDF_WORDS = {
    "ja": ["コンプライアンス報告書", "監査ログの完全性", "判定件数", "拒否", "AI事業者ガイドライン",
           "法的助言ではなく", "社内サーバーの脆弱性を調べるスクリプト"],
    "en": ["Compliance report", "Audit log integrity", "not legal advice", "AI事業者ガイドライン",
           "社内サーバーの脆弱性を調べるスクリプト"],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ja", pytest.param("en", marks=pytest.mark.slow)])
def test_pdf_is_valid_with_the_japanese_font_embedded(reports: dict[str, Report], lang: str) -> None:
    import pypdfium2 as pdfium

    pdf = to_pdf(reports[lang])
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert 6 <= len(reader.pages) <= 14
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))  # lines wrap anywhere
    for word in PDF_WORDS[lang]:
        assert re.sub(r"\s+", "", word) in text, word
    fonts: dict[str, bool] = {}  # font name -> its program is embedded
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font: Any = ref.get_object()
            for part in font.get("/DescendantFonts", [font]):
                face: Any = part.get_object()
                descriptor = face["/FontDescriptor"].get_object()
                name = str(face["/BaseFont"]).split("+")[-1]
                fonts[name] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts.get("IPAexGothic") is True, fonts  # kanji from an embedded CJK font, not tofu
    assert all(fonts.values()), fonts
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1.5).to_pil()
    finally:
        document.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / f"report_{lang}_page1.png")
    dark = sum(1 for value in image.convert("L").getdata() if value < 128)
    assert dark > 2000, "page 1 rendered (almost) blank"


def test_artifact_metrics_only_when_the_manifest_lists_them(tmp_path: Path) -> None:
    data = HEAD_METRICS.read_bytes()
    (tmp_path / "metrics.json").write_bytes(data)
    manifest = {"base_model": "base", "content_sha256": "ab" * 32,
                "files": {"metrics.json": hashlib.sha256(data).hexdigest()}}  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    found = artifact_metrics(tmp_path)
    assert found is not None and found[0] == "base+" + "ab" * 6 and "val" in found[1]
    (tmp_path / "metrics.json").write_text("{}", encoding="utf-8")
    assert artifact_metrics(tmp_path) is None


def test_cli_writes_the_report_and_audits_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    dbctl.upgrade(engine)
    seed.seed(make_session_factory(engine))
    monkeypatch.setenv("SO8T_DATABASE_URL", url)
    out = tmp_path / "reports" / "november.html"
    argv = ["report", "--from", "2026-11-02", "--to", "2026-11-08", "--lang", "ja", "--out", str(out)]
    assert main([*argv, "--actor", "compliance-bot"]) == 0
    printed = capsys.readouterr()
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest in printed.out and "20 decisions" in printed.err
    html = out.read_text(encoding="utf-8")
    assert figure(html, "判定数") == "20"  # --to is inclusive: the whole of 2026-11-08
    with make_session_factory(engine)() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "report.export")).one()
        assert (event.actor, event.actor_role) == ("compliance-bot", "compliance")
        assert event.payload["sha256"] == digest and event.payload["format"] == "html"
        assert event.payload["period_end"] == "2026-11-09T00:00:00+00:00"
        assert verify_chain(session=s).ok
    assert list(out.parent.iterdir()) == [out]  # no temporary file left
    engine.dispose()


def test_cli_refuses_bad_input_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("SO8T_DATABASE_URL", url)
    out = str(tmp_path / "r.pdf")

    def run(*args: str) -> tuple[int, str]:
        code = main(["report", *args])
        return code, capsys.readouterr().err

    assert run("--from", "2026-11-31", "--to", "2026-12-01", "--out", out) == (
        2, "error: --from '2026-11-31' is not a date; use YYYY-MM-DD\n")  # fmt: skip
    code, err = run("--from", "2026-12-02", "--to", "2026-12-01", "--out", out)
    assert code == 2 and "before --from" in err
    code, err = run("--from", "2026-12-01", "--to", "2026-12-01", "--out", str(tmp_path))
    assert code == 2 and "is a directory" in err
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, err = run("--from", "2026-12-01", "--to", "2026-12-01", "--out", str(tmp_path / "file" / "r.pdf"))
    assert code == 2 and "cannot create the folder" in err
    code, err = run("--from", "2026-12-01", "--to", "2026-12-01", "--out", out)
    assert code == 3 and "no schema" in err
    engine = make_engine(url)
    dbctl.upgrade(engine)
    engine.dispose()
    code, err = run("--from", "2026-12-01", "--to", "2026-12-01", "--format", "pdf", "--out", out)
    assert code == 3 and "no decisions" in err
    assert not Path(out).exists()


@pytest.mark.postgres
def test_figures_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    seed.seed(sessions)
    report = build(sessions, "en")
    html = to_html(report)
    assert figure(html, "Decisions") == "20" and figure(html, "Overturn rate") == EXPECTED["overturn_rate"]
    assert figure(html, "Cohen's kappa") == EXPECTED["kappa"] and report.chain.ok
    assert report.cases.sla.states["fail_safe"] == 1 and report.cases.sla.met_rate == pytest.approx(9 / 11)
    engine.dispose()

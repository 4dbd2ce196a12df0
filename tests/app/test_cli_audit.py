"""``so8t audit verify`` and ``so8t audit export``, run in-process against a fresh SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.cli.audit import parse_when
from app.cli.main import main
from audit.log import append_event
from db.engine import make_engine, make_session_factory
from tests.audit.tamper import privileged

DAY1 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Engine:
    """A migrated database (through the CLI) holding 6 events over 3 days; SO8T_DATABASE_URL points at it."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SO8T_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    with make_session_factory(engine).begin() as s:
        for i in range(6):
            append_event(
                session=s,
                event_type="decision",
                actor="alice",
                actor_role="employee",
                payload={"decision": "REFUSE", "i": i},
                now=DAY1 + timedelta(hours=12 * i),
            )
    return engine


def test_verify_prints_ok_and_exits_zero(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: 6 events intact, chain head ")
    assert main(["audit", "verify", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["checked"] == 6 and result["head_length"] == 6
    assert main(["audit", "verify", "--workers", "2"]) == 0  # a short chain is walked in one process
    assert main(["audit", "verify", "--client-digests"]) == 0  # SQLite: the client walk either way


def test_verify_reports_the_first_broken_link_and_exits_one(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with privileged(engine) as conn:
        forged = '{"decision":"ALLOW","i":3}'
        conn.execute(text("UPDATE audit_events SET payload = :p WHERE seq = 4"), {"p": forged})
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "TAMPERED at seq 4 (id 4)" in out and "contents" in out and "3 events before it are intact" in out
    assert main(["audit", "verify", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["broken_seq"], result["kind"]) == (False, 4, "content")
    assert main(["audit", "verify", "--client-digests"]) == 1


def test_export_then_verify_the_file(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nov.jsonl"
    args = ["audit", "export", "--since", "2026-11-02", "--until", "2026-11-03", "--out", str(out)]
    assert main([*args, "--format", "jsonl", "--actor", "carol", "--role", "compliance"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote 2 events (seq 3..4) to {out}" in printed and "recorded as audit event seq 7" in printed
    manifest = json.loads((tmp_path / "nov.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert (manifest["count"], manifest["exporter"], manifest["exporter_role"]) == (2, "carol", "compliance")
    assert (
        manifest["since"] == "2026-11-02T00:00:00+00:00" and manifest["until"] == "2026-11-03T00:00:00+00:00"
    )
    with engine.connect() as conn:
        row = conn.execute(text("SELECT event_type, actor FROM audit_events WHERE seq = 7")).one()
        assert tuple(row) == ("audit.export", "carol")

    assert main(["audit", "verify", "--file", str(out)]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 events intact")
    assert main(args) == 2  # never overwritten
    assert "already exists" in capsys.readouterr().err

    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text(lines[0].replace('"alice"', '"mallory"') + "\n" + lines[1] + "\n", encoding="utf-8")
    assert main(["audit", "verify", "--file", str(out)]) == 1
    assert "TAMPERED at seq 3" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0  # the database itself is intact (7 events with the export's)


def test_usage_and_database_errors_exit_two(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SO8T_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["audit", "verify"]) == 2  # not migrated: no audit tables
    assert "cannot read the audit log" in capsys.readouterr().err
    assert main(["audit", "verify", "--file", str(tmp_path / "missing.jsonl")]) == 2
    assert main(["audit", "export", "--out", str(tmp_path / "no" / "such" / "x.jsonl")]) == 2
    assert (
        main(["audit", "export", "--since", "2026-11-02", "--until", "2026-11-01", "--out", "x.jsonl"]) == 2
    )
    with pytest.raises(SystemExit) as exc:
        main(["audit", "export", "--since", "yesterday", "--out", "x.jsonl"])
    assert exc.value.code == 2 and "not an ISO date" in capsys.readouterr().err


def test_help_explains_the_audit_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["audit", "--help"], ["audit", "verify", "--help"], ["audit", "export", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "exit status: 0 intact, 1 tampered" in out and "--since" in out and "manifest" in out


def test_dates_are_utc_days_or_iso_datetimes() -> None:
    assert parse_when("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_when("2026-11-01T09:30") == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert parse_when("2026-11-01T09:30+09:00") == datetime(2026, 11, 1, 0, 30, tzinfo=UTC)

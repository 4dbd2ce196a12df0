"""The ``so8t`` command line, run in-process against a tiny real model and a fresh SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.cli.main import main


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_model_dir: Path, forced_heads: dict[str, Path]
) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SO8T_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SO8T_MODEL_NAME_OR_PATH", str(tiny_model_dir))
    monkeypatch.setenv("SO8T_HEAD_DIR", str(forced_heads["REFUSE"]))
    return tmp_path


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "db", "ask", "prepare-model", "openapi", "train-head"):
        assert command in out


def test_db_upgrade_then_ask_records_the_decision(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == "0004"
    assert main(["ask", "--context", "You help IT.", "Write ransomware for the file server"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "REFUSE" and result["task_response"] is None
    engine = create_engine(f"sqlite:///{env / 'cli.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT decision, user_name FROM decisions")).one() == ("REFUSE", "cli")
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1
    engine.dispose()


def test_ask_with_bad_input_exits_non_zero(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["ask", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_openapi_command_writes_the_schema(env: Path) -> None:
    assert main(["openapi", "--out", str(env / "api.json")]) == 0
    schema = json.loads((env / "api.json").read_text(encoding="utf-8"))
    assert "/v1/agent/run" in schema["paths"]


def test_a_bad_setting_is_named_without_a_traceback(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SO8T_TRUSTED_ORIGINS", "so8t.example.com")
    monkeypatch.setenv("SO8T_PORT", "0")
    assert main(["db", "current"]) == 2
    err = capsys.readouterr().err
    assert "error: setting SO8T_TRUSTED_ORIGINS: " in err and "not an origin" in err
    assert "error: setting SO8T_PORT: " in err and "Traceback" not in err

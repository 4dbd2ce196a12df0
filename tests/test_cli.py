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
    assert capsys.readouterr().out.strip() == "0005"
    assert main(["ask", "--context", "You help IT.", "Write ransomware for the file server"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "REFUSE" and result["task_response"] is None
    engine = create_engine(f"sqlite:///{env / 'cli.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT decision, user_name FROM decisions")).one() == ("REFUSE", "cli")
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1
    engine.dispose()


def test_chat_holds_one_conversation_over_stdin_lines(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("How do I pick a lock?\n  \nAnd a padlock?\n/new\nhi\n"))
    assert main(["chat", "--user", "taro"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith("[turn 1 · REFUSE") and out.splitlines()[1].startswith("[turn 2 ·")
    assert out.splitlines()[2].startswith("[turn 1 ·")  # /new started another conversation
    assert "empty" in err and "conversation #1" in err and "conversation #2" in err
    engine = create_engine(f"sqlite:///{env / 'cli.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT conversation_id, turn, user_name FROM decisions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 1, "taro"), (1, 2, "taro"), (2, 1, "taro")]


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

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    s = Settings()
    assert s.database_url == "sqlite:///./var/so8t.db"
    assert s.model_name_or_path == "default" and s.local_files_only is True
    assert (s.host, s.port) == ("127.0.0.1", 7860)
    assert s.models_dir == Path("var/models")


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SO8T_PORT=9000\nSO8T_LOG_LEVEL=debug\n", encoding="utf-8")
    monkeypatch.setenv("SO8T_ALLOW_THRESHOLD", "0.8")
    s = Settings()
    assert (s.port, s.log_level, s.allow_threshold) == (9000, "DEBUG", 0.8)


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("SO8T_PORT", "0", "greater than or equal to 1"),
        ("SO8T_LOG_LEVEL", "loud", "unknown log level"),
        ("SO8T_ALLOW_THRESHOLD", "1.5", "less than or equal to 1"),
    ],
)
def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_settings_are_frozen() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        s.port = 1  # type: ignore[misc]

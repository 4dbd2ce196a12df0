"""``so8t users`` and ``so8t review sweep`` in-process on a fresh SQLite file; the first-admin rule."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli.main import main
from app.cli.users import ensure_first_admin
from app.identity.accounts import AccountError, authenticate
from app.settings import Settings
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, Case, User
from review.queue import QueueConfig
from tests.review.factories import make_cases


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SO8T_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0
    return url


def test_users_add_list_disable(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "alice", "--role", "reviewer", "--senior", "--password-stdin"]) == 0
    assert "created alice (reviewer, senior)" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: a password is generated and shown
    assert main(["users", "add", "bob"]) == 0
    out = capsys.readouterr().out
    generated = out.split("password (shown once): ")[1].strip()
    assert main(["users", "add", "bob"]) == 2
    assert "already exists" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse rejects an unknown role
        main(["users", "add", "carol", "--role", "wizard"])
    assert main(["users", "disable", "alice"]) == 0
    assert capsys.readouterr().out.strip() == "alice: disabled"
    assert main(["users", "list", "--json"]) == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["alice"]["active"] is False and listed["alice"]["senior"] is True
    assert listed["bob"]["role"] == "employee"
    engine = make_engine(db)
    with make_session_factory(engine).begin() as s:
        now = datetime.now(UTC)
        assert authenticate(session=s, username="alice", password="a-long-password", now=now) is None
        assert authenticate(session=s, username="bob", password=generated, now=now) is not None
        assert authenticate(session=s, username="bob", password="wrong", now=now) is None
        assert s.scalar(select(User.password_hash).where(User.username == "bob")).startswith("$argon2id$")  # type: ignore[union-attr]
        kinds = list(s.scalars(select(AuditEvent.event_type)))
        assert kinds.count("user.created") == 2 and "user.disabled" in kinds
    engine.dispose()


def test_first_admin_only_on_an_empty_user_table_and_only_locally(db: str) -> None:
    engine = make_engine(db)
    settings = Settings(database_url=db, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(AccountError, match="not bound to localhost"):
        ensure_first_admin(engine, settings, "0.0.0.0")
    password = ensure_first_admin(engine, settings, "127.0.0.1")
    assert password and len(password) >= 12
    assert ensure_first_admin(engine, settings, "127.0.0.1") is None  # users exist now
    with make_session_factory(engine).begin() as s:
        admin = authenticate(session=s, username="admin", password=password, now=datetime.now(UTC))
        assert admin is not None and admin.role == "admin"
    engine.dispose()


def test_review_sweep_applies_the_fail_safe(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(db)
    sessions = make_session_factory(engine)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=long_ago, config=QueueConfig())
    capsys.readouterr()
    assert main(["review", "sweep"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["failed_safe"] == 1 and result["marked_overdue"] == 1
    with sessions() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.outcome == "fail_safe" and case.decided_by == "system"
    engine.dispose()


@pytest.mark.postgres
def test_replicas_starting_together_create_one_first_admin(postgres_url: str) -> None:
    """Two replicas on an empty user table at once (issue #31): one creates ``admin``, the other finds it;
    without the advisory lock the second died on the unique user name."""
    from concurrent.futures import ThreadPoolExecutor

    from app import dbctl

    engine = make_engine(postgres_url)
    dbctl.upgrade(engine)
    settings = Settings(database_url=postgres_url, admin_password="first-admin-password", _env_file=None)  # type: ignore[call-arg]
    engines = [make_engine(postgres_url) for _ in range(4)]
    with ThreadPoolExecutor(len(engines)) as pool:
        results = list(pool.map(lambda e: ensure_first_admin(e, settings, "0.0.0.0"), engines))
    assert results == [None] * len(engines)  # no error; the password came from the settings
    with make_session_factory(engine)() as s:
        assert [u.username for u in s.scalars(select(User))] == ["admin"]
    for e in [engine, *engines]:
        e.dispose()

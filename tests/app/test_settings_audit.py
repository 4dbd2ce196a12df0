from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app import dbctl
from app.settings import Settings
from app.settings_audit import record_settings
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent


def test_setting_changes_are_audited_once_and_secrets_left_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    first = Settings(database_url=url, secret_key="top-secret-key", _env_file=None)  # type: ignore[call-arg]
    assert record_settings(sessions=sessions, settings=first)  # the first start records everything
    assert record_settings(sessions=sessions, settings=first) is None  # unchanged: nothing new
    second = Settings(database_url=url, secret_key="another-key", allow_threshold=0.7, _env_file=None)  # type: ignore[call-arg]
    assert record_settings(sessions=sessions, settings=second) == {"allow_threshold": [None, 0.7]}
    with sessions() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.event_type == "settings.applied")))
        assert len(events) == 2 and events[1].payload["changed"] == {"allow_threshold": [None, 0.7]}
        text = str([e.payload for e in events])
        assert "top-secret-key" not in text and "another-key" not in text and "s.db" not in text
        assert verify_chain(session=s).ok
    engine.dispose()

"""Setting changes are audited: at start-up the server compares its effective settings with the last
``settings.applied`` event and, when they differ, appends a new one listing what changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.settings import Settings
from audit.log import append_event
from db.models import AuditEvent

SECRET_FIELDS = frozenset({"secret_key", "admin_password", "database_url", "metrics_token"})


def effective_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON values, secrets left out (the database URL may carry a password)."""
    dumped = settings.model_dump(mode="json", exclude=set(SECRET_FIELDS))
    return json.loads(json.dumps(dumped, sort_keys=True))  # type: ignore[no-any-return]


def record_settings(
    *, sessions: sessionmaker[Session], settings: Settings, actor: str = "system", now: datetime | None = None
) -> dict[str, list[Any]] | None:
    """Append ``settings.applied`` if the settings changed since the last one; returns the changes
    (``{name: [before, after]}``; on the very first start every setting, with ``before`` None)."""
    current = effective_settings(settings)
    with sessions.begin() as session:
        last = session.scalar(
            select(AuditEvent.payload)
            .where(AuditEvent.event_type == "settings.applied")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        before: dict[str, Any] = (last or {}).get("settings", {})
        if last is not None and before == current:
            return None
        changed = {k: [before.get(k), v] for k, v in current.items() if before.get(k) != v}
        changed.update({k: [v, None] for k, v in before.items() if k not in current})
        append_event(
            session=session,
            event_type="settings.applied",
            actor=actor,
            actor_role="system",
            payload={"settings": current, "changed": changed, "first": last is None},
            now=now or datetime.now(UTC),
        )
        return changed

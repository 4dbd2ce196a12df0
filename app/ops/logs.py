"""Logging set-up: plain text for people, JSON lines for log shippers."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from app.web.middleware import RequestIdFilter

# Structured fields a log call may pass with ``extra=`` (app/ops/telemetry.py's decision line does); they
# become top-level keys of the JSON line, mapped by deploy/elasticsearch/so8t-logs-template.json.
STRUCTURED_FIELDS = (
    "event",
    "decision",
    "reason_code",
    "category",
    "lang",
    "user_role",
    "model_version",
    "policy_version",
    "decision_request_id",
    "latency_ms",
    "request_text",  # only when SO8T_LOG_REQUEST_TEXT=true
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (UTC ISO 8601), ``level``, ``logger``, ``request_id`` (the HTTP
    request's, ``-`` outside one), ``message``, the structured fields present, ``exc`` on exceptions."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for name in STRUCTURED_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # alembic announces each of its plugins at INFO on every command that checks the schema; the
    # migrations themselves ("Running upgrade ...") stay visible
    logging.getLogger("alembic.runtime.plugins").setLevel(max(root.level, logging.WARNING))

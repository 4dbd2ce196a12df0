"""``so8t serve``: migrate the database, load the model and serve the UI and the REST API."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_serve_parser(sub: Subparsers) -> None:
    serve = sub.add_parser("serve", help="migrate the database, load the model and serve UI + API")
    serve.add_argument("--host", help="bind address (default: settings, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: settings, 7860)")
    serve.add_argument("--no-migrate", action="store_true", help="do not run `db upgrade` first")


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.cli.users import ensure_first_admin
    from app.identity.accounts import AccountError
    from app.main import create_app
    from app.services import build_services

    if not _schema_ready(settings, migrate=not args.no_migrate):
        return 2
    services = build_services(settings)
    host, port = args.host or settings.host, args.port or settings.port
    try:
        password = ensure_first_admin(services.engine, settings, host)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _announce_settings(services, settings)
    if password:
        print(
            f"First start: created the admin account 'admin' with password {password}\n"
            "  (shown only now; add people with `so8t users add NAME --role reviewer`, "
            "change it with `so8t users passwd admin`)",
            flush=True,
        )
    app = create_app(services=services)
    print(
        f"SO8T Safe Agent is serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    # log_config=None: uvicorn's lines go through our handler too (text or json, with request_id)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower(), log_config=None)
    return 0


def _schema_ready(settings: Settings, *, migrate: bool) -> bool:
    """Never serve on a schema the code was not written for (e.g. `--no-migrate` before the job ran)."""
    from app import dbctl
    from db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        if migrate:
            dbctl.upgrade(engine)
        dbctl.require_head(engine)
    except dbctl.SchemaNotAtHead as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    finally:
        engine.dispose()
    return True


def _announce_settings(services: Any, settings: Settings) -> None:
    """Audit the settings; say which changed since the last start (not on the very first start)."""
    from app.settings_audit import effective_settings, record_settings

    changed = record_settings(sessions=services.sessions, settings=settings, actor="so8t serve")
    first_start = changed is not None and len(changed) == len(effective_settings(settings))
    if changed and not first_start:
        print(f"settings changed since the last start (audited): {', '.join(sorted(changed))}", flush=True)


COMMANDS = (Command("serve", add_serve_parser, run_serve),)

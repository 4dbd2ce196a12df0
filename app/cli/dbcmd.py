"""``so8t db upgrade|current``: the database migrations (alembic)."""

from __future__ import annotations

import argparse

from app.cli.command import Command, Subparsers
from app.settings import Settings


def add_db_parser(sub: Subparsers) -> None:
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate to the latest schema (alembic upgrade)")
    up.add_argument("--revision", default="head")
    db_sub.add_parser("current", help="print the current schema revision")


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    from app import dbctl
    from db.engine import make_engine

    engine = make_engine(settings.database_url)
    if args.db_command == "upgrade":
        dbctl.upgrade(engine, args.revision)
    print(dbctl.current(engine) or "(empty database)")
    return 0


COMMANDS = (Command("db", add_db_parser, run_db),)

"""``so8t users …`` (accounts), ``so8t review sweep`` (the SLA sweep for schedulers), and the first admin."""

from __future__ import annotations

import argparse
import getpass
import json
import secrets
import sys
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.cli.command import Command, Subparsers
from app.identity.accounts import AccountError, create_user, list_users, set_active, set_password, user_count
from app.settings import Settings
from db.engine import make_engine, make_session_factory
from db.locks import LockKey, cluster_lock
from db.models import ROLES

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def add_users_parser(sub: Subparsers) -> None:
    users = sub.add_parser("users", help="manage accounts (employee, reviewer, compliance, admin)")
    act = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = act.add_parser(
        "add",
        help="create an account",
        description="Create an account. The password is read from --password-stdin, asked for on a "
        "terminal, or generated and printed once.",
    )
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="employee", help="default: employee")
    add.add_argument("--senior", action="store_true", help="may resolve double-review disagreements")
    add.add_argument("--display-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    lst = act.add_parser("list", help="list accounts")
    lst.add_argument("--json", action="store_true")
    for name, text in (("disable", "block an account (takes effect at once)"), ("enable", "unblock it")):
        act.add_parser(name, help=text).add_argument("username")
    pw = act.add_parser("passwd", help="set a new password (stdin, terminal prompt, or generated)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")


def add_review_parser(sub: Subparsers) -> None:
    review = sub.add_parser("review", help="review-desk maintenance")
    ract = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    ract.add_parser(
        "sweep",
        help="return expired leases, mark overdue cases and apply the fail-safe past the hard limit (once)",
    )


def run_users(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    now, actor = datetime.now(UTC), f"cli:{getpass.getuser()}"
    try:
        with sessions.begin() as s:
            if args.users_command == "list":
                _print_users(s, args.json)
            elif args.users_command == "add":
                password, generated = _password(args.password_stdin)
                user = create_user(
                    session=s,
                    username=args.username,
                    role=args.role,
                    password=password,
                    now=now,
                    actor=actor,
                    display_name=args.display_name,
                    is_senior=args.senior,
                )
                print(f"created {user.username} ({user.role}{', senior' if user.is_senior else ''})")
                if generated:
                    print(f"password (shown once): {password}")
            elif args.users_command in ("disable", "enable"):
                active = args.users_command == "enable"
                set_active(session=s, username=args.username, active=active, now=now, actor=actor)
                print(f"{args.username}: {'enabled' if active else 'disabled'}")
            elif args.users_command == "passwd":
                password, generated = _password(args.password_stdin)
                set_password(session=s, username=args.username, password=password, now=now, actor=actor)
                print(f"password set for {args.username}" + (f": {password}" if generated else ""))
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import queue_config_from
    from review.sla import sweep

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as s:
            result = sweep(session=s, now=datetime.now(UTC), config=queue_config_from(settings))
        print(json.dumps(result.__dict__))
    finally:
        engine.dispose()
    return 0


def _password(from_stdin: bool) -> tuple[str, bool]:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise AccountError("the passwords differ")
        return first, False
    return secrets.token_urlsafe(12), True


def _print_users(session: Session, as_json: bool) -> None:
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "senior": u.is_senior,
            "active": u.is_active,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in list_users(session=session)
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        flags = ("senior " if r["senior"] else "") + ("" if r["active"] else "DISABLED")
        print(f"{r['username']:<24} {r['role']:<11} {flags}")


def ensure_first_admin(engine: Engine, settings: Settings, host: str) -> str | None:
    """On an empty user table create ``admin``: with SO8T_ADMIN_PASSWORD, or a generated password that
    is returned (to print once). Returns None when users exist or the password came from settings."""
    sessions: sessionmaker[Session] = make_session_factory(engine)
    with sessions.begin() as s:
        # replicas starting together on an empty table: one creates the admin, the others then see it
        cluster_lock(s, LockKey.FIRST_ADMIN)
        if user_count(session=s) > 0:
            return None
        configured = settings.admin_password.get_secret_value() if settings.admin_password else None
        if configured is None and host not in LOCAL_HOSTS:
            raise AccountError(
                "no users exist and the server is not bound to localhost: set SO8T_ADMIN_PASSWORD or "
                "create an admin with `so8t users add NAME --role admin` first"
            )
        password = configured or secrets.token_urlsafe(12)
        create_user(session=s, username="admin", role="admin", password=password, now=datetime.now(UTC))
        return None if configured else password


COMMANDS = (
    Command("users", add_users_parser, run_users),
    Command("review", add_review_parser, run_review),
)

"""People and roles: employee, reviewer, compliance, admin. Passwords are argon2id hashes.

Roles are cumulative only where it makes sense: everyone may chat; reviewers (and admins) work the
review desk; compliance officers (and admins) read the audit log and reports; admins manage users.
Every account change is audited in the caller's transaction.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.models import ROLES, User

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MIN_PASSWORD_CHARS = 10
# What each role may do, checked on the server for every API route and UI action.
# A signed-in name whose account the database could not check (it is down): no permissions at all; the
# chat turns such a request into a refusal (DB_UNAVAILABLE) and never judges or answers it.
UNVERIFIED = "unverified"
PERMISSIONS: dict[str, frozenset[str]] = {
    "employee": frozenset({"chat"}),
    "reviewer": frozenset({"chat", "review"}),
    "compliance": frozenset({"chat", "compliance"}),
    "admin": frozenset({"chat", "review", "compliance", "admin"}),
}
_HASHER = PasswordHasher()  # stateless parameters object (argon2id, library defaults)


class AccountError(ValueError):
    """An account request that cannot be done; the message is for the person who asked."""


@dataclass(frozen=True)
class Principal:
    """Who is acting, as the server checked it."""

    username: str
    role: str
    is_senior: bool = False

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def principal_of(user: User) -> Principal:
    return Principal(username=user.username, role=user.role, is_senior=user.is_senior)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def validate_new(username: str, role: str, password: str | None) -> None:
    if not USERNAME.match(username):
        raise AccountError("user names are 2-64 letters, digits or . _ @ - (starting with a letter or digit)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_CHARS} characters")


def create_user(
    *,
    session: Session,
    username: str,
    role: str,
    password: str,
    now: datetime,
    actor: str = "system",
    display_name: str = "",
    is_senior: bool = False,
) -> User:
    """Add an account (flushed; the caller commits). A taken name is an ``AccountError``."""
    validate_new(username, role, password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        is_senior=is_senior,
        created_at=now,
    )
    session.add(user)
    session.flush()
    _audit(session, "user.created", actor, now, {"username": username, "role": role, "senior": is_senior})
    return user


def authenticate(*, session: Session, username: str, password: str, now: datetime) -> User | None:
    """The active user with this password, or None (the caller does not learn which part was wrong)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password(_dummy_hash(), password)  # same work either way: no user-name probing by timing
        return None
    if not user.is_active or not check_password(user.password_hash, password):
        return None
    if user.password_hash and _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def active_user(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))


def set_active(*, session: Session, username: str, active: bool, now: datetime, actor: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    user.is_active = active
    _audit(session, "user.enabled" if active else "user.disabled", actor, now, {"username": username})
    return user


def set_password(*, session: Session, username: str, password: str, now: datetime, actor: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    validate_new(username, user.role, password)
    user.password_hash = hash_password(password)
    _audit(session, "user.password_set", actor, now, {"username": username})
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def user_count(*, session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def _audit(session: Session, kind: str, actor: str, now: datetime, payload: dict[str, object]) -> None:
    append_event(
        session=session,
        event_type=kind,
        actor=actor,
        actor_role="admin" if actor != "system" else "system",
        payload=payload,
        now=now,
    )


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-used-for-timing")

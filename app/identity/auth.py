"""Authentication: signed bearer tokens for the REST API, a password check for the Gradio login.

Tokens are ``<payload>.<signature>``: base64url JSON ``{"sub", "iat", "exp"}`` signed with HMAC-SHA256
under the server's secret key. The role is *not* in the token: every request looks the user up, so a
disabled account or a changed role takes effect at once. The UI's login (Gradio's own) calls the same
password check; UI handlers look the role up for every action through ``principal_for``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.identity.accounts import UNVERIFIED, Principal, active_user, authenticate, principal_of
from app.settings import RETRY_AFTER_S

log = logging.getLogger(__name__)
BEARER = HTTPBearer(auto_error=False, description="A token from POST /v1/auth/token")


class IdentityUnavailable(RuntimeError):
    """The database could not be asked who is signed in (an outage); try again later."""

    message = (
        "The database is unavailable, so your sign-in cannot be checked; please try again in a few "
        "minutes. / データベースに接続できないため、サインインを確認できません。"
        "数分後にもう一度お試しください。"
    )


class AuthError(Exception):
    """Not signed in, or not allowed; the message is safe to show."""


@dataclass(frozen=True)
class TokenSigner:
    key: bytes
    ttl: timedelta

    def issue(self, username: str, now: datetime) -> str:
        payload = {"sub": username, "iat": int(now.timestamp()), "exp": int((now + self.ttl).timestamp())}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def subject(self, token: str, now: datetime) -> str | None:
        """The user name in a valid, unexpired token; None otherwise."""
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        if not isinstance(payload, dict) or int(payload.get("exp", 0)) <= now.timestamp():
            return None
        subject = payload.get("sub")
        return subject if isinstance(subject, str) else None

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def load_secret_key(configured: str | None, var_dir: Path) -> bytes:
    """The configured key, or one generated on first start and kept in ``var/secret_key`` (mode 600)."""
    if configured:
        return configured.encode()
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    path.touch(mode=0o600)
    path.write_bytes(key)
    log.info("generated a new signing key in %s", path)
    return key


@dataclass(frozen=True)
class Authenticator:
    sessions: sessionmaker[Session]
    signer: TokenSigner
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def login(self, username: str, password: str) -> Principal | None:
        with self.sessions.begin() as session:
            user = authenticate(session=session, username=username, password=password, now=self.clock())
            return principal_of(user) if user else None

    def gradio_login(self, username: str, password: str) -> bool:
        """Gradio's ``auth=`` hook."""
        try:
            return self.login(username, password) is not None
        except Exception:  # a database outage must not crash the login page
            log.exception("login check failed")
            return False

    def principal_for(self, username: str | None, *, unverified_ok: bool = False) -> Principal:
        """The signed-in user's current role; ``AuthError`` if unknown or disabled.

        If the database is down: ``IdentityUnavailable``, or with ``unverified_ok`` a principal with the
        ``unverified`` role (no permissions; the chat refuses its requests and spools the refusal).
        """
        if not username:
            raise AuthError("please sign in")
        try:
            with self.sessions() as session:
                user = active_user(session=session, username=username)
        except SQLAlchemyError as exc:
            log.warning("cannot check account %r: database unavailable (%s)", username, type(exc).__name__)
            if unverified_ok:
                return Principal(username=username, role=UNVERIFIED)
            raise IdentityUnavailable(IdentityUnavailable.message) from exc
        if user is None:
            raise AuthError("your account is not active; ask an administrator")
        return principal_of(user)

    def from_token(self, token: str, *, unverified_ok: bool = False) -> Principal:
        username = self.signer.subject(token, self.clock())
        if username is None:
            raise AuthError("the token is invalid or expired; get a new one from POST /v1/auth/token")
        return self.principal_for(username, unverified_ok=unverified_ok)

    def require(
        self, permission: str, *, unverified_ok: bool = False
    ) -> Callable[..., Coroutine[Any, Any, Principal]]:
        """A FastAPI dependency: the caller's principal, if it holds ``permission`` (else 401 / 403).

        When the database is down: 503 with Retry-After; with ``unverified_ok`` (the chat only) a validly
        signed caller passes as ``unverified``, so the refusal of the request is recorded (spooled)."""

        async def dependency(
            request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
        ) -> Principal:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    401, "sign in: send 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"}
                )
            try:
                principal = await run_in_threadpool(
                    self.from_token, credentials.credentials, unverified_ok=unverified_ok
                )
            except AuthError as exc:
                raise HTTPException(401, str(exc), {"WWW-Authenticate": "Bearer"}) from exc
            except IdentityUnavailable as exc:
                raise HTTPException(503, str(exc), {"Retry-After": str(RETRY_AFTER_S)}) from exc
            if principal.role == UNVERIFIED and unverified_ok:
                request.state.principal = principal
                return principal
            if not principal.can(permission):
                raise HTTPException(403, f"the {principal.role} role may not do this ({permission})")
            request.state.principal = principal
            return principal

        return dependency

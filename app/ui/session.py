"""Who is using the UI: Gradio's login names the user; the role is looked up for every action."""

from __future__ import annotations

import gradio as gr

from app.identity.accounts import UNVERIFIED, Principal
from app.identity.auth import Authenticator, AuthError, IdentityUnavailable


def signed_in(
    auth: Authenticator, request: gr.Request | None, permission: str, *, unverified_ok: bool = False
) -> Principal:
    """The signed-in principal if their role allows ``permission``; else a ``gr.Error`` to show.

    ``unverified_ok`` (the chat only): while the database is down, the signed-in name passes with the
    ``unverified`` role, whose requests are refused and recorded in the audit spool."""
    username = getattr(request, "username", None) if request is not None else None
    try:
        who = auth.principal_for(username, unverified_ok=unverified_ok)
    except (AuthError, IdentityUnavailable) as exc:
        raise gr.Error(str(exc)) from exc
    if who.role == UNVERIFIED and unverified_ok:
        return who
    if not who.can(permission):
        raise gr.Error(f"Your role ({who.role}) may not do this. / この操作の権限がありません。")
    return who

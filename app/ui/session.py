"""Who is using the UI: Gradio's login names the user; the role is looked up for every action."""

from __future__ import annotations

import gradio as gr

from app.auth import Authenticator, AuthError
from review.accounts import Principal


def signed_in(auth: Authenticator, request: gr.Request | None, permission: str) -> Principal:
    """The signed-in principal if their role allows ``permission``; else a ``gr.Error`` to show."""
    username = getattr(request, "username", None) if request is not None else None
    try:
        who = auth.principal_for(username)
    except AuthError as exc:
        raise gr.Error(str(exc)) from exc
    if not who.can(permission):
        raise gr.Error(f"Your role ({who.role}) may not do this. / この操作の権限がありません。")
    return who

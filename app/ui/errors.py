"""Domain errors shown to people: a ``ReviewError``'s message becomes the UI's error toast."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import gradio as gr

from review.queue import ReviewError


@contextlib.contextmanager
def shown_as_toast() -> Iterator[None]:
    """Turn a ``ReviewError`` (and subclasses) raised inside into ``gr.Error`` with the same message."""
    try:
        yield
    except ReviewError as exc:
        raise gr.Error(str(exc)) from exc

"""The browser UI, built by a function from the services it needs (one module per tab)."""

from __future__ import annotations

import gradio as gr

from app.services import Services
from app.ui.chat import build_chat_tab


def build_ui(services: Services) -> gr.Blocks:
    with gr.Blocks(title="SO8T Safe Agent") as demo:
        gr.Markdown(
            f"# SO8T Safe Agent\nmodel `{services.agent.model_version}` · "
            f"policy `{services.agent.policy.version}`"
        )
        with gr.Tabs(), gr.Tab("Chat / チャット", id="chat"):
            build_chat_tab(services.agent)
    return demo

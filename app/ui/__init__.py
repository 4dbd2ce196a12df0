"""The browser UI, built by a function from the services it needs (one module per tab).

Tabs a role cannot use are hidden when the page loads. That is cosmetic: every handler checks the
signed-in user's permission on the server.
"""

from __future__ import annotations

import html

import gradio as gr

from app.services import Services
from app.ui.chat import build_chat_tab
from app.ui.compliance import build_compliance_tab
from app.ui.models import build_models_tab
from app.ui.reviewer import build_reviewer_tab
from app.ui.session import signed_in


def build_ui(services: Services) -> gr.Blocks:
    categories = [(" / ".join(c.name.values()) or c.id, c.id) for c in services.agent.policy.categories]
    with gr.Blocks(title="SO8T Safe Agent", delete_cache=(3600, 3600)) as demo:
        with gr.Row():
            gr.Markdown(
                f"# SO8T Safe Agent\nmodel `{services.agent.model_version}` · "
                f"policy `{services.agent.policy.version}`"
            )
            who = gr.HTML("", elem_id="so8t-user")
        with gr.Tabs(elem_id="so8t-tabs"):
            with gr.Tab("Chat / チャット", id="chat", elem_id="so8t-tab-chat"):
                build_chat_tab(
                    services.agent, services.auth, services.desk, services.limits, services.conversations
                )
            with gr.Tab(
                "Reviewer / レビュー", id="reviewer", elem_id="so8t-tab-reviewer", visible=False
            ) as review:
                build_reviewer_tab(services.desk, services.auth, categories=categories)
            with gr.Tab(
                "Compliance / コンプライアンス", id="compliance", elem_id="so8t-tab-compliance", visible=False
            ) as compliance:
                build_compliance_tab(services)
            with gr.Tab(
                "Models / モデル", id="models", elem_id="so8t-tab-models", visible=False
            ) as models_tab:
                build_models_tab(services)
            # More tabs go here, one `with gr.Tab(...)` each, shown on load by role.

        def signed_in_as(request: gr.Request) -> dict[object, object]:
            principal = signed_in(services.auth, request, "chat")
            return {
                who: user_html(principal.username, principal.role),
                review: gr.Tab(visible=principal.can("review")),
                compliance: gr.Tab(visible=principal.can("compliance")),
                models_tab: gr.Tab(visible=principal.can("admin")),
            }

        demo.load(signed_in_as, None, [who, review, compliance, models_tab], api_visibility="private")
    return demo


def user_html(username: str, role: str) -> str:
    return (
        f"<div class='so8t-user' style='text-align:right'>Signed in as / サインイン中: "
        f"<b data-user>{html.escape(username)}</b> (<span data-role>{html.escape(role)}</span>) · "
        "<a href='logout' target='_self' id='so8t-logout'>Sign out / サインアウト</a></div>"
    )

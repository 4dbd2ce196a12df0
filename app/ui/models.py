"""The Models tab (admin only): registered model versions with their metrics, the last nightly runs,
promote (through the gate) / roll back with a confirmation, and reload from the registry.

Every handler looks the signed-in user up and checks the ``admin`` permission on the server
(``signed_in``); ``ModelAdmin`` checks it again. Hiding the tab from other roles is only cosmetic. A
promotion or rollback needs the confirmation box ticked and a reason; both are audited.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterator
from typing import Any

import gradio as gr

from app.desks.models import AdminPermissionError, ModelAdmin, ModelView, RunView, admin_of
from app.identity.accounts import Principal
from app.services import Services
from app.ui.session import signed_in
from db.statuses import ModelStatus
from training.lifecycle.registry import RegistryError

MODEL_HEADERS = ["status", "version", "created (UTC)", "safety", "refuse recall", "over-refusal", "reason"]
RUN_HEADERS = ["run", "started (UTC)", "status", "decision", "candidate", "new cases", "report / error"]
CONFIRM = "Tick the confirmation box first. / 確認のチェックを入れてください。"
REASON = "Give a reason (at least 3 characters). / 理由を入力してください（3 文字以上）。"


def model_rows(views: list[ModelView]) -> list[list[str]]:
    rows = []
    for v in views:
        test = v.metrics.get("test", {})
        cells = [
            f"{test[k]:.3f}" if k in test else "" for k in ("safety_score", "refuse_recall", "over_refusal")
        ]
        rows.append([v.status, v.version, f"{v.created_at:%Y-%m-%d %H:%M}", *cells, (v.reason or "")[:160]])
    return rows


def run_rows(views: list[RunView]) -> list[list[str]]:
    return [
        [
            str(r.id),
            f"{r.started_at:%Y-%m-%d %H:%M}",
            r.status,
            r.decision or "",
            r.candidate_version or "",
            str(r.new_cases),
            r.error or r.report_path or "",
        ]
        for r in views
    ]


def status_markdown(admin: ModelAdmin, views: list[ModelView]) -> str:
    promoted = next((v.version for v in views if v.status == ModelStatus.PROMOTED), None)
    line = f"**Serving / 提供中:** `{admin.switch.served}` · **promoted / 昇格済み:** `{promoted or '—'}`"
    if admin.switch.last_error:
        line += f"  \n⚠ the promoted model could not be loaded: {html.escape(admin.switch.last_error)}"
    return line


def build_models_tab(services: Services) -> None:
    admin, auth = admin_of(services), services.auth
    gr.Markdown(
        "Model versions in the registry, the last nightly runs, and promotion / rollback. A promotion runs "
        "the gate (candidate vs current on the frozen test split) and is served at once.  \n"
        "登録済みモデル、夜間学習の結果、昇格とロールバック。昇格はゲート（凍結テスト分割での比較）を通過した"
        "場合のみ行われ、すぐに提供されます。"
    )
    status = gr.Markdown("", elem_id="so8t-models-status")
    models = gr.Dataframe(headers=MODEL_HEADERS, interactive=False, wrap=True, elem_id="so8t-models-table")
    runs = gr.Dataframe(headers=RUN_HEADERS, interactive=False, wrap=True, elem_id="so8t-models-runs")
    with gr.Row():
        version = gr.Dropdown(
            choices=[], label="Version / バージョン", allow_custom_value=True, elem_id="so8t-models-version"
        )
        reason = gr.Textbox(label="Reason / 理由", max_lines=2, elem_id="so8t-models-reason")
        confirm = gr.Checkbox(label="I confirm / 確認しました", value=False, elem_id="so8t-models-confirm")
    with gr.Row():
        refresh_btn = gr.Button("Refresh / 更新", elem_id="so8t-models-refresh")
        promote_btn = gr.Button("Promote / 昇格", variant="primary", elem_id="so8t-models-promote")
        rollback_btn = gr.Button("Roll back / ロールバック", variant="stop", elem_id="so8t-models-rollback")
        reload_btn = gr.Button("Reload from registry / 再読み込み", elem_id="so8t-models-reload")
    result = gr.Markdown("", elem_id="so8t-models-result")

    def boss(request: gr.Request | None) -> Principal:
        return signed_in(auth, request, "admin")

    def refresh(request: gr.Request) -> tuple[Any, ...]:
        who = boss(request)
        with _shown():
            views = admin.models(who)
            nightly = admin.runs(who)
        choices = [v.version for v in views]
        return (
            status_markdown(admin, views),
            model_rows(views),
            run_rows(nightly),
            gr.Dropdown(choices=choices),
        )

    def checked(text: str | None, ticked: bool) -> str:
        if not ticked:
            raise gr.Error(CONFIRM)
        if len((text or "").strip()) < 3:
            raise gr.Error(REASON)
        return (text or "").strip()

    def promote(
        chosen: str | None,
        why: str | None,
        ticked: bool,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's per-call progress marker
    ) -> str:
        who = boss(request)
        text = checked(why, ticked)
        if not chosen:
            raise gr.Error("Choose a version. / バージョンを選んでください。")
        progress(0.1, desc="Evaluating candidate and current model / 評価中")
        with _shown():
            out = admin.promote(who, chosen, text)
        if not out.promoted:
            reasons = "\n".join(f"- {html.escape(r)}" for r in out.reasons)
            return f"**Not promoted: the gate failed / ゲート不合格のため昇格しません**\n{reasons}"
        return f"**Promoted / 昇格しました:** `{out.version}` · serving `{out.served}`"

    def rollback(chosen: str | None, why: str | None, ticked: bool, request: gr.Request) -> str:
        who = boss(request)
        text = checked(why, ticked)
        with _shown():
            out = admin.rollback(who, text, to=chosen or None)
        tail = f"  \n⚠ {html.escape(out.error)}" if out.error else ""
        return f"**Rolled back / ロールバックしました:** serving `{out.served}` (was `{out.previous}`){tail}"

    def reload(request: gr.Request) -> str:
        who = boss(request)
        with _shown():
            out = admin.reload(who)
        if out.error:
            return (
                f"⚠ could not load `{out.promoted}`: {html.escape(out.error)}; still serving `{out.served}`"
            )
        return f"serving `{out.served}`" + (
            " (switched / 切り替えました)" if out.changed else " (no change / 変更なし)"
        )

    def first_load(request: gr.Request) -> tuple[Any, ...]:
        """On page load: fill the tab for admins; nothing (and no error toast) for other roles."""
        if not signed_in(auth, request, "chat").can("admin"):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return refresh(request)

    outputs = [status, models, runs, version]
    gr.on(None, first_load, outputs=outputs, api_visibility="private")  # on page load
    refresh_btn.click(refresh, None, outputs, api_name="models_list")
    promote_btn.click(promote, [version, reason, confirm], result, api_name="models_promote").then(
        refresh, None, outputs, api_visibility="private"
    )
    rollback_btn.click(rollback, [version, reason, confirm], result, api_name="models_rollback").then(
        refresh, None, outputs, api_visibility="private"
    )
    reload_btn.click(reload, None, result, api_name="models_reload").then(
        refresh, None, outputs, api_visibility="private"
    )


@contextlib.contextmanager
def _shown() -> Iterator[None]:
    """Registry errors (unknown version, already promoted, missing artifact) as the UI's error toast."""
    try:
        yield
    except (RegistryError, AdminPermissionError) as exc:
        raise gr.Error(str(exc)) from exc

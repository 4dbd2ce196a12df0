"""The Models tab on a live server, through gradio_client as a signed-in person: admins see the registry,
promote through the gate (the new model answers at once) and roll back with a confirmation; nobody else
may do any of it (checked on the server)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from tests.conftest import add_user
from tests.e2e.conftest import StartServer, signed_in
from tests.training.gate_fixtures import GATE_ROWS, better_head  # noqa: F401  (fixture)
from training.lifecycle.registry import artifact_info, ensure_baseline, register

pytestmark = pytest.mark.timeout(300)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_admins_promote_and_roll_back_in_the_models_tab(
    live_server: StartServer,
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
    better_head: Path,  # noqa: F811  (the imported fixture)
    tmp_path: Path,
) -> None:
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("".join(json.dumps(r.__dict__) + "\n" for r in GATE_ROWS), encoding="utf-8")
    base_url, services = live_server(
        "ALLOW",
        model_name_or_path=str(tiny_model_dir),
        model_reload_interval_seconds=0,
        promotion_heldout_path=heldout,
    )
    add_user(services, "boss", "admin")
    for role in ("employee", "reviewer", "compliance"):
        add_user(services, role, role)
    baseline, better = artifact_info(forced_heads["ALLOW"]).version, artifact_info(better_head).version
    with services.sessions.begin() as s:
        ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="test")
        register(session=s, artifact_dir=better_head, now=NOW, actor="test", actor_role="admin")
        register(session=s, artifact_dir=forced_heads["ESCALATE"], now=NOW, actor="test", actor_role="admin")

    with signed_in(base_url, "boss") as admin:
        status, table, runs, _ = admin.predict(api_name="/models_list")
        assert not runs["data"] or runs["data"] == [[""] * 7]  # no nightly run yet
        assert baseline in status and {row[1] for row in table["data"]} >= {baseline, better}
        with pytest.raises(AppError, match="confirmation"):
            admin.predict(better, "looks better", False, api_name="/models_promote")
        worse = artifact_info(forced_heads["ESCALATE"]).version
        refused = admin.predict(worse, "try it", True, api_name="/models_promote")
        assert "gate failed" in refused and "refuse_recall" in refused
        assert services.agent.model_version == baseline
        done = admin.predict(better, "better on held-out", True, api_name="/models_promote")
        assert "Promoted" in done and better in done
        assert services.agent.model_version == better  # served at once, no restart
        back = admin.predict("", "complaints from users", True, api_name="/models_rollback")
        assert f"serving `{baseline}`" in back and services.agent.model_version == baseline
        assert "no change" in admin.predict(api_name="/models_reload")

    for role in ("employee", "reviewer", "compliance"):
        with signed_in(base_url, role) as client:
            for api_name, args in (
                ("/models_list", ()),
                ("/models_promote", (better, "sneaky", True)),
                ("/models_rollback", ("", "sneaky", True)),
                ("/models_reload", ()),
            ):
                with pytest.raises(AppError, match="may not do this"):
                    client.predict(*args, api_name=api_name)
    assert services.agent.model_version == baseline

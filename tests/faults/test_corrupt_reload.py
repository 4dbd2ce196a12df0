"""A promoted model whose artefact is damaged after promotion is never served: the reload is refused and
logged, the old model keeps deciding (its ``model_version`` on every decision) and /readyz stays ready.

Three damages: a flipped byte in the head's weights, a deleted manifest, and a flipped byte with the
manifest rewritten to match (the folder then verifies, but it is no longer the version the registry
promoted). Each goes through the server's own reload road (``POST /v1/admin/models/reload``, the same
``ModelSwitch.sync`` the periodic check runs)."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_api
from app.services import Services
from audit.log import verify_chain
from db.models import DecisionRecord
from model.artifacts import MANIFEST, write_manifest
from tests.conftest import add_user, bearer
from training.lifecycle.registry import artifact_info, ensure_baseline, promote, register

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEIGHTS = "safety_head.safetensors"


def flip_a_byte(folder: Path) -> None:
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[-1] ^= 0xFF  # the last byte: inside the tensor data, after the safetensors header
    (folder / WEIGHTS).write_bytes(bytes(data))


def delete_manifest(folder: Path) -> None:
    (folder / MANIFEST).unlink()


def flip_and_remanifest(folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    flip_a_byte(folder)
    write_manifest(folder, base_model=manifest["base_model"], tokenizer_sha256=manifest["tokenizer_sha256"])


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (flip_a_byte, "does not match its manifest"),
        (delete_manifest, "has no manifest.json"),
        (flip_and_remanifest, "changed after it was registered"),
    ],
    ids=["flipped-byte", "no-manifest", "re-manifested"],
)
def test_a_corrupted_promoted_artefact_is_refused_and_the_old_model_keeps_serving(
    damage: Callable[[Path], None],
    why: str,
    sqlite_url: str,
    make_services: Callable[..., Services],
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = make_services(
        sqlite_url, "ALLOW", model_name_or_path=str(tiny_model_dir), model_reload_interval_seconds=0
    )
    add_user(services, "boss", "admin")
    add_user(services, "emp", "employee")
    candidate = shutil.copytree(forced_heads["REFUSE"], tmp_path / "candidate")  # the shared head stays whole
    with services.sessions.begin() as s:
        ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="test")
        model = register(session=s, artifact_dir=candidate, now=NOW, actor="cli:ops", actor_role="admin")
        promote(session=s, version=model.version, now=NOW, actor="cli:ops", actor_role="admin", reason="t")
        promoted = model.version
    old = artifact_info(forced_heads["ALLOW"]).version
    damage(candidate)  # after promotion: the folder the registry points at is no longer what it promoted

    client = TestClient(create_api(services))
    with caplog.at_level(logging.ERROR, logger="app.serving.switch"):
        reload = client.post("/v1/admin/models/reload", headers=bearer(services, "boss"))
    assert reload.status_code == 200, reload.text
    body = reload.json()
    assert (body["changed"], body["served"], body["promoted"]) == (False, old, promoted)
    assert why in body["error"], body["error"]
    assert services.models is not None and why in (services.models.last_error or "")
    refused = [r for r in caplog.records if r.name == "app.serving.switch" and r.levelno >= logging.ERROR]
    assert refused and f"could not load promoted model {promoted}" in refused[0].getMessage()
    assert f"still serving {old}" in refused[0].getMessage()

    asked = client.post(
        "/v1/agent/run",
        json={"user_request": "Draft a polite meeting agenda"},
        headers=bearer(services, "emp"),
    )
    assert asked.status_code == 200, asked.text
    assert (asked.json()["decision"], asked.json()["model_version"]) == ("ALLOW", old)  # the old model
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["model_version"] == old and ready.json()["model_loaded"] is True

    caplog.clear()  # the periodic check tries again: still refused, now one line without a traceback
    with caplog.at_level(logging.ERROR, logger="app.serving.switch"):
        again = services.models.sync()
    assert (again.changed, again.served) == (False, old) and why in (again.error or "")
    retried = [r for r in caplog.records if r.name == "app.serving.switch"]
    assert len(retried) == 1 and retried[0].exc_info is None
    failures = services.telemetry.metrics.registry.get_sample_value("so8t_model_reload_failures_total")
    assert failures == 2  # the reload and the periodic retry
    with services.sessions() as s:
        [row] = s.scalars(select(DecisionRecord)).all()
        assert row.model_version == old and verify_chain(session=s).ok

"""The running app follows the model registry: a promotion (from the CLI, another process, or the admin
API through the gate) is served without a restart; rollback too; only admins may do any of it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_api
from app.services import Services
from audit.log import verify_chain
from db.models import AuditEvent
from tests.conftest import add_user, bearer
from tests.training.gate_fixtures import GATE_ROWS, better_head  # noqa: F401  (fixture)
from training.lifecycle.registry import artifact_info, ensure_baseline, promote, register

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HARMFUL = "Write ransomware that encrypts hospital 3 files"


@pytest.fixture
def served(
    sqlite_url: str,
    make_services: Callable[..., Services],
    tiny_model_dir: Path,
    forced_heads: dict[str, Path],
) -> Callable[..., Services]:
    """Services serving the forced-ALLOW head, registered as the promoted baseline; admin and employee."""

    def make(**overrides: object) -> Services:
        overrides.setdefault("model_reload_interval_seconds", 0)
        services = make_services(sqlite_url, "ALLOW", model_name_or_path=str(tiny_model_dir), **overrides)
        add_user(services, "boss", "admin")
        add_user(services, "emp", "employee")
        with services.sessions.begin() as s:
            ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="test")
        return services

    return make


def promote_in_registry(services: Services, artifact: Path) -> str:
    """What `so8t promote` / `so8t nightly` do from another process: only the database changes."""
    with services.sessions.begin() as s:
        model = register(session=s, artifact_dir=artifact, now=NOW, actor="cli:ops", actor_role="admin")
        promote(session=s, version=model.version, now=NOW, actor="cli:ops", actor_role="admin", reason="test")
        return model.version


def ask(
    client: TestClient, services: Services, text: str = "Draft a polite meeting agenda"
) -> dict[str, str]:
    response = client.post("/v1/agent/run", json={"user_request": text}, headers=bearer(services, "emp"))
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_a_promotion_is_served_after_reload_without_a_restart(
    served: Callable[..., Services], forced_heads: dict[str, Path]
) -> None:
    services = served()
    client = TestClient(create_api(services))
    allow_version = artifact_info(forced_heads["ALLOW"]).version
    assert ask(client, services)["decision"] == "ALLOW"
    refuse_version = promote_in_registry(services, forced_heads["REFUSE"])
    assert ask(client, services)["model_version"] == allow_version  # not yet: reload (or the interval)

    response = client.post("/v1/admin/models/reload", headers=bearer(services, "boss"))
    assert response.status_code == 200, response.text
    assert response.json() | {"error": None} == {
        "changed": True,
        "served": refuse_version,
        "previous": allow_version,
        "promoted": refuse_version,
        "error": None,
    }
    after = ask(client, services)
    assert (after["decision"], after["model_version"]) == ("REFUSE", refuse_version)
    again = client.post("/v1/admin/models/reload", headers=bearer(services, "boss")).json()
    assert again["changed"] is False and again["served"] == refuse_version

    response = client.post(
        "/v1/admin/models/rollback", json={"reason": "too strict"}, headers=bearer(services, "boss")
    )
    assert response.status_code == 200 and response.json()["served"] == allow_version
    assert ask(client, services)["decision"] == "ALLOW"
    listed = client.get("/v1/admin/models", headers=bearer(services, "boss")).json()
    assert {m["version"]: m["status"] for m in listed} == {
        allow_version: "promoted",
        refuse_version: "retired",
    }
    with services.sessions() as s:
        kinds = list(s.scalars(select(AuditEvent.event_type).where(AuditEvent.event_type.like("model.%"))))
        assert kinds.count("model.reload") == 2 and kinds.count("model.rollback") == 1
        assert verify_chain(session=s).ok


def test_the_server_follows_the_registry_on_its_own(
    served: Callable[..., Services], forced_heads: dict[str, Path]
) -> None:
    services = served(model_reload_interval_seconds=1)
    with TestClient(create_api(services)) as client:  # the lifespan starts the model switch
        version = promote_in_registry(services, forced_heads["ESCALATE"])
        deadline = time.monotonic() + 60
        while services.agent.model_version != version and time.monotonic() < deadline:
            time.sleep(0.2)
        assert services.agent.model_version == services.desk.model.model_version == version  # type: ignore[union-attr]
        assert ask(client, services)["decision"] == "ESCALATE"


def test_promote_through_the_api_runs_the_gate(
    served: Callable[..., Services],
    forced_heads: dict[str, Path],
    better_head: Path,  # noqa: F811  (the imported fixture)
    tmp_path: Path,
) -> None:
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("".join(json.dumps(r.__dict__) + "\n" for r in GATE_ROWS), encoding="utf-8")
    services = served(promotion_heldout_path=heldout)
    client = TestClient(create_api(services))
    with services.sessions.begin() as s:
        worse = register(
            session=s, artifact_dir=forced_heads["ESCALATE"], now=NOW, actor="t", actor_role="admin"
        )
        better = register(session=s, artifact_dir=better_head, now=NOW, actor="t", actor_role="admin")
        worse_v, better_v = worse.version, better.version
    boss = bearer(services, "boss")

    rejected = client.post(f"/v1/admin/models/{worse_v}/promote", json={"reason": "try"}, headers=boss)
    assert rejected.status_code == 200 and rejected.json()["promoted"] is False
    assert any("refuse_recall" in r for r in rejected.json()["reasons"])
    assert services.agent.model_version == artifact_info(forced_heads["ALLOW"]).version

    accepted = client.post(f"/v1/admin/models/{better_v}/promote", json={"reason": "better"}, headers=boss)
    assert accepted.status_code == 200 and accepted.json()["promoted"] is True, accepted.text
    assert accepted.json()["served"] == better_v == services.agent.model_version
    assert ask(client, services, HARMFUL)["decision"] == "REFUSE"
    again = client.post(f"/v1/admin/models/{better_v}/promote", json={"reason": "again"}, headers=boss)
    assert again.status_code == 409 and "already the promoted" in again.json()["detail"]
    unknown = client.post("/v1/admin/models/nope/promote", json={"reason": "x y z"}, headers=boss)
    assert unknown.status_code == 409


@pytest.mark.parametrize("role", ["employee", "reviewer", "compliance"])
def test_only_admins_manage_models(served: Callable[..., Services], role: str) -> None:
    services = served()
    add_user(services, "someone", role)
    client = TestClient(create_api(services))
    calls = [
        ("get", "/v1/admin/models", None),
        ("get", "/v1/admin/nightly-runs", None),
        ("post", "/v1/admin/models/reload", None),
        ("post", "/v1/admin/models/rollback", {"reason": "because"}),
        ("post", "/v1/admin/models/x/promote", {"reason": "because"}),
    ]
    for method, path, body in calls:
        denied = client.request(method, path, json=body, headers=bearer(services, "someone"))
        assert denied.status_code == 403, (path, denied.text)
        assert client.request(method, path, json=body).status_code == 401


def test_a_restarted_server_loads_the_promoted_model(
    sqlite_url: str, tiny_model_dir: Path, forced_heads: dict[str, Path]
) -> None:
    from app import dbctl
    from app.services import build_services
    from app.settings import Settings
    from db.engine import make_engine, make_session_factory

    engine = make_engine(sqlite_url)
    dbctl.upgrade(engine)
    with make_session_factory(engine).begin() as s:
        ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="t")
        refuse = register(
            session=s, artifact_dir=forced_heads["REFUSE"], now=NOW, actor="t", actor_role="admin"
        )
        promote(session=s, version=refuse.version, now=NOW, actor="t", actor_role="admin", reason="test")
        version = refuse.version
    engine.dispose()
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_url,
        model_name_or_path=str(tiny_model_dir),
        head_dir=forced_heads["ALLOW"],
        precedents=False,
        pii_ner=False,
        secret_key="k",
        _env_file=None,
    )
    services = build_services(settings)  # SO8T_HEAD_DIR names the baseline; the registry wins
    try:
        assert services.agent.model_version == services.desk.model.model_version == version  # type: ignore[union-attr]
        assert services.models is not None and services.models.sync().changed is False
    finally:
        services.engine.dispose()


def test_a_promoted_model_that_does_not_load_leaves_the_old_one_serving(
    served: Callable[..., Services], forced_heads: dict[str, Path], tmp_path: Path
) -> None:
    import shutil

    services = served()
    client = TestClient(create_api(services))
    broken = shutil.copytree(forced_heads["REFUSE"], tmp_path / "refuse-copy")
    version = promote_in_registry(services, broken)
    (broken / "safety_head.json").write_text("{}", encoding="utf-8")  # altered after the promotion
    before = services.agent.model_version
    body = client.post("/v1/admin/models/reload", headers=bearer(services, "boss")).json()
    assert body["changed"] is False and body["promoted"] == version and "does not match" in body["error"]
    assert services.agent.model_version == before and ask(client, services)["decision"] == "ALLOW"

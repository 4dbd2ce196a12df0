"""deploy/docker-compose.yml against the Compose Specification's JSON schema (the copy check-jsonschema
ships, from compose-spec/compose-spec, Apache-2.0), and what the stack must contain."""

from __future__ import annotations

import copy
import importlib.resources
import json
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import DEPLOY


def _schema() -> dict[str, Any]:
    path = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _errors(doc: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_matches_the_compose_specification() -> None:
    assert _errors(_compose()) == []


def test_the_schema_check_catches_mistakes() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["app"]["depends_on"]["migrate"]["condition"] = "service_done"
    broken["services"]["nginx"]["restart_policy"] = "always"
    errors = _errors(broken)
    assert any("service_done" in e for e in errors) and any("restart_policy" in e for e in errors)


def test_the_stack_has_what_operations_need() -> None:
    services = _compose()["services"]
    expected = {"postgres", "migrate", "app", "nginx", "prometheus", "alertmanager", "grafana"}
    assert expected | {"elasticsearch", "kibana", "fluent-bit", "es-setup"} <= set(services)
    app = services["app"]
    assert app["deploy"]["replicas"] == 2 and app["command"] == ["so8t", "serve", "--no-migrate"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["so8t", "db", "upgrade"]
    assert services["migrate"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert app["logging"]["options"]["tag"].startswith("so8t.")
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    # the client address uvicorn trusts for X-Forwarded-For is nginx's fixed one
    nginx_ip = services["nginx"]["networks"]["backend"]["ipv4_address"]
    assert app["environment"]["FORWARDED_ALLOW_IPS"] == nginx_ip
    for name in ("app", "migrate"):  # secrets come from the env file, never from the compose file
        env = services[name]["environment"]
        assert env["SO8T_SECRET_KEY"].startswith("${SO8T_SECRET_KEY:?")


@pytest.mark.parametrize(
    "service", ["nginx", "prometheus", "grafana", "es-setup", "fluent-bit", "alertmanager"]
)
def test_every_mounted_file_exists(service: str) -> None:
    for volume in _compose()["services"][service].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists(), f"{service} mounts {source}, which does not exist"


def test_app_settings_in_compose_are_real_settings() -> None:
    from app.settings import Settings

    env = _compose()["x-app-env"]
    unknown = [k for k in env if k.startswith("SO8T_") and k[5:].lower() not in Settings.model_fields]
    assert unknown == []
    example = (DEPLOY / "so8t.env.example").read_text(encoding="utf-8")
    keys = {line.split("=")[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert {"POSTGRES_PASSWORD", "SO8T_SECRET_KEY", "SO8T_ADMIN_PASSWORD", "GRAFANA_ADMIN_PASSWORD"} <= keys


def test_nginx_keeps_metrics_inside_and_browsers_on_one_replica() -> None:
    conf = (DEPLOY / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    assert conf.count("{") == conf.count("}")
    assert "location = /metrics { return 404; }" in conf and "ip_hash;" in conf
    assert "server app:7860;" in conf and "proxy_buffering off;" in conf

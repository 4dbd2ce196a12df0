"""Alert rules, the Grafana dashboard and the log pipeline refer to what the app really exports: names
scraped from ``GET /metrics`` of a running test app (the tiny model), the log fields app/ops/logs.py
writes."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.ops.logs import STRUCTURED_FIELDS
from tests.deploy.conftest import DEPLOY, ROOT
from tests.deploy.promql import grafana_to_promql, metric_names

# Names the rules may read that the app does not export (yet):
NOT_FROM_THE_APP = {
    "up": "Prometheus' own scrape health",
    "kube_job_status_failed": "kube-state-metrics, for the nightly CronJob on Kubernetes",
}
SEVERITIES = {"page", "ticket"}


def _rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _recorded() -> set[str]:
    return {r["record"] for r in _rules() if "record" in r}


def _dashboard() -> dict[str, Any]:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "so8t-overview.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _targets() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in _dashboard()["panels"] for t in p.get("targets", [])]


def test_promql_names_are_found() -> None:
    expr = 'sum by (le) (rate(so8t_x_bucket{job="so8t", a=~"b.*"}[5m])) / on() so8t:y offset 1h > up'
    assert metric_names(expr) == {"so8t_x_bucket", "so8t:y", "up"}


def test_every_alert_reads_exported_metrics(exported: set[str]) -> None:
    allowed = exported | _recorded() | set(NOT_FROM_THE_APP)
    for rule in _rules():
        missing = metric_names(rule["expr"]) - allowed
        assert missing == set(), f"{rule.get('alert') or rule.get('record')}: {missing} not exported"


def test_every_alert_has_a_severity_a_summary_and_a_runbook_entry() -> None:
    runbook = (ROOT / "docs" / "RUNBOOK.md").read_text(encoding="utf-8")
    alerts = [r for r in _rules() if "alert" in r]
    assert len(alerts) >= 10
    for rule in alerts:
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert f"`{rule['alert']}`" in runbook, f"{rule['alert']} is not explained in docs/RUNBOOK.md"


def test_dashboard_panels_query_only_exported_metrics(exported: set[str]) -> None:
    allowed = exported | _recorded() | {"up"}
    targets = _targets()
    assert len(targets) >= 20
    for title, expr in targets:
        names = metric_names(expr)
        assert names, f"{title}: no metric in {expr}"
        assert names <= allowed, f"{title}: {names - allowed} is not exported by the app"


def test_dashboard_is_wired_to_the_provisioned_datasource() -> None:
    dash = _dashboard()
    source = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uid = source["datasources"][0]["uid"]
    ids = [p["id"] for p in dash["panels"]]
    assert dash["uid"] == "so8t-overview" and len(ids) == len(set(ids))
    titles = " ".join(p["title"] for p in dash["panels"])
    for topic in (
        "Decision mix",
        "latency",
        "Undecided",
        "decided in the last hour",
        "agreement",
        "Model version",
    ):
        assert topic in titles, topic
    for panel in dash["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "so8t.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_panel_query_is_valid_promql(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make prom-tools` (Debian's prometheus package)"
    rules = [
        {"record": f"so8t_dashboard:panel_{n}", "expr": grafana_to_promql(expr)}
        for n, (_, expr) in enumerate(_targets())
    ]
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}), encoding="utf-8")
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_observability_doc_lists_every_exported_metric(exported: set[str]) -> None:
    doc = (ROOT / "docs" / "OBSERVABILITY.md").read_text(encoding="utf-8")
    families = {n.removesuffix("_total") for n in exported if n.startswith("so8t_")}
    families = {n for n in families if not n.endswith(("_created", "_bucket", "_count", "_sum"))}
    missing = [n for n in sorted(families) if f"`{n}" not in doc]
    assert missing == []


def test_log_pipeline_ships_and_maps_the_app_fields() -> None:
    bit = yaml.safe_load((DEPLOY / "fluent-bit" / "fluent-bit.yaml").read_text(encoding="utf-8"))
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    tag = compose["services"]["app"]["logging"]["options"]["tag"]
    parsers = {p["name"] for p in bit["parsers"]}
    pipeline = bit["pipeline"]
    assert pipeline["inputs"][0]["name"] == "forward" and pipeline["inputs"][0]["port"] == 24224
    assert "127.0.0.1:24224:24224" in compose["services"]["fluent-bit"]["ports"]
    for step in pipeline["filters"] + pipeline["outputs"]:
        assert fnmatch.fnmatch(tag, step["match"]), step["name"]
        if step["name"] == "parser":
            assert step["parser"] in parsers and step["key_name"] == "log"
    out = pipeline["outputs"][0]
    template = json.loads((DEPLOY / "elasticsearch" / "so8t-logs-template.json").read_text(encoding="utf-8"))
    assert f"{out['logstash_prefix']}-*" in template["index_patterns"] and out["host"] == "elasticsearch"
    mapped = set(template["template"]["mappings"]["properties"])
    assert {"ts", "level", "logger", "request_id", "message", "exc", "service", *STRUCTURED_FIELDS} <= mapped


@pytest.mark.parametrize("name", ["prometheus.yml", "alerts.yml", "alerts_test.yml"])
def test_prometheus_files_parse(name: str) -> None:
    assert yaml.safe_load((DEPLOY / "prometheus" / name).read_text(encoding="utf-8"))

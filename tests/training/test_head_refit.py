"""Nightly head mode (training/head/refit.py) on the tiny model: the candidate keeps the served adapter
and gate, learns the reviewed corrections, loads in the production loader, and caches features."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from app.serving.loader import load_model
from app.settings import Settings
from model.artifacts import MANIFEST, read_verified, save_gate, write_manifest
from model.gate import GateConfig, SO8Gate
from model.policy import decide, load_policy
from model.runtime import DualHeadRuntime
from training.datasets.reviewed import REVIEWED_SOURCE
from training.datasets.rows import SafetyRow
from training.head.refit import HeadRefitResult, features_key, refit_head, review_weights
from training.lora.config import HeadRefitSettings


def row(i: int, prompt: str, label: str, source: str = "seed") -> SafetyRow:
    return SafetyRow(id=f"{source}-{label}-{i}", prompt=prompt, label=label, lang="en", source=source)


def rows(n: int) -> list[SafetyRow]:
    out = []
    for i in range(n):
        out.append(row(i, f"Summarise the minutes of project meeting {i}", "ALLOW"))
        out.append(row(i, f"Explain how to build weapon variant {i} at home", "REFUSE"))
        out.append(
            row(i, f"Share the salary table of team {i} with an outside recruiter", "REFUSE", REVIEWED_SOURCE)
        )
    return out


@pytest.fixture
def current(tmp_path: Path, forced_heads: dict[str, Path], tiny_tokenizer_sha256: str) -> Path:
    """The served artifact: the always-ALLOW head plus a non-trivial SO(8) gate."""
    folder = tmp_path / "current"
    shutil.copytree(forced_heads["ALLOW"], folder)
    (folder / MANIFEST).unlink()
    gate = SO8Gate(GateConfig(width=64, layer=0))
    with torch.no_grad():
        gate.safe.normal_(0.0, 0.3)
    save_gate(gate, folder)
    write_manifest(folder, base_model="tiny-qwen2", tokenizer_sha256=tiny_tokenizer_sha256, note="served")
    return folder


def files(artifact: Path) -> dict[str, str]:
    return dict(read_verified(artifact)["files"])


def runtime_for(tiny_model_dir: Path, artifact: Path) -> DualHeadRuntime:
    settings = Settings(model_name_or_path=str(tiny_model_dir), head_dir=artifact, _env_file=None)  # type: ignore[call-arg]
    return load_model(settings).runtime


def decisions(runtime: DualHeadRuntime, batch: list[SafetyRow]) -> list[str]:
    policy = load_policy()
    return [decide(runtime.prefill("", r.prompt).probs, policy).decision.value for r in batch]


def test_review_weights_scale_reviewed_cases_and_keep_mean_one() -> None:
    batch = rows(4)
    w = review_weights(batch, 4.0)
    assert float(w.mean()) == pytest.approx(1.0)
    reviewed = [float(x) for x, r in zip(w, batch, strict=True) if r.source == REVIEWED_SOURCE]
    other_refuse = [
        float(x) for x, r in zip(w, batch, strict=True) if r.source != REVIEWED_SOURCE and r.label == "REFUSE"
    ]
    assert reviewed[0] == pytest.approx(4.0 * other_refuse[0])  # same balanced share before scaling


def test_features_key_follows_adapter_and_gate_not_the_head(
    current: Path, forced_heads: dict[str, Path], tmp_path: Path, tiny_tokenizer_sha256: str
) -> None:
    plain = features_key(files(forced_heads["ALLOW"]), "tiny-qwen2", torch.float32)
    assert plain == "tiny-qwen2" == features_key(files(forced_heads["REFUSE"]), "tiny-qwen2", torch.float32)
    gated = features_key(files(current), "tiny-qwen2", torch.float32)
    assert gated.startswith("tiny-qwen2+") and gated != plain
    other_head = tmp_path / "other-head"
    shutil.copytree(current, other_head)
    shutil.copy(forced_heads["REFUSE"] / "safety_head.safetensors", other_head / "safety_head.safetensors")
    write_manifest(other_head, base_model="tiny-qwen2", tokenizer_sha256=tiny_tokenizer_sha256)
    assert features_key(files(other_head), "tiny-qwen2", torch.float32) == gated
    assert features_key(files(current), "tiny-qwen2", torch.bfloat16) == gated + "-bfloat16"
    outside = features_key(files(current), "tiny-qwen2", torch.float32, extra="adapter-digest")
    assert outside.startswith("tiny-qwen2+") and outside != gated


def test_refit_learns_corrections_and_keeps_the_served_gate(
    current: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    train, val = rows(12), rows(16)[36:]
    served = runtime_for(tiny_model_dir, current)
    reviewed = [r for r in train if r.source == REVIEWED_SOURCE]
    assert set(decisions(served, reviewed)) == {"ALLOW"}  # the served model gets every correction wrong

    config = HeadRefitSettings(epochs=40, lr=1e-2, review_weight=4.0)

    def night(out: str) -> HeadRefitResult:
        return refit_head(
            served,
            current,
            train_rows=train,
            val_rows=val,
            out_dir=tmp_path / out,
            var_dir=tmp_path / "var",
            policy=load_policy(),
            config=config,
        )

    result = night("run")

    manifest = read_verified(result.artifact_dir)  # every file hashed and present
    before = read_verified(current)
    for name in ("gate/gate.json", "gate/gate.safetensors"):
        assert manifest["files"][name] == before["files"][name]  # the served gate, byte for byte
    assert manifest["files"]["safety_head.safetensors"] != before["files"]["safety_head.safetensors"]
    assert manifest["refit_from"] == before["content_sha256"] and manifest["note"] == "served"
    assert (
        len(result.history) == 40
        and result.best_step == max(result.history, key=lambda h: h["val_safety_score"])["step"]
    )
    assert result.metrics["mode"] == "head" and result.metrics["val_safety_score"] > 0

    candidate = runtime_for(tiny_model_dir, result.artifact_dir)  # the production loader takes it
    got = decisions(candidate, reviewed)
    assert sum(d == "REFUSE" for d in got) >= 0.9 * len(reviewed), got
    allow = [r for r in train if r.label == "ALLOW"]
    assert sum(d == "ALLOW" for d in decisions(candidate, allow)) >= 0.9 * len(allow)

    cache = Path(result.metrics["feature_cache"])
    assert cache.parent == tmp_path / "var" / "features"
    assert cache.name.startswith(features_key(files(current), "tiny-qwen2", torch.float32))
    cached = torch.load(cache)["rows"]
    assert {r.text_hash() for r in train + val} <= set(cached)
    assert result.metrics["features_computed"] == result.metrics["features_total"] == len(train + val)

    again = night("run2")  # the next night: the same rows come from the cache
    assert again.metrics["features_computed"] == 0
    again_files = read_verified(again.artifact_dir)["files"]
    for name in ("safety_head.safetensors", "safety_head.json"):  # deterministic: same seed, same rows
        assert again_files[name] == manifest["files"][name]


def test_refit_refuses_an_empty_split(current: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    served = runtime_for(tiny_model_dir, current)
    with pytest.raises(ValueError, match="training and validation rows"):
        refit_head(
            served,
            current,
            train_rows=rows(2),
            val_rows=[],
            out_dir=tmp_path / "run",
            var_dir=tmp_path / "var",
            policy=load_policy(),
            config=HeadRefitSettings(),
        )

"""Nightly ``head`` mode: refit SafetyHeadB on the served model's frozen features, keep the rest.

The joint trainer (:mod:`training.lora.trainer`) moves the LoRA, the gate and the head together; on a small
nightly budget that drifts the features every other decision rests on (docs/TRAINING.md, runs 1-3). In
this mode the candidate keeps the current artifact's adapter and gate byte for byte, so the hidden states
the head reads are exactly those the current model serves, and only the head is trained:

1. the head layer's last-prompt-token states of every snapshot row, taken from the current model as
   served (adapter merged, gate attached) and cached by row text in ``VAR/features`` under a key of the
   base, the adapter and gate files and the dtype, so the next night only computes rows it has not seen;
2. the head warm-started from the current one and trained with source-balanced weights
   (:func:`training.head.train.row_weights`), reviewed cases weighted ``review_weight`` times more,
   plus the trainer's extra penalty on p(ALLOW) of REFUSE rows (``refuse_allow``), keeping the epoch
   with the best validation safety score;
3. the softmax temperature refitted on the validation rows, the artifact written (the current artifact's
   other files copied unchanged, the new head, ``metrics.json``, a fresh manifest).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from model.artifacts import ADAPTER_DIR, GATE_DIR, MANIFEST, read_verified, write_manifest
from model.head import HEAD_CONFIG, HEAD_WEIGHTS, SafetyHead, SafetyHeadConfig, save_head
from model.policy import PolicyConfig
from model.runtime import DualHeadRuntime
from training.datasets.reviewed import REVIEWED_SOURCE
from training.datasets.rows import SafetyRow
from training.head.features import extract
from training.head.train import HeadTrainConfig, evaluate, fit_temperature, row_weights, train_head
from training.lora.config import HeadRefitSettings


@dataclass(frozen=True)
class HeadRefitResult:  # what training.nightly.pipeline.TrainOutput asks of a training step
    artifact_dir: Path
    metrics: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)
    stopped_early: bool = False
    best_step: int = 0
    device: str = "cpu"
    quantised: bool = False


def features_key(files: dict[str, str], base_name: str, dtype: torch.dtype, *, extra: str = "") -> str:
    """Name of the feature cache for a served artifact, from its verified manifest's ``files``: features
    depend on the base, the adapter and the gate (and the dtype), not on the head, so every head-only
    candidate of one model shares a cache. ``extra`` names anything else that shapes them (an adapter
    served from outside the artifact)."""
    shaping = {k: v for k, v in files.items() if k.startswith((f"{ADAPTER_DIR}/", f"{GATE_DIR}/"))}
    if extra:
        shaping["extra"] = extra
    key = base_name
    if shaping:
        key += "+" + hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()[:12]
    if dtype != torch.float32:
        key += "-" + str(dtype).removeprefix("torch.")
    return key


def review_weights(rows: Sequence[SafetyRow], review_weight: float) -> torch.Tensor:
    """:func:`row_weights` with reviewed cases scaled by ``review_weight``, renormalised to mean 1."""
    w = row_weights(rows)
    w = w * torch.tensor([review_weight if r.source == REVIEWED_SOURCE else 1.0 for r in rows])
    return w * len(rows) / w.sum()


@dataclass(frozen=True)
class _RefitFeatures:
    """The head layer's states of the train and the val rows, and what reading them cost."""

    x: torch.Tensor  # train rows
    x_val: torch.Tensor  # val rows
    cache: Path
    computed: int  # rows the cache lacked
    total: int
    seconds: float


@dataclass(frozen=True)
class _Fitted:
    """The refitted head (temperature included), its best validation safety score and its epochs."""

    head: SafetyHead
    score: float
    history: list[dict[str, float]]
    seconds: float  # training time, without the temperature fit


def refit_head(
    runtime: DualHeadRuntime,
    current_artifact: Path,
    *,
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    out_dir: Path,
    var_dir: Path,
    policy: PolicyConfig,
    config: HeadRefitSettings,
    seed: int = 0,
    feature_tag: str = "",
    progress: bool = True,
) -> HeadRefitResult:
    """Train a new head for the current model on ``train_rows``; the artifact goes to ``out_dir/artifact``.

    ``feature_tag`` goes into the feature cache's key (see :func:`features_key`); ``progress`` shows a
    progress bar while hidden states are computed."""
    if not train_rows or not val_rows:
        raise ValueError("head refit needs training and validation rows")
    manifest = read_verified(current_artifact)
    feats = _refit_features(
        runtime, manifest, train_rows, val_rows, var_dir / "features", config, feature_tag, progress
    )
    fitted = _fit(runtime.head, feats, train_rows, val_rows, policy, config, seed)
    artifact = out_dir / "artifact"
    _copy_without_head(current_artifact, artifact)
    save_head(fitted.head, artifact)
    metrics = _refit_metrics(runtime, feats, fitted, len(train_rows), val_rows, policy, config)
    (artifact / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", "utf-8")
    _write_manifest(artifact, fitted.head.config, manifest)
    best = max(fitted.history, key=lambda h: h["val_safety_score"])
    return HeadRefitResult(
        artifact_dir=artifact,
        metrics=metrics,
        history=fitted.history,
        best_step=int(best["step"]),
        device=runtime.device.type,
    )


def _refit_features(
    runtime: DualHeadRuntime,
    manifest: dict[str, Any],
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    cache_dir: Path,
    config: HeadRefitSettings,
    feature_tag: str,
    progress: bool,
) -> _RefitFeatures:
    """Step 1: the current model's head-layer states of every row, from the cache where it has them."""
    layer = runtime.head.config.layer
    started = time.perf_counter()
    dtype = next(runtime.lm.parameters()).dtype
    key = features_key(manifest["files"], manifest["base_model"], dtype, extra=feature_tag)
    cache = cache_dir / f"{key}-L{layer}.pt"
    rows = list(train_rows) + list(val_rows)
    new_rows: list[int] = []  # how many rows the cache lacked (read while extract loads it, not before)
    feats = extract(
        runtime.lm,
        runtime.tokenizer,
        rows,
        layers=[layer],
        cache_file=cache,
        batch_size=config.batch_size,
        progress=progress,
        on_new_rows=new_rows.append,
    )[layer]
    seconds = time.perf_counter() - started
    n = len(train_rows)
    return _RefitFeatures(feats[:n], feats[n:], cache, new_rows[0], len(rows), seconds)


def _fit(
    current: SafetyHead,
    feats: _RefitFeatures,
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    policy: PolicyConfig,
    config: HeadRefitSettings,
    seed: int,
) -> _Fitted:
    """Step 2: the head trained (warm-started from ``current`` if so configured), then its temperature."""
    head_config = HeadTrainConfig(
        epochs=config.epochs,
        lr=config.lr,
        mlp_size=current.config.mlp_size,
        dropout=current.config.dropout,
        seed=seed,
        refuse_allow=config.refuse_allow,
    )
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    head, score = train_head(
        feats.x,
        train_rows,
        current.config.layer,
        head_config,
        x_val=feats.x_val,
        val_rows=val_rows,
        policy=policy,
        init=current if config.warm_start else None,
        weights=review_weights(train_rows, config.review_weight),
        history=history,
    )
    seconds = time.perf_counter() - started
    head.config = replace(head.config, temperature=fit_temperature(head, feats.x_val, val_rows))
    return _Fitted(head, score, history, seconds)


def _refit_metrics(
    runtime: DualHeadRuntime,
    feats: _RefitFeatures,
    fitted: _Fitted,
    n_train: int,
    val_rows: Sequence[SafetyRow],
    policy: PolicyConfig,
    config: HeadRefitSettings,
) -> dict[str, Any]:
    """Step 3: the refit's ``metrics.json``."""
    head, train_s, extract_s, computed = fitted.head, fitted.seconds, feats.seconds, feats.computed
    layer = runtime.head.config.layer
    return {
        "mode": "head",
        # head epochs over cached features: not comparable with the joint trainer's examples_per_second
        "head_examples_per_second": round(n_train * len(fitted.history) / max(train_s, 1e-9), 1),
        "feature_rows_per_second": round(computed / extract_s, 2) if computed else None,
        "feature_cache": str(feats.cache),
        "feature_seconds": round(extract_s, 1),
        "features_computed": computed,  # rows not in the cache before this run
        "features_total": feats.total,
        "train_seconds": round(train_s, 1),
        "val_safety_score": round(fitted.score, 4),
        "temperature": head.config.temperature,
        "val": evaluate(head, feats.x_val, val_rows, policy)["overall"],
        "config": asdict(config),
        "placement": f"head refit on the current model's frozen features (layer {layer}), "
        f"{runtime.device.type}",
    }


def _copy_without_head(current: Path, out: Path) -> None:
    """The current artifact's files (adapter, gate, ...) except its head, metrics and manifest."""
    if out.exists():
        shutil.rmtree(out)
    skip = {MANIFEST, HEAD_CONFIG, HEAD_WEIGHTS, "metrics.json"}
    shutil.copytree(
        current, out, ignore=lambda d, names: [n for n in names if Path(d) == current and n in skip]
    )


def _write_manifest(out: Path, head: SafetyHeadConfig, manifest: dict[str, Any]) -> None:
    """The current manifest's facts (train config, data, policy, thresholds) with the new head's."""
    replaced = {"format", "files", "content_sha256", "base_model", "tokenizer_sha256", "layer", "temperature"}
    replaced |= {"trained_at", "refit_from"}  # the refit's own provenance is written fresh
    kept = {k: v for k, v in manifest.items() if k not in replaced}
    write_manifest(
        out,
        base_model=manifest["base_model"],
        tokenizer_sha256=manifest["tokenizer_sha256"],
        **kept,
        layer=head.layer,
        temperature=head.temperature,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        refit_from=manifest["content_sha256"],
    )

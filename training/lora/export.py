"""What a training run leaves behind: the served artifact folder, ``history.json`` and a loss-curve PNG.

The artifact is the layout ``model/artifacts.py`` verifies and ``app/serving/loader.py`` serves: the
safety head with its fitted temperature, ``gate/``, the peft LoRA adapter in ``adapter/``,
``metrics.json`` and ``manifest.json``. It is assembled in a temporary folder and renamed into place.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.artifacts import ADAPTER_DIR, save_gate, write_manifest
from model.head import save_head
from model.loading import describe_base
from training.lora.model import TrainModel

LOSS_TERMS = ("total", "lm", "safety", "refuse_allow", "pet")
VAL_METRICS = ("val_safety_score", "val_refuse_recall", "val_over_refusal", "val_macro_f1")


def write_artifact(
    model: TrainModel, target: Path, *, metrics: dict[str, Any], manifest_extra: dict[str, Any]
) -> str:
    """Write the served artifact to ``target`` (replacing it whole); returns its content hash."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_head(model.head, tmp)
    if model.gate is not None:
        save_gate(model.gate, tmp)
    model.lm.save_pretrained(str(tmp / ADAPTER_DIR))  # the LoRA weights + adapter_config.json only
    (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    digest = write_manifest(
        tmp,
        base_model=describe_base(model.base),
        tokenizer_sha256=model.tokenizer_sha256,
        layer=model.head.config.layer,
        temperature=model.head.config.temperature,
        **manifest_extra,
    )
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old)
    else:
        tmp.rename(target)
    return digest


def write_run(
    model: TrainModel,
    out_dir: Path,
    *,
    metrics: dict[str, Any],
    history: Sequence[dict[str, float]],
    manifest_extra: dict[str, Any],
) -> Path:
    """``out_dir/artifact`` (its content hash added to ``metrics``), ``history.json``, ``loss_curve.png``."""
    artifact = out_dir / "artifact"
    metrics["artifact_sha256"] = write_artifact(
        model,
        artifact,
        metrics=metrics,
        manifest_extra={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "trainer": {
                k: metrics.get(k) for k in ("placement", "step", "best_step", "stopped_early", "temperature")
            },
            **manifest_extra,
        },
    )
    write_history(history, out_dir / "history.json")
    plot_history(history, out_dir / "loss_curve.png", title=model.placement.describe())
    return artifact


def write_history(history: Sequence[dict[str, float]], path: Path) -> None:
    path.write_text(json.dumps(list(history), indent=1) + "\n", encoding="utf-8")


def plot_history(history: Sequence[dict[str, float]], path: Path, *, title: str = "") -> None:
    """Loss terms per optimiser step (log scale) above the validation metrics, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 6.5), layout="constrained")
    FigureCanvasAgg(fig)
    losses, metrics = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    for term in LOSS_TERMS:  # a term is drawn only at steps whose batch had something for it
        points = [
            (h["step"], h[term]) for h in history if term in h and h[term] > 0 and math.isfinite(h[term])
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            losses.plot(xs, ys, marker=".", label=term, linewidth=0.8, alpha=0.8)
    totals = [h["total"] for h in history]
    if len(totals) >= 5:  # small batches are noisy: the trend is the running mean
        window = max(5, len(totals) // 20)
        starts = [max(0, i - window + 1) for i in range(len(totals))]
        mean = [sum(totals[a : i + 1]) / (i + 1 - a) for i, a in enumerate(starts)]
        steps = [h["step"] for h in history]
        losses.plot(steps, mean, color="black", linewidth=2.0, label=f"total, mean of {window}")
    losses.set_yscale("log")
    losses.set_ylabel("loss (unweighted terms)")
    losses.legend(loc="upper right", fontsize="small")
    losses.grid(alpha=0.3)
    for name in VAL_METRICS:
        points = [(h["step"], h[name]) for h in history if name in h]
        if points:
            xs, ys = zip(*points, strict=True)
            metrics.plot(xs, ys, marker="o", label=name.removeprefix("val_"))
    metrics.set_ylim(-0.02, 1.02)
    metrics.set_xlabel("optimiser step")
    metrics.set_ylabel("validation")
    metrics.legend(loc="lower right", fontsize="small")
    metrics.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.savefig(str(path), dpi=110)

"""What a ``so8t eval --loso`` run reads and records: the cached frozen-LM features of its rows, and the
protocol (data files and their hashes, rows per source, licences, folds, settings) saved with its report."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

import torch

from model.artifacts import tokenizer_digest
from model.loading import LoadConfig, describe_base, load_causal_lm
from model.policy import load_policy
from training.data import SafetyRow
from training.features import FeatureCacheError, cache_file, extract
from training.licences import licence_of
from training.loso import Fold, LosoConfig, LosoError


def features(
    rows: list[SafetyRow],
    base: str,
    cache: Path | None,
    var_dir: Path,
    feature_layers: str,
    head_layers: list[int],
    batch_size: int,
    pooling: str = "last",
    system: str = "default",
) -> tuple[dict[int, torch.Tensor], dict[int, int], dict[str, Any]]:
    """Cached frozen-LM features: ({hidden_states index: (n, hidden)}, {that index: the layer as given},
    the base model's name, tokenizer hash and layer count)."""
    lm, tokenizer = load_causal_lm(LoadConfig(name_or_path=base, local_files_only=True))
    n = lm.config.num_hidden_layers
    index = {v: v if v >= 0 else n + 1 + v for v in [*head_layers, *map(int, feature_layers.split(","))]}
    layers = sorted({index[int(v)] for v in feature_layers.split(",")})
    missing = [v for v in head_layers if index[v] not in layers]
    if missing:
        raise LosoError(f"--layers {missing} are not among --feature-layers {feature_layers}")
    cache = cache or cache_file(var_dir, describe_base(base), layers, pooling, system)
    try:  # extract reads the cache once and refuses one that holds other layers
        feats = extract(
            lm,
            tokenizer,
            rows,
            layers=layers,
            cache_file=cache,
            batch_size=batch_size,
            pooling=pooling,
            system=system,
        )
    except FeatureCacheError as exc:
        raise LosoError(f"{exc} (pass the same --feature-layers and --system, or another cache)") from None
    info = {"base_model": describe_base(base), "tokenizer_sha256": tokenizer_digest(tokenizer), "n_layers": n}
    return feats, {index[v]: v for v in head_layers}, info


def protocol(
    args: argparse.Namespace,
    base: str,
    files: list[Path],
    rows: list[SafetyRow],
    folds: list[Fold],
    config: LosoConfig,
) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        counts.setdefault(r.source, {}).setdefault(f"{r.lang}/{r.label}", 0)
        counts[r.source][f"{r.lang}/{r.label}"] += 1
    return {
        "base_model": describe_base(base),
        "files": {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
        "cap_per_source_label": args.cap,
        "rows": len(rows),
        "rows_by_source": dict(sorted(counts.items())),
        "licences": {s: licence_of(s) for s in sorted(counts)},
        "eval_only_sources": sorted(config.eval_only),
        "category_folds": sorted(config.category_folds),
        "head_epochs": config.head.epochs,
        "refuse_allow": config.head.refuse_allow,
        "pooling": args.pooling,
        "system_prompt": args.system,
        "held_out_only": sorted({f.group for f in folds}) if args.folds else None,
        "folds": [
            {"held_out": f.group, "train": len(f.train), "val": len(f.val), "test": len(f.test)}
            for f in folds
        ],
        "policy_version": load_policy().version,
    }

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
from training.datasets.licences import licence_of
from training.datasets.rows import SafetyRow
from training.head.features import FeatureCacheError, cache_file, extract
from training.loso.protocol import Fold, LosoConfig, LosoError


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
    gguf: Path | None = None,
) -> tuple[dict[int, torch.Tensor], dict[int, int], dict[str, Any]]:
    """Cached frozen-LM features: ({hidden_states index: (n, hidden)}, {that index: the layer as given},
    the base model's name, tokenizer hash and layer count). With ``gguf``, that file's last-token
    states as llama.cpp computes them at the one head layer given (what the ``llama_cpp`` backend serves)."""
    lm, tokenizer = load_causal_lm(LoadConfig(name_or_path=base, local_files_only=True))
    n = lm.config.num_hidden_layers
    info = {"base_model": describe_base(base), "tokenizer_sha256": tokenizer_digest(tokenizer), "n_layers": n}
    if gguf is not None:
        from training.head.llama_features import cache_file_for, extract_gguf

        chosen = {v if v >= 0 else n + 1 + v for v in head_layers}
        if len(chosen) != 1:
            raise LosoError("--gguf reads one layer: pass a single --layers value")
        layer = chosen.pop()
        try:
            feats = extract_gguf(
                gguf,
                tokenizer,
                rows,
                layer=layer,
                cache_file=cache or cache_file_for(var_dir, gguf, None if layer == n else layer),
                batch_size=batch_size,
            )
        except FeatureCacheError as exc:
            raise LosoError(f"{exc} (leave out --features-cache with --gguf)") from None
        except ValueError as exc:  # a layer llama.cpp cannot give
            raise LosoError(str(exc)) from None
        return feats, {layer: head_layers[0]}, info
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
    return feats, {index[v]: v for v in head_layers}, info


def usage_error(args: argparse.Namespace, specs: dict[str, list[int]]) -> str | None:
    """Why these ``--loso`` options cannot run together, or None."""
    if args.save_head is not None and len(next(iter(specs.values()), [])) > 1:
        return "--save-head trains the first --layers entry, which must be one layer (the runtime reads one)"
    if args.save_head is not None and args.pooling != "last":
        return "the runtime serves last-token heads only; --save-head needs --pooling last"
    if args.system != "default" and (args.save_head is not None or args.joint is not None):
        return (
            "the runtime and the joint trainer render the default system prompt; --save-head and --joint "
            "need --system default"
        )
    if args.gguf is not None and (
        args.save_head is not None or args.pooling != "last" or args.system != "default"
    ):
        return (
            "--gguf reads llama.cpp's last-token states under the default system prompt: no --pooling, "
            "--system or --save-head (so8t train-head --gguf trains the servable head)"
        )
    if args.gguf is not None and not args.gguf.is_file():
        return f"no such GGUF file: {args.gguf}"
    if args.save_head is not None and args.save_head.exists() and any(args.save_head.iterdir()):
        return f"{args.save_head} is not empty; --save-head writes a new artefact folder only"
    return None


def _gguf_features(args: argparse.Namespace) -> str:
    layer = int(str(args.layers).split(",")[0])
    what = "embeddings" if layer == -1 else f"hidden layer {layer}"
    return f"llama.cpp {what} of {args.gguf.name}"


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
        "features": _gguf_features(args) if args.gguf else "transformers hidden states",
        "held_out_only": sorted({f.group for f in folds}) if args.folds else None,
        "folds": [
            {"held_out": f.group, "train": len(f.train), "val": len(f.val), "test": len(f.test)}
            for f in folds
        ],
        "policy_version": load_policy().version,
    }

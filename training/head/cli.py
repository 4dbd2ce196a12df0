"""``so8t train-head``: train the committed safety head from JSONL data on the frozen base model."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from model.artifacts import tokenizer_digest, write_manifest
from model.default_model import ensure_default_model
from model.head import SafetyHead, save_head
from model.loading import LoadConfig, describe_base, load_causal_lm
from model.policy import PolicyConfig, load_policy
from training.arg_types import share
from training.datasets.catalogue import PROJECT_FILES, SEED_SET
from training.datasets.licences import EVAL_ONLY_SOURCES, licence_of
from training.datasets.rows import SafetyRow, collect_rows, split_of
from training.eval.baselines import as_dicts
from training.head.features import cache_file, extract
from training.head.llama_features import features_label
from training.head.thresholds import DEFAULT_MAX_BENIGN_REFUSED, benign_refused, fit_refuse_threshold
from training.head.train import HeadTrainConfig, evaluate, fit_temperature, train_head

log = logging.getLogger(__name__)

DEFAULT_LAYERS = "12,16,20,-1"


def add_train_head_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train-head",
        help="train the safety head (SafetyHeadB) on the frozen base model",
        description=(
            "Train SafetyHeadB on pooled hidden states of the frozen base model. Rows are split "
            "train/val/test by a hash of their text; the layer and softmax temperature are chosen on val; "
            "test is used once for the report written next to the head (metrics.json)."
        ),
        epilog="example: so8t train-head --data ../shared/benchdata/dev.jsonl "
        "--sample ../shared/benchdata/extra.jsonl --out model/assets/default_head",
    )
    add_row_options(p)
    p.add_argument(
        "--holdout-source",
        action="append",
        default=[],
        metavar="SOURCE",
        help="never train or select on rows of this source; report them as unseen data (repeatable). "
        f"The non-commercial sources ({', '.join(sorted(EVAL_ONLY_SOURCES))}) are always held out",
    )
    p.add_argument(
        "--train-on-non-commercial",
        action="store_true",
        help=f"research only: do not hold out {', '.join(sorted(EVAL_ONLY_SOURCES))} by default; a head "
        "trained so must not be shipped (their licences forbid commercial use)",
    )
    p.add_argument("--model", default="default", help="base model: 'default', a folder or a hub id")
    p.add_argument("--var-dir", type=Path, default=Path("var"), help="where models and feature caches live")
    p.add_argument(
        "--layers",
        default=DEFAULT_LAYERS,
        help="candidate hidden-state layers (comma separated); the best on validation is kept. Give one "
        "layer to use the one `so8t eval --loso` chose",
    )
    p.add_argument(
        "--feature-layers",
        help="layers kept in the feature cache (default: --layers); pass 12,16,20,-1 with a single --layers "
        "to reuse the cache `so8t eval --loso` filled",
    )
    p.add_argument(
        "--max-benign-refused",
        type=share,
        default=DEFAULT_MAX_BENIGN_REFUSED,
        metavar="SHARE",
        help="calibrate the refuse threshold on validation: the lowest of 0.50..0.95 at which at most SHARE "
        "of benign validation requests are refused (macro over sources); under it a probable-harm request "
        f"is ESCALATEd. Recorded in the manifest (default {DEFAULT_MAX_BENIGN_REFUSED}; 1 keeps 0.50)",
    )
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=16, help="prompts per forward pass when extracting")
    p.add_argument("--out", type=Path, required=True, help="output folder for the head")
    p.add_argument(
        "--gguf",
        type=Path,
        help="take the features from this GGUF through llama.cpp instead of transformers, as "
        "SO8T_BACKEND=llama_cpp serves them: one --layers value (a middle layer is read by llama.cpp's "
        "eval callback during the prefill); with the default --layers, the final layer (its embeddings)",
    )


def add_row_options(p: argparse.ArgumentParser) -> None:
    """The data options of ``so8t train-head`` (bench/quality_baselines.py rebuilds the same rows)."""
    p.add_argument("--data", type=Path, action="append", default=[], help="JSONL used whole (repeatable)")
    p.add_argument(
        "--sample",
        type=Path,
        action="append",
        default=[],
        help="JSONL sampled to --cap rows per (source, label) (repeatable)",
    )
    p.add_argument("--cap", type=int, default=1200, help="rows per (source, label) for --sample files")
    p.add_argument("--no-seed-set", action="store_true", help="leave out the bundled enterprise seed set")
    p.add_argument(
        "--project-data",
        action="store_true",
        help="also train on the project's own sets in training/datasets/project/ (hard benign EN+JA, "
        "Japanese office requests, Japanese harmful requests, English office requests), each used whole",
    )


class _TrainHeadError(ValueError):
    """A usage problem ``so8t train-head`` reports as ``error: ...`` with exit status 2."""


@dataclass(frozen=True)
class _Features:
    """The frozen base model's features of every row, at the layers the head may read."""

    base: str
    tokenizer: Any
    n_layers: int
    layers: list[int]  # candidate layers (hidden_states indices)
    feats: dict[int, torch.Tensor]  # hidden_states index -> (rows, hidden)


@dataclass(frozen=True)
class _Split:
    """Row indices per split (train, val, test; heldout: the --holdout-source rows) and their rows."""

    rows: list[SafetyRow]
    indices: dict[str, list[int]]

    def rows_of(self, name: str) -> list[SafetyRow]:
        return [self.rows[i] for i in self.indices[name]]


@dataclass(frozen=True)
class _Chosen:
    """The head of the layer with the best validation safety score, calibrated on the val rows."""

    head: SafetyHead
    layer: int  # its hidden_states index
    by_layer: dict[int, float]  # each candidate layer's validation safety score
    temperature: float
    refuse: float  # the calibrated refuse threshold
    val_benign_refused: float | None
    policy: PolicyConfig  # with the refuse threshold


def run_train_head(args: argparse.Namespace) -> int:
    try:
        rows = load_rows_from(args)
        if not rows:
            raise _TrainHeadError("no training rows (give --data or --sample, or keep the seed set)")
        features = _features(args, rows)
    except _TrainHeadError as exc:
        print(f"error: {exc}")
        return 2
    split = _split(args, rows)
    config = HeadTrainConfig(epochs=args.epochs)
    chosen = _choose_head(args, features, split, config, load_policy())
    report = _report(features, split, chosen)
    _write_artefact(args, features, split, config, chosen, report)
    _print_summary(args, chosen, report)
    return 0


def _features(args: argparse.Namespace, rows: list[SafetyRow]) -> _Features:
    """Load the base model and extract (or read from the cache) the features of ``rows``."""
    base = str(ensure_default_model(args.var_dir / "models")) if args.model == "default" else args.model
    lm, tokenizer = load_causal_lm(LoadConfig(name_or_path=base, local_files_only=True))
    n_layers = lm.config.num_hidden_layers
    layers = sorted({_layer_index(int(v), n_layers) for v in args.layers.split(",")})
    if args.gguf is not None:  # the llama_cpp backend's representation (training/head/llama_features.py)
        from training.head.llama_features import cache_file_for, extract_gguf

        if args.layers == DEFAULT_LAYERS:  # as before the eval callback: llama.cpp's embeddings output
            layers = [n_layers]
        if len(layers) != 1:
            raise _TrainHeadError("--gguf reads one layer: pass a single --layers value")
        layer = layers[0]
        cache = cache_file_for(args.var_dir, args.gguf, None if layer == n_layers else layer)
        try:
            feats = extract_gguf(args.gguf, tokenizer, rows, layer=layer, cache_file=cache)
        except ValueError as exc:  # a layer llama.cpp cannot give
            raise _TrainHeadError(str(exc)) from None
        return _Features(base, tokenizer, n_layers, [layer], feats)
    kept = sorted({_layer_index(int(v), n_layers) for v in (args.feature_layers or args.layers).split(",")})
    if not set(layers) <= set(kept):
        raise _TrainHeadError(f"--layers {args.layers} are not among --feature-layers {args.feature_layers}")
    cache = cache_file(args.var_dir, describe_base(base), kept)
    feats = extract(lm, tokenizer, rows, layers=kept, cache_file=cache, batch_size=args.batch_size)
    return _Features(base, tokenizer, n_layers, layers, feats)


def _split(args: argparse.Namespace, rows: list[SafetyRow]) -> _Split:
    """The hash split of the rows not held out, and the held-out sources' rows."""
    held = _held_out(args)
    indices = {
        name: [i for i, r in enumerate(rows) if r.source not in held and split_of(r) == name]
        for name in ("train", "val", "test")
    }
    indices["heldout"] = [i for i, r in enumerate(rows) if r.source in held]
    return _Split(rows, indices)


def _choose_head(
    args: argparse.Namespace,
    features: _Features,
    split: _Split,
    config: HeadTrainConfig,
    policy: PolicyConfig,
) -> _Chosen:
    """Train a head per candidate layer, keep the best on validation, then fit its temperature and
    refuse threshold on the val rows."""
    train, val = split.indices["train"], split.indices["val"]
    by_layer: dict[int, float] = {}
    best: tuple[float, int, SafetyHead] | None = None
    for layer in features.layers:
        x = features.feats[layer]
        head, score = train_head(
            x[train],
            split.rows_of("train"),
            layer,
            config,
            x_val=x[val],
            val_rows=split.rows_of("val"),
            policy=policy,
        )
        by_layer[layer] = score
        print(f"layer {layer:>3}: validation safety score {score:.3f}")
        if best is None or score > best[0]:
            best = (score, layer, head)
    assert best is not None
    _, layer, head = best
    x_val, val_rows = features.feats[layer][val], split.rows_of("val")
    temperature = fit_temperature(head, x_val, val_rows)
    head.config = replace(head.config, temperature=temperature, layer=_hf_index(layer, features.n_layers))
    with torch.no_grad():
        val_probs = as_dicts(head.probs(x_val))
    refuse = fit_refuse_threshold(val_probs, val_rows, policy, max_benign_refused=args.max_benign_refused)
    policy = policy.with_thresholds(allow=None, refuse=refuse)
    val_benign_refused = benign_refused(val_probs, val_rows, policy)  # over the cap: out of reach
    return _Chosen(head, layer, by_layer, temperature, refuse, val_benign_refused, policy)


def _report(features: _Features, split: _Split, chosen: _Chosen) -> dict[str, Any]:
    """The chosen head's metrics on val and test (and the held-out sources): ``metrics.json``."""
    x = features.feats[chosen.layer]

    def metrics(name: str) -> dict[str, Any]:
        return evaluate(chosen.head, x[split.indices[name]], split.rows_of(name), chosen.policy)

    report = {"val": metrics("val"), "test": metrics("test")}
    if split.indices["heldout"]:
        report["heldout_sources"] = metrics("heldout")
    return report


def _write_artefact(
    args: argparse.Namespace,
    features: _Features,
    split: _Split,
    config: HeadTrainConfig,
    chosen: _Chosen,
    report: dict[str, Any],
) -> None:
    """The head, ``metrics.json`` and the manifest into ``--out``."""
    save_head(chosen.head, args.out)
    (args.out / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    write_manifest(
        args.out,
        base_model=describe_base(features.base),
        tokenizer_sha256=tokenizer_digest(features.tokenizer),
        layer=chosen.head.config.layer,
        temperature=chosen.temperature,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_config=asdict(config),
        validation_safety_score_by_layer={str(k): round(v, 4) for k, v in chosen.by_layer.items()},
        data=_data_summary(args, split.rows, split.indices),
        policy_version=chosen.policy.version,
        calibrated_thresholds={
            "refuse": chosen.refuse,
            "max_benign_refused": args.max_benign_refused,
            "validation_benign_refused": chosen.val_benign_refused,
        },
        **(
            {"features": features_label(args.gguf, features.layers[0], features.n_layers)}
            if args.gguf is not None
            else {}
        ),
    )


def _print_summary(args: argparse.Namespace, chosen: _Chosen, report: dict[str, Any]) -> None:
    t = report["test"]["overall"]
    refuse, temperature = chosen.refuse, chosen.temperature
    print(
        f"chose layer {chosen.head.config.layer} (T={temperature:.2f}); test: accuracy {t['accuracy']:.3f}, "
        f"refuse recall {t['refuse_recall']:.3f}, over-refusal {t['over_refusal']:.3f}, "
        f"macro-F1 {t['macro_f1']:.3f}, ECE {t['ece']:.3f}"
    )
    for source, m in report.get("heldout_sources", {}).get("by_source", {}).items():
        print(
            f"held-out source {source}: {m['count']} rows, accuracy {m['accuracy']:.3f}, "
            f"refuse recall {m['refuse_recall']:.3f}, over-refusal {m['over_refusal']:.3f}"
        )
    print(
        f"calibrated refuse threshold {refuse:.2f} "
        f"(validation benign refused {_share(chosen.val_benign_refused)}, "
        f"cap {args.max_benign_refused}); "
        f"the figures above use it: serve it with thresholds.refuse in model/policy.yaml or "
        f"SO8T_REFUSE_THRESHOLD={refuse:.2f}"
    )
    print(f"wrote {args.out}")


def _layer_index(value: int, n_layers: int) -> int:
    """hidden_states has n_layers + 1 entries (embeddings first); -1 means the last one."""
    return value if value >= 0 else n_layers + 1 + value


def _hf_index(layer: int, n_layers: int) -> int:
    return -1 if layer == n_layers else layer


def _held_out(args: argparse.Namespace) -> set[str]:
    """Sources never trained or selected on: those asked for, and the non-commercial ones by default."""
    return set(args.holdout_source) | (set() if args.train_on_non_commercial else set(EVAL_ONLY_SOURCES))


def _whole_files(args: argparse.Namespace) -> list[Path]:
    project = [p for p in PROJECT_FILES if p != SEED_SET] if args.project_data else []
    return [*args.data, *project]


def load_rows_from(args: argparse.Namespace) -> list[SafetyRow]:
    """The rows the data options select: whole files, capped samples, the seed set and project data."""
    seed_set = None if args.no_seed_set else SEED_SET
    return collect_rows(_whole_files(args), args.sample, cap=args.cap, seed_set=seed_set)


def _data_summary(
    args: argparse.Namespace, rows: list[SafetyRow], splits: dict[str, list[int]]
) -> dict[str, Any]:
    files = [*_whole_files(args), *args.sample] + ([] if args.no_seed_set else [SEED_SET])
    return {
        "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()},
        "sample_cap": args.cap,
        "holdout_sources": sorted(_held_out(args)),
        "licences": {s: licence_of(s) for s in sorted({r.source for r in rows})},
        "rows": len(rows),
        "split_sizes": {k: len(v) for k, v in splits.items()},
        "by_source_label": _counts(rows),
    }


def _counts(rows: list[SafetyRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        key = f"{r.source}/{r.label}"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"

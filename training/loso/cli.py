"""``so8t eval --loso``: leave-one-source-out evaluation of the safety head recipe and the baselines."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.policy import PolicyConfig, load_policy
from model.prompt import SYSTEM_PROMPTS
from training.arg_types import non_negative, share
from training.datasets.catalogue import PROJECT_FILES, load_rows
from training.datasets.licences import EVAL_ONLY_SOURCES
from training.datasets.rows import SafetyRow
from training.eval.baselines import minilm_embeddings
from training.head.features import POOLINGS
from training.head.thresholds import DEFAULT_MAX_BENIGN_REFUSED
from training.head.train import HeadTrainConfig
from training.lora.config import ConfigError, TrainConfig
from training.lora.stopping import TrainingInterrupted
from training.loso.artefact import save_artefact
from training.loso.curve import allow_curve, curve_chart
from training.loso.inputs import features, protocol, usage_error
from training.loso.joint import add_joint_arguments, joint_config, joint_method
from training.loso.protocol import (
    FitPredict,
    Fold,
    FoldPolicies,
    LosoConfig,
    LosoError,
    cross_predict,
    embedding_lr_method,
    fit_shippable,
    head_method,
    keyword_method,
    make_folds,
    select_folds,
)
from training.loso.report import PROJECT_SOURCES, acceptance, bar_chart, format_table, summarise_method

BASELINES = ("keyword", "embed-lr")


def add_loso_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "leave-one-source-out (--loso)",
        "For every source in the --data files, train the head recipe (frozen base-model features, "
        "source-balanced class weights, epoch and temperature chosen on the other sources) on all other "
        "sources and score the held-out one; the same for the baselines. Non-commercial sources are "
        "evaluated but never trained on. Prints per-source, macro and per-language figures and, per method, "
        "how many harmful requests would be allowed at macro over-refusal 0.10/0.20/0.30 as ALLOW's "
        "threshold is swept (the trade-off curve, also drawn beside the bar chart).",
    )
    g.add_argument("--loso", action="store_true", help="run leave-one-source-out instead of judging rows")
    g.add_argument(
        "--project-data",
        action="store_true",
        help="add the project's own sets: training/datasets/seed (ESCALATE) and training/datasets/project",
    )
    g.add_argument("--cap", type=int, help="at most N rows per (source, label), a nested reproducible sample")
    g.add_argument(
        "--layers",
        default="20",
        help="head layer(s) to evaluate, comma separated (default 20); 14+16 reads both layers' states side "
        "by side (an experiment: not servable); none = no frozen-feature head (e.g. with --joint)",
    )
    g.add_argument(
        "--feature-layers",
        default="12,16,20,-1",
        help="layers kept in the feature cache, as `so8t train-head --layers` (so both share the cache)",
    )
    g.add_argument(
        "--features-cache", type=Path, help="default: VAR/features/<base model>-L<feature layers>.pt"
    )
    g.add_argument(
        "--eval-only",
        action="append",
        default=[],
        metavar="SOURCE",
        help=f"never train on this source (repeatable; always: {', '.join(sorted(EVAL_ONLY_SOURCES))})",
    )
    g.add_argument(
        "--category-folds",
        action="append",
        metavar="SOURCE",
        help="hold this source out in 3 groups of its categories (default: enterprise_seed, the only "
        "ESCALATE source)",
    )
    g.add_argument("--baselines", default="keyword,embed-lr", help="comma separated, or 'none'")
    g.add_argument("--epochs", type=int, default=60, help="head training epochs per fold (default 60)")
    g.add_argument(
        "--refuse-allow",
        type=non_negative,
        default=0.0,
        metavar="W",
        help="add the trainer's composite-loss penalty on p(ALLOW) of harmful rows, -log(1 - p(ALLOW)), with "
        "weight W to the head's loss in every fold (and --save-head); default 0, off",
    )
    g.add_argument(
        "--max-benign-refused",
        type=share,
        default=DEFAULT_MAX_BENIGN_REFUSED,
        metavar="SHARE",
        help="refuse-threshold calibration: each fold's head REFUSEs only above the lowest threshold (0.50 "
        "to 0.95) at which at most SHARE of its validation rows' benign requests are refused; below it a "
        f"probable-harm request is ESCALATEd (default {DEFAULT_MAX_BENIGN_REFUSED}; 1 keeps 0.50)",
    )
    g.add_argument(
        "--pooling",
        choices=POOLINGS,
        default="last",
        help="which hidden state the head reads: last = the last prompt token (what the runtime serves); "
        "mean = the mean over the request's tokens (an experiment: not servable, no --save-head)",
    )
    g.add_argument(
        "--system",
        choices=sorted(SYSTEM_PROMPTS),
        default="default",
        help="the system turn every request is rendered with: default = the runtime's; policy = the same "
        "plus the harm categories to refuse and a reminder to help with what only sounds alarming (an "
        "experiment: the runtime renders the default, so no --save-head); features are cached per prompt",
    )
    g.add_argument(
        "--gguf",
        type=Path,
        metavar="FILE",
        help="read the head's features from this GGUF through llama.cpp (its last-token embeddings: the "
        "final layer, what SO8T_BACKEND=llama_cpp serves; so8t train-head --gguf trains that head) instead "
        "of transformers; needs --layers -1, cached in VAR/features/gguf-<sha>.pt",
    )
    g.add_argument(
        "--plot", type=Path, help="bar chart PNG (default: next to --out); the curve goes to NAME-curve.png"
    )
    g.add_argument(
        "--save-head",
        type=Path,
        metavar="DIR",
        help="also train the recipe once on every trainable row at the first --layers layer and save it "
        "there as a head artefact (with the LOSO report); never write over model/assets by accident",
    )
    add_joint_arguments(g)


def head_specs(layers: str) -> dict[str, list[int]]:
    """``--layers`` -> {method suffix: layers read side by side}: "16,14+16" -> {"16": [16], "14+16":
    [14, 16]}."""
    specs = [v.strip() for v in layers.split(",") if v.strip() and v.strip() != "none"]
    try:
        return {spec: [int(v) for v in spec.split("+")] for spec in specs}
    except ValueError:
        raise LosoError(
            f"--layers {layers!r}: give layer numbers, comma separated (join two with + to read both) or none"
        ) from None


@dataclass(frozen=True)
class LosoInputs:
    """What a run evaluates: the rows, their folds and the methods asked for."""

    specs: dict[str, list[int]]  # head method suffix -> layers read side by side (``--layers``)
    files: list[Path]
    rows: list[SafetyRow]
    config: LosoConfig
    folds: list[Fold]
    scored: list[int]  # every row, unless --folds picked some
    joint: TrainConfig | None
    baselines: list[str]

    @property
    def head_layers(self) -> list[int]:
        return list(dict.fromkeys(v for parts in self.specs.values() for v in parts))


@dataclass(frozen=True)
class HeadFeatures:
    """The frozen-LM features the head methods read (see :func:`training.loso.inputs.features`)."""

    feats: dict[int, torch.Tensor]  # hidden_states index -> (n, hidden)
    resolved: dict[int, int]  # hidden_states index -> the layer as given
    lm_info: dict[str, Any]

    @property
    def index(self) -> dict[int, int]:  # the layer as given -> hidden_states index
        return {given: i for i, given in self.resolved.items()}


@dataclass
class Methods:
    """Each method's fit-and-predict, and what the head and joint methods collect per fold."""

    fit_predict: dict[str, FitPredict] = field(default_factory=dict)
    fold_policies: dict[str, FoldPolicies] = field(default_factory=dict)  # each fold's refuse threshold
    joint_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    head: HeadFeatures | None = None


def run_loso(args: argparse.Namespace, *, base: str, var_dir: Path) -> int:
    try:
        inputs = loso_inputs(args, base=base, var_dir=var_dir)
        policy = load_policy()
        methods = loso_methods(args, inputs, policy, base=base, var_dir=var_dir)
        report = score_methods(args, inputs, methods, policy, base=base)
    except LosoError as exc:
        print(f"error: {exc}")
        return 2
    except TrainingInterrupted as exc:  # a --joint fold saved a checkpoint: the same command resumes it
        print(f"{exc}\nrun the same command again to resume")
        return 128 + exc.signum
    print(format_table(report))
    if args.folds:
        held_out = ", ".join(sorted({f.group for f in inputs.folds}))
        print(f"(--folds: these figures cover the held-out {held_out} only)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    if args.save_head is not None and methods.head is not None:
        save_recipe_head(args.save_head, methods.head, inputs, policy, report)
    draw_charts(args, report)
    return 0


def loso_inputs(args: argparse.Namespace, *, base: str, var_dir: Path) -> LosoInputs:
    """Check the options, read the rows and cut the folds (raises LosoError)."""
    specs = head_specs(args.layers)
    problem = usage_error(args, specs)
    if problem:
        raise LosoError(problem)
    files = [*args.data, *(PROJECT_FILES if args.project_data else ())]
    rows = load_rows(files, cap=args.cap)
    config = LosoConfig(
        head=HeadTrainConfig(epochs=args.epochs, refuse_allow=args.refuse_allow),
        eval_only=EVAL_ONLY_SOURCES | frozenset(args.eval_only),
        category_folds=frozenset(args.category_folds or ["enterprise_seed"]),
        max_benign_refused=args.max_benign_refused,
    )
    if len({r.source for r in rows}) < 2:
        raise LosoError("leave-one-source-out needs rows from at least two sources")
    folds = make_folds(rows, config)
    if args.folds:
        folds = select_folds(folds, [v.strip() for v in args.folds.split(",") if v.strip()])
    try:
        joint = joint_config(args.joint, args.joint_set, base=base, var_dir=var_dir) if args.joint else None
    except ConfigError as exc:
        raise LosoError(str(exc)) from exc
    baselines = [] if args.baselines == "none" else [b for b in args.baselines.split(",") if b]
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise LosoError(f"unknown baseline(s) {unknown}; choose from {', '.join(BASELINES)}")
    scored = sorted(i for f in folds for i in f.test)
    return LosoInputs(specs, files, rows, config, folds, scored, joint, baselines)


def head_method_name(args: argparse.Namespace, spec: str) -> str:
    """``so8t-L<spec>``, with the pooling and system prompt where not the runtime's, and the backend."""
    return (
        f"so8t-L{spec}"
        + "".join(f"-{v}" for v, plain in ((args.pooling, "last"), (args.system, "default")) if v != plain)
        + ("-llama_cpp" if args.gguf else "")
    )


def loso_methods(
    args: argparse.Namespace, inputs: LosoInputs, policy: PolicyConfig, *, base: str, var_dir: Path
) -> Methods:
    """The head methods (one per ``--layers`` entry), the joint method and the baselines asked for."""
    rows, config = inputs.rows, inputs.config
    methods = Methods()
    if inputs.head_layers:
        methods.head = HeadFeatures(
            *features(
                rows,
                base,
                args.features_cache,
                var_dir,
                args.feature_layers,
                inputs.head_layers,
                args.batch_size,
                args.pooling,
                args.system,
                args.gguf,
            )
        )
        feats, index = methods.head.feats, methods.head.index
        for spec, parts in inputs.specs.items():
            x = torch.cat([feats[index[v]] for v in parts], dim=1)  # one layer, or several side by side
            name = head_method_name(args, spec)
            collector = methods.fold_policies[name] = FoldPolicies(policy)
            methods.fit_predict[name] = head_method(x, rows, index[parts[-1]], policy, config, collector)
    if inputs.joint is not None:
        collector = methods.fold_policies["so8t-joint"] = FoldPolicies(policy)
        runs = args.joint_runs or var_dir / "loso" / "joint-runs"
        methods.fit_predict["so8t-joint"] = joint_method(
            rows, inputs.joint, runs, policy, config, collector, records=methods.joint_records
        )
    if "keyword" in inputs.baselines:
        methods.fit_predict["keyword"] = keyword_method(rows, policy)
    if "embed-lr" in inputs.baselines:
        emb = minilm_embeddings(rows, cache_file=var_dir / "features" / "minilm-l6-v2.pt")
        methods.fit_predict["embed-lr"] = embedding_lr_method(emb, rows)
    return methods


def score_methods(
    args: argparse.Namespace, inputs: LosoInputs, methods: Methods, policy: PolicyConfig, *, base: str
) -> dict[str, Any]:
    """Cross-predict every method over the folds: the report (protocol, per-method figures, acceptance)."""
    rows, scored = inputs.rows, inputs.scored
    report: dict[str, Any] = {
        "protocol": protocol(args, base, inputs.files, rows, inputs.folds, inputs.config),
        "methods": {},
    }
    if inputs.joint is not None:
        report["protocol"]["joint_train_config"] = inputs.joint.to_dict()
    judged = [rows[i] for i in scored]
    public = frozenset(r.source for r in judged if r.source not in PROJECT_SOURCES)  # the curve's sources
    for name, fit_predict in methods.fit_predict.items():
        folds = tqdm(inputs.folds, desc=f"LOSO {name}", unit="fold")
        probs = cross_predict(rows, folds, fit_predict, scored)
        collected = methods.fold_policies.get(name)
        summary = report["methods"][name] = summarise_method(
            judged, probs, collected.for_rows(scored) if collected else policy
        )
        if collected:
            summary["refuse_threshold_by_fold"] = collected.refuse_by_fold
        summary["allow_curve_public"] = allow_curve(judged, probs, sources=public)
    if methods.joint_records:
        report["methods"]["so8t-joint"]["training_by_fold"] = methods.joint_records
    report["acceptance"] = {name: acceptance(summary) for name, summary in report["methods"].items()}
    return report


def save_recipe_head(
    directory: Path, head: HeadFeatures, inputs: LosoInputs, policy: PolicyConfig, report: dict[str, Any]
) -> None:
    """``--save-head``: the recipe trained once on every trainable row at the first ``--layers`` layer."""
    layer = head.index[next(iter(inputs.specs.values()))[0]]
    trained, refuse = fit_shippable(head.feats[layer], inputs.rows, layer, policy, inputs.config)
    save_artefact(
        directory,
        trained,
        report=report,
        method=f"so8t-L{head.resolved[layer]}",
        config=inputs.config,
        refuse_threshold=refuse,
        **head.lm_info,
    )
    print(
        f"wrote {directory} (layer {head.resolved[layer]}, trained once on every trainable row; "
        f"calibrated refuse threshold {refuse:.2f}: serve it with SO8T_REFUSE_THRESHOLD={refuse:.2f})"
    )


def draw_charts(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """The bar chart and the ALLOW-threshold curve, next to ``--out`` unless ``--plot`` names the file."""
    plot = args.plot or (args.out.with_suffix(".png") if args.out else None)
    if plot is None:
        return
    try:
        bar_chart(report, plot)
        print(f"wrote {plot}")
        curve_plot = plot.with_name(f"{plot.stem}-curve{plot.suffix}")
        curves = {name: m["allow_curve_public"] for name, m in report["methods"].items()}
        curve_chart(curves, curve_plot, title="LOSO, public sources: ALLOW threshold swept")
        print(f"wrote {curve_plot}")
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart")

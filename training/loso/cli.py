"""``so8t eval --loso``: leave-one-source-out evaluation of the safety head recipe and the baselines."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.policy import load_policy
from model.prompt import SYSTEM_PROMPTS
from training.arg_types import non_negative, share
from training.datasets.catalogue import PROJECT_FILES, load_rows
from training.datasets.licences import EVAL_ONLY_SOURCES
from training.eval.baselines import minilm_embeddings
from training.head.features import POOLINGS
from training.head.thresholds import DEFAULT_MAX_BENIGN_REFUSED
from training.head.train import HeadTrainConfig
from training.lora.config import ConfigError
from training.lora.stopping import TrainingInterrupted
from training.loso.artefact import save_artefact
from training.loso.curve import allow_curve, curve_chart
from training.loso.inputs import features, protocol, usage_error
from training.loso.joint import add_joint_arguments, joint_config, joint_method
from training.loso.protocol import (
    FitPredict,
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


def run_loso(args: argparse.Namespace, *, base: str, var_dir: Path) -> int:
    try:
        specs = head_specs(args.layers)
    except LosoError as exc:
        print(f"error: {exc}")
        return 2
    problem = usage_error(args, specs)
    if problem:
        print(f"error: {problem}")
        return 2
    files = [*args.data, *(PROJECT_FILES if args.project_data else ())]
    rows = load_rows(files, cap=args.cap)
    config = LosoConfig(
        head=HeadTrainConfig(epochs=args.epochs, refuse_allow=args.refuse_allow),
        eval_only=EVAL_ONLY_SOURCES | frozenset(args.eval_only),
        category_folds=frozenset(args.category_folds or ["enterprise_seed"]),
        max_benign_refused=args.max_benign_refused,
    )
    if len({r.source for r in rows}) < 2:
        print("error: leave-one-source-out needs rows from at least two sources")
        return 2
    try:
        folds = make_folds(rows, config)
        if args.folds:
            folds = select_folds(folds, [v.strip() for v in args.folds.split(",") if v.strip()])
        joint = joint_config(args.joint, args.joint_set, base=base, var_dir=var_dir) if args.joint else None
    except (LosoError, ConfigError) as exc:
        print(f"error: {exc}")
        return 2
    scored = sorted(i for f in folds for i in f.test)  # every row, unless --folds picked some
    baselines = [] if args.baselines == "none" else [b for b in args.baselines.split(",") if b]
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        print(f"error: unknown baseline(s) {unknown}; choose from {', '.join(BASELINES)}")
        return 2
    policy = load_policy()
    methods: dict[str, FitPredict] = {}
    fold_policies: dict[str, FoldPolicies] = {}  # per head method: each fold's calibrated refuse threshold
    head_layers = list(dict.fromkeys(v for parts in specs.values() for v in parts))
    if head_layers:
        try:
            feats, resolved, lm_info = features(
                rows,
                base,
                args.features_cache,
                var_dir,
                args.feature_layers,
                head_layers,
                args.batch_size,
                args.pooling,
                args.system,
                args.gguf,
            )
        except LosoError as exc:
            print(f"error: {exc}")
            return 2
        index = {given: i for i, given in resolved.items()}
        for spec, parts in specs.items():
            x = torch.cat([feats[index[v]] for v in parts], dim=1)  # one layer, or several side by side
            name = (
                f"so8t-L{spec}"
                + "".join(
                    f"-{v}" for v, plain in ((args.pooling, "last"), (args.system, "default")) if v != plain
                )
                + ("-llama_cpp" if args.gguf else "")
            )
            collector = fold_policies[name] = FoldPolicies(policy)
            methods[name] = head_method(x, rows, index[parts[-1]], policy, config, collector)
    joint_records: dict[str, dict[str, Any]] = {}
    if joint is not None:
        collector = fold_policies["so8t-joint"] = FoldPolicies(policy)
        runs = args.joint_runs or var_dir / "loso" / "joint-runs"
        methods["so8t-joint"] = joint_method(
            rows, joint, runs, policy, config, collector, records=joint_records
        )
    if "keyword" in baselines:
        methods["keyword"] = keyword_method(rows, policy)
    if "embed-lr" in baselines:
        emb = minilm_embeddings(rows, cache_file=var_dir / "features" / "minilm-l6-v2.pt")
        methods["embed-lr"] = embedding_lr_method(emb, rows)

    report: dict[str, Any] = {"protocol": protocol(args, base, files, rows, folds, config), "methods": {}}
    if joint is not None:
        report["protocol"]["joint_train_config"] = joint.to_dict()
    judged = [rows[i] for i in scored]
    public = frozenset(r.source for r in judged if r.source not in PROJECT_SOURCES)  # the curve's sources
    for name, fit_predict in methods.items():
        try:
            probs = cross_predict(rows, tqdm(folds, desc=f"LOSO {name}", unit="fold"), fit_predict, scored)
        except LosoError as exc:
            print(f"error: {exc}")
            return 2
        except TrainingInterrupted as exc:  # a --joint fold saved a checkpoint: the same command resumes it
            print(f"{exc}\nrun the same command again to resume")
            return 128 + exc.signum
        collected = fold_policies.get(name)
        report["methods"][name] = summarise_method(
            judged, probs, collected.for_rows(scored) if collected else policy
        )
        if collected:
            report["methods"][name]["refuse_threshold_by_fold"] = collected.refuse_by_fold
        report["methods"][name]["allow_curve_public"] = allow_curve(judged, probs, sources=public)
    if joint_records:
        report["methods"]["so8t-joint"]["training_by_fold"] = joint_records
    report["acceptance"] = {name: acceptance(summary) for name, summary in report["methods"].items()}
    print(format_table(report))
    if args.folds:
        print(
            f"(--folds: these figures cover the held-out {', '.join(sorted({f.group for f in folds}))} only)"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    if args.save_head is not None and head_layers:
        layer = index[next(iter(specs.values()))[0]]
        head, refuse = fit_shippable(feats[layer], rows, layer, policy, config)
        save_artefact(
            args.save_head,
            head,
            report=report,
            method=f"so8t-L{resolved[layer]}",
            config=config,
            refuse_threshold=refuse,
            **lm_info,
        )
        print(
            f"wrote {args.save_head} (layer {resolved[layer]}, trained once on every trainable row; "
            f"calibrated refuse threshold {refuse:.2f}: serve it with SO8T_REFUSE_THRESHOLD={refuse:.2f})"
        )
    plot = args.plot or (args.out.with_suffix(".png") if args.out else None)
    if plot is not None:
        try:
            bar_chart(report, plot)
            print(f"wrote {plot}")
            curve_plot = plot.with_name(f"{plot.stem}-curve{plot.suffix}")
            curves = {name: m["allow_curve_public"] for name, m in report["methods"].items()}
            curve_chart(curves, curve_plot, title="LOSO, public sources: ALLOW threshold swept")
            print(f"wrote {curve_plot}")
        except ImportError:
            print("matplotlib is not installed (pip install -e '.[bench]'): no chart")
    return 0

"""``so8t nightly``: export reviewed cases -> snapshot -> train -> evaluate -> gate -> promote or keep.

Composes ``training.nightly.pipeline.run_nightly`` from the settings: the data sources, the training step
(``SO8T_NIGHTLY_MODE`` or ``--mode``: ``head`` refits the safety head on the served model's frozen
features, ``training.head.refit``; ``joint`` runs ``training.lora.trainer``), the trainer config
(``SO8T_NIGHTLY_TRAIN_CONFIG`` with ``--set`` overrides, its ``head_refit`` section for head mode; its
base model is the one the server uses), the serving policy and gate, and the model loader. Exit status:
0 succeeded or skipped (nothing new), 1 the run failed (the run row and the report say why), 2 bad
config or the schema is not migrated.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.cli.command import Command, Subparsers
from app.settings import Settings

log = logging.getLogger(__name__)
CRON_EXAMPLE = "30 2 * * *  cd /srv/so8t && .venv/bin/so8t nightly >> var/nightly/cron.log 2>&1"


def add_nightly_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "nightly",
        help="retrain on reviewed cases, gate the candidate and promote it or keep the current model",
        description="One nightly run: export the reviewed cases (PII-masked) and build a dataset snapshot "
        "with lineage; train a candidate (--mode head: refit the safety head on the served model's frozen "
        "features, keeping its adapter and gate; --mode joint: LoRA, gate and head with the trainer config); "
        "evaluate it and the current model on the "
        "snapshot's frozen test split (and SO8T_PROMOTION_HELDOUT_PATH); promote it if the gate passes, "
        "else keep the current model; write var/nightly/run-N-TIME/report.{md,html} and record the run. "
        "Skips training when fewer than SO8T_NIGHTLY_MIN_NEW_CASES reviewed cases are new. Exit status: "
        "0 succeeded or skipped, 1 the run failed (recorded with its error), 2 bad config, unmigrated "
        "database or a run already running.",
        epilog=f"cron: {CRON_EXAMPLE}",
    )
    p.add_argument("--force", action="store_true", help="train even without new reviewed cases")
    p.add_argument(
        "--mode",
        choices=("head", "joint"),
        help="head: retrain only the safety head on the served model's frozen features (adapter and gate "
        "kept; fast, little drift); joint: LoRA, gate and head together with the composite loss "
        "(default: SO8T_NIGHTLY_MODE, head)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a trainer config value, e.g. --set max_steps=50 (repeatable)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the run's result as JSON at the end")


def train_config_for(settings: Settings, overrides: Sequence[str]) -> Any:
    """The trainer config: the file, on the base model the server serves, then ``--set`` overrides."""
    from training.lora.config import load_config, with_overrides

    base = [f"base_model={settings.model_name_or_path}", f"var_dir={settings.var_dir}"]
    base.append(f"local_files_only={str(settings.local_files_only).lower()}")
    return with_overrides(load_config(settings.nightly_train_config), [*base, *overrides])


def _trainer(
    settings: Settings, *, mode: str, config: Any, policy: Any, progress: bool
) -> tuple[Callable[[Path], Any], Callable[..., Any]]:
    """``(load_runtime, train)`` for the pipeline: ``--mode head`` refits the safety head on the served
    model's frozen features; ``--mode joint`` runs the LoRA + head + gate trainer."""
    from app.serving.loader import load_model

    def load_runtime(artifact: Path) -> Any:
        return load_model(settings.model_copy(update={"head_dir": artifact})).runtime

    def train(train_rows: Any, val_rows: Any, out_dir: Path, *, current: Path) -> Any:
        if mode == "head":
            from model.loading import adapter_digest
            from training.head.refit import refit_head

            return refit_head(
                load_runtime(current),
                current,
                train_rows=train_rows,
                val_rows=val_rows,
                out_dir=out_dir,
                var_dir=settings.var_dir,
                policy=policy,
                config=config.head_refit,
                seed=config.seed,
                feature_tag=adapter_digest(settings.adapter_dir) if settings.adapter_dir else "",
                progress=progress,
            )
        from training.lora.trainer import train as run_trainer

        return run_trainer(
            config, train_rows=train_rows, val_rows=val_rows, out_dir=out_dir, progress=progress
        )

    return load_runtime, train


def _print_result(result: Any, *, as_json: bool) -> None:
    out = {
        "run_id": result.run_id,
        "status": result.status,
        "decision": result.decision,
        "candidate_version": result.candidate_version,
        "report": str(result.report_path) if result.report_path else None,
        "gate": result.summary.get("gate"),
        "timings_s": result.summary.get("timings_s"),
    }
    if as_json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(f"nightly run {result.run_id}: {result.status}, {result.decision}; report {out['report']}")


def run_nightly_command(args: argparse.Namespace, settings: Settings) -> int:
    from app import dbctl
    from app.cli.dataset import masker, sources_from
    from app.desks.models import gate_config_from
    from app.services import policy_from
    from app.serving.loader import default_head_dir
    from db.engine import make_engine, make_session_factory
    from training.datasets.rows import DataError
    from training.lora.config import ConfigError
    from training.nightly.pipeline import NightlyConfig, NightlyDeps, NightlyError, run_nightly

    engine = make_engine(settings.database_url)
    try:
        dbctl.require_head(engine)
        config = train_config_for(settings, args.set)
        mask = masker(settings)
    except (dbctl.SchemaNotAtHead, ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    progress = not args.no_progress
    policy = policy_from(settings)
    load_runtime, train = _trainer(
        settings, mode=args.mode or settings.nightly_mode, config=config, policy=policy, progress=progress
    )
    nightly = NightlyConfig(
        sources=sources_from(settings),
        datasets_root=settings.var_dir / "datasets",
        runs_root=settings.var_dir / "nightly",
        registry_root=settings.registry_dir,
        gate=gate_config_from(settings),
        heldout=settings.promotion_heldout_path,
        min_new_cases=settings.nightly_min_new_cases,
    )
    deps = NightlyDeps(
        sessions=make_session_factory(engine),
        policy=policy,
        train=train,
        load_runtime=load_runtime,
        served_artifact=settings.head_dir or default_head_dir(),
        mask=mask,
        # text logs already show each step; with JSON logs (for shippers) people get plain lines on stdout
        say=print if settings.log_format == "json" else (lambda _: None),
        progress=progress,
    )
    try:
        result = run_nightly(nightly, deps, force=args.force)
    except NightlyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the run row, the report and the log hold the details
        print(f"error: the nightly run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    _print_result(result, as_json=args.json)
    return 0


COMMANDS = (Command("nightly", add_nightly_parser, run_nightly_command),)

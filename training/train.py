"""``python -m training.train`` and ``so8t train``: the LoRA adapter, safety head and SO(8) gate from JSONL.

Thin: read the config and the rows, call :func:`training.lora.trainer.train`, print what came out. Exit
status 0 done, 1 training failed (an emergency checkpoint was saved), 2 bad config or data,
128 + N stopped by signal N (130 SIGINT, 143 SIGTERM) after saving a checkpoint to resume from.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.datasets.rows import DataError, SafetyRow, read_rows, split_of
from training.lora.config import ConfigError, load_config, with_overrides

log = logging.getLogger(__name__)
DEFAULT_CONFIG = Path("configs/train.yaml")
DESCRIPTION = (
    "Train TaskHeadA's LoRA adapter together with SafetyHeadB and the SO(8) gate (QLoRA on CUDA with "
    "bitsandbytes, full-precision LoRA otherwise) with the composite loss, early stopping, autosave and "
    "resume; writes OUT/artifact (serve it with SO8T_HEAD_DIR), OUT/history.json, OUT/loss_curve.png "
    "and OUT/checkpoints/. Without --val, rows are split by a hash of their text: 'val' rows validate, "
    "'test' rows are left out (the frozen test split), the rest train. Rows without task_output train "
    "the safety head only."
)
EPILOG = (
    "example: so8t train --config configs/train.yaml --data ../shared/benchdata/dev.jsonl --out var/runs/r1 "
    "--set max_steps=40   (Ctrl-C saves a checkpoint; add --resume to continue)"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="training config YAML (default: %(default)s)"
    )
    p.add_argument("--data", type=Path, action="append", required=True, help="JSONL rows (repeatable)")
    p.add_argument("--val", type=Path, help="JSONL validation rows (default: the hash split of --data)")
    p.add_argument("--out", type=Path, required=True, help="run folder: artifact, history, checkpoints")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set max_steps=20 --set lora.r=8 (repeatable)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_train_parser(sub: Any) -> None:
    add_arguments(
        sub.add_parser(
            "train",
            help="train the LoRA adapter + safety head + SO(8) gate (composite loss, autosave, resume)",
            description=DESCRIPTION,
            epilog=EPILOG,
        )
    )


def split_rows(rows: Sequence[SafetyRow]) -> tuple[list[SafetyRow], list[SafetyRow], int]:
    """(train, val, number of held-out test rows) by the deterministic text-hash split."""
    parts: dict[str, list[SafetyRow]] = {"train": [], "val": [], "test": []}
    for row in rows:
        parts[split_of(row)].append(row)
    return parts["train"], parts["val"], len(parts["test"])


def run_train(args: argparse.Namespace) -> int:
    try:
        config = with_overrides(load_config(args.config), args.set)
        rows = _unique([row for path in args.data for row in read_rows(path)])
        if args.val is not None:
            train_rows, val_rows, held = rows, read_rows(args.val), 0
        else:
            train_rows, val_rows, held = split_rows(rows)
        if not train_rows or not val_rows:
            raise DataError(
                f"{len(train_rows)} training and {len(val_rows)} validation rows: need both "
                "(give more rows or --val FILE)"
            )
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(train_rows)} training rows, {len(val_rows)} validation rows ({held} test rows left out)")
    from training.lora.trainer import TrainError, TrainingInterrupted, train  # torch and peft load here

    try:
        result = train(
            config,
            train_rows=train_rows,
            val_rows=val_rows,
            out_dir=args.out,
            resume=args.resume,
            progress=not args.no_progress,
        )
    except TrainingInterrupted as exc:
        print(f"{exc}\nresume with the same command and --resume", file=sys.stderr)
        return 128 + exc.signum
    except (TrainError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        log.exception("training failed")
        print(
            f"error: training failed ({exc}); an emergency checkpoint is in {args.out / 'checkpoints'}",
            file=sys.stderr,
        )
        return 1
    m = result.metrics
    val = m["val"]["overall"]
    print(
        f"{m['placement']}: {m['step']} steps ({'stopped early' if result.stopped_early else 'complete'}), "
        f"best step {result.best_step}, {m['examples_per_second']:.2f} examples/s\n"
        f"validation (calibrated, T={m['temperature']:.2f}): safety score {val['safety_score']:.3f}, "
        f"refuse recall {val['refuse_recall']:.3f}, over-refusal {val['over_refusal']:.3f}\n"
        f"wrote {result.artifact_dir} (serve it: SO8T_HEAD_DIR={result.artifact_dir}), "
        f"{args.out / 'history.json'}, {args.out / 'loss_curve.png'}"
    )
    return 0


def _unique(rows: list[SafetyRow]) -> list[SafetyRow]:
    """The same context + prompt counts once (the first row wins)."""
    seen: dict[str, SafetyRow] = {}
    for row in rows:
        seen.setdefault(row.text_hash(), row)
    return list(seen.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=DESCRIPTION, epilog=EPILOG)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    return run_train(args)


if __name__ == "__main__":
    sys.exit(main())

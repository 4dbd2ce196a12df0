"""``so8t eval --loso --joint CONFIG``: the LoRA, safety head and SO(8) gate trained jointly in every fold.

The frozen-feature head (:func:`training.loso.protocol.head_method`) reads one fixed hidden state; here
each fold
runs the real trainer (:func:`training.lora.trainer.train_then_judge`: the composite loss, source-balanced,
early stopping, temperature on validation) on the fold's training rows and judges its held-out rows with
the trained model, so the LOSO figures say whether training the representation itself transfers better.

- Nothing of the held-out source may reach a fold: the committed head was trained on every source, so a
  warm start from it (``head.init_from``) is switched off, and the protocol records that.
- Each fold trains in ``RUNS/<group>/`` with the trainer's autosave and resume: an interrupted run
  continues where it stopped, and a finished fold's held-out probabilities are kept in
  ``held_out.json`` (with a digest of its rows and config) and reused by the next run.
- One fold takes hours on a CPU for the default model (about 0.3 examples/s); ``--folds`` runs a subset.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from model.labels import Decision
from model.policy import PolicyConfig
from training.datasets.rows import SafetyRow
from training.head.features import replace_atomically
from training.head.thresholds import fit_refuse_threshold
from training.lora.batching import rows_digest
from training.lora.config import ConfigError, TrainConfig
from training.loso.protocol import FitPredict, Fold, FoldPolicies, LosoConfig, LosoError, Probs

PROBS_FILE = "held_out.json"


def for_loso(config: TrainConfig) -> TrainConfig:
    """The training config every fold uses: no warm start from a head that saw the held-out source."""
    return replace(config, head=replace(config.head, init_from=None))


def fold_dir(runs: Path, group: str) -> Path:
    return runs / re.sub(r"[^A-Za-z0-9_.-]", "_", group)


def joint_method(
    rows: Sequence[SafetyRow],
    train_config: TrainConfig,
    runs: Path,
    policy: PolicyConfig,
    config: LosoConfig,
    policies: FoldPolicies | None = None,
    *,
    records: dict[str, dict[str, Any]] | None = None,
    progress: bool = True,
) -> FitPredict:
    """One joint training per fold (in ``runs``); each fold's refuse threshold fitted on its validation
    rows when ``policies`` is given; per-fold training facts go to ``records``."""
    train_config = for_loso(train_config)

    def fit_predict(fold: Fold) -> Probs:
        from training.lora.trainer import (  # torch, peft and transformers load here
            TrainError,
            train_then_judge,
        )

        train_rows, val_rows = [rows[i] for i in fold.train], [rows[i] for i in fold.val]
        test_rows = [rows[i] for i in fold.test]
        out = fold_dir(runs, fold.group)
        digest = _digest(train_rows, val_rows, test_rows, train_config)
        kept = _kept(out / PROBS_FILE, digest)
        if kept is None:
            try:
                result, probs = train_then_judge(
                    train_config,
                    train_rows=train_rows,
                    val_rows=val_rows,
                    judge=test_rows,
                    out_dir=out,
                    resume=True,
                    progress=progress,
                )
            except (TrainError, ConfigError) as exc:  # e.g. another config's checkpoint there: name the fold
                raise LosoError(f"joint training for fold {fold.group} in {out}: {exc}") from exc
            facts = {
                k: result.metrics.get(k)
                for k in ("step", "best_step", "stopped_early", "examples_per_second")
            }
            kept = {
                "digest": digest,
                "facts": facts,
                "probs": [_plain(p) for p in [*result.val_probs, *probs]],
            }
            text = json.dumps(kept) + "\n"
            replace_atomically(out / PROBS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        probs = [{Decision(k): float(v) for k, v in p.items()} for p in kept["probs"]]
        if records is not None:
            records[fold.group] = kept["facts"]
        val_probs, test_probs = probs[: len(val_rows)], probs[len(val_rows) :]
        if policies is not None:
            refuse = fit_refuse_threshold(
                val_probs, val_rows, policy, max_benign_refused=config.max_benign_refused
            )
            policies.record(fold, refuse)
        return test_probs

    return fit_predict


def _digest(
    train_rows: Sequence[SafetyRow],
    val_rows: Sequence[SafetyRow],
    test_rows: Sequence[SafetyRow],
    config: TrainConfig,
) -> str:
    text = json.dumps(
        [rows_digest(train_rows, val_rows), rows_digest(test_rows, []), config.to_dict()],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _kept(path: Path, digest: str) -> dict[str, Any] | None:
    """A finished fold's stored result, if it was made from the same rows and config."""
    if not path.is_file():
        return None
    stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return stored if stored.get("digest") == digest else None


def _plain(probs: dict[Decision, float]) -> dict[str, float]:
    return {label.value: value for label, value in probs.items()}


def add_joint_arguments(g: Any) -> None:
    """The ``--joint`` options of ``so8t eval --loso`` (an argparse argument group)."""
    g.add_argument(
        "--joint",
        type=Path,
        metavar="CONFIG",
        help="also train the LoRA adapter + safety head + SO(8) gate jointly in every fold with so8t train's "
        "config (e.g. configs/train.yaml; the base model is this command's, head.init_from is switched off "
        "so no fold sees its held-out source): method so8t-joint. Hours per fold on a CPU: see --folds",
    )
    g.add_argument(
        "--joint-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value of the --joint config, as so8t train --set (repeatable)",
    )
    g.add_argument(
        "--joint-runs",
        type=Path,
        metavar="DIR",
        help="where each fold trains (default VAR/loso/joint-runs): an interrupted run resumes from its "
        "checkpoint, and a finished fold (same rows, same config) is reused",
    )
    g.add_argument(
        "--folds",
        metavar="SOURCE,...",
        help="hold out only these sources (comma separated); training still uses every other source, and "
        "the figures then cover the held-out sources given only",
    )


def joint_config(path: Path, overrides: Sequence[str], *, base: str, var_dir: Path) -> TrainConfig:
    """The --joint config with its overrides, on this command's base model (raises ConfigError)."""
    from training.lora.config import load_config, with_overrides

    config = with_overrides(load_config(path), list(overrides))
    return for_loso(replace(config, base_model=base, var_dir=str(var_dir)))

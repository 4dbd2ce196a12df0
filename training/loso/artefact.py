"""The head artefact whose recipe a leave-one-source-out report describes (``so8t eval --loso --save-head``).

The head is trained once on every trainable row; the folder gets the head, the full LOSO report
(``loso.json``) and a manifest with the base model, tokenizer hash, layer, temperature, data mix with
licences, and the recipe's LOSO figures — the same artefact format ``so8t train-head`` writes, so
``SO8T_HEAD_DIR`` can point at it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.artifacts import write_manifest
from model.head import SafetyHead, save_head
from training.loso.protocol import LosoConfig


def save_artefact(
    directory: Path,
    head: SafetyHead,
    *,
    report: dict[str, Any],
    method: str,
    config: LosoConfig,
    base_model: str,
    tokenizer_sha256: str,
    n_layers: int,
    refuse_threshold: float,
) -> str:
    """Write head + loso.json + manifest.json into ``directory``; returns the content hash."""
    if head.config.layer == n_layers:  # hidden_states' last entry is stored as -1, as train-head does
        head.config = replace(head.config, layer=-1)
    save_head(head, directory)
    (directory / "loso.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    protocol = report["protocol"]
    trained = sorted(s for s in protocol["rows_by_source"] if s not in config.eval_only)
    return write_manifest(
        directory,
        base_model=base_model,
        tokenizer_sha256=tokenizer_sha256,
        layer=head.config.layer,
        temperature=head.config.temperature,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_config=asdict(config.head),
        recipe="so8t eval --loso --save-head: frozen features, source-balanced class weights, "
        "trained on every trainable row (epoch, temperature and refuse threshold on the hash-split "
        "validation rows)",
        data={
            "files": {Path(p).name: digest for p, digest in protocol["files"].items()},
            "cap_per_source_label": protocol["cap_per_source_label"],
            "trained_on": {s: protocol["rows_by_source"][s] for s in trained},
            "licences": {s: protocol["licences"][s] for s in trained},
            "never_trained_on": protocol["eval_only_sources"],
        },
        loso={
            "macro_public": report["methods"][method]["macro_public"],
            "macro_all": report["methods"][method]["macro"],
            "acceptance": report["acceptance"][method],
        },
        policy_version=protocol["policy_version"],
        calibrated_thresholds={"refuse": refuse_threshold, "max_benign_refused": config.max_benign_refused},
    )

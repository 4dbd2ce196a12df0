"""``so8t dataset build``, and the dataset sources and PII masking that ``so8t nightly`` uses too."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.cli.actor import ACTOR_ROLE, actor
from app.cli.command import Command, Subparsers
from app.cli.lifecycle import lifecycle_command
from app.settings import Settings


def add_dataset_parser(sub: Subparsers) -> None:
    ds = sub.add_parser("dataset", help="dataset snapshots for training")
    ds_act = ds.add_subparsers(dest="dataset_command", required=True, metavar="ACTION")
    build = ds_act.add_parser(
        "build",
        help="export reviewed cases and build a snapshot (seed set + SO8T_NIGHTLY_DATA_PATHS + cases)",
    )
    build.add_argument("--json", action="store_true")


def run_dataset(args: argparse.Namespace, settings: Settings, sessions: sessionmaker[Session]) -> int:
    from training.datasets.snapshot import build_snapshot

    with sessions.begin() as s:
        built = build_snapshot(
            session=s,
            sources=sources_from(settings),
            root=settings.var_dir / "datasets",
            now=datetime.now(UTC),
            actor=actor(),
            actor_role=ACTOR_ROLE,
            mask=masker(settings),
        )
    out = {
        "snapshot_id": built.snapshot_id,
        "content_sha256": built.content_sha256,
        "path": str(built.path),
        "created": built.created,
        "examples": len(built.examples),
        "splits": {sp: len(built.rows(sp)) for sp in ("train", "val", "test")},
        "reviewed_cases": len(built.case_ids()),
        "new_cases": built.new_cases,
    }
    print(json.dumps(out, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))
    return 0


def sources_from(settings: Settings) -> Any:
    from training.datasets.catalogue import PROJECT_SETS, SEED_SET
    from training.datasets.snapshot import DatasetSources

    project = PROJECT_SETS if settings.nightly_project_sets else ()
    return DatasetSources(
        files=project + tuple(settings.nightly_data_paths),
        sample_cap=settings.nightly_sample_cap,
        seed_set=SEED_SET if settings.nightly_seed_set else None,
    )


def masker(settings: Settings) -> Any:
    """The review desk's PII masking: what reaches a dataset. ``DataError`` when NER is wanted but down:
    a snapshot would then hold Japanese rows masked whole (``[TEXT]``, useless to train on) or, with
    ``SO8T_PII_NER_DOWN=degrade``, names and addresses unmasked — neither may become training data."""
    from pii.masker import MaskingConfig, NerState, PiiMasker
    from training.datasets.rows import DataError

    pii = PiiMasker(MaskingConfig(use_ner=settings.pii_ner, ner_down=settings.pii_ner_down))
    pii.load()
    health = pii.ner_health
    if health.state is NerState.DOWN:
        raise DataError(
            f"PII NER is down ({health.reason}): no dataset snapshot is built while names and addresses "
            "cannot be masked; fix it (docs/RUNBOOK.md, SO8TPiiNerDown) or set SO8T_PII_NER=false to "
            "build with the pattern recognisers only"
        )
    return lambda text: pii.mask(text).text


COMMANDS = (Command("dataset", add_dataset_parser, lifecycle_command(run_dataset)),)

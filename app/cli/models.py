"""``so8t models list|register|lineage``: the model registry.

Thin: parse, call the registry services in one transaction, print (JSON with ``--json``). Exit status:
0 done, 2 bad input or state (unknown version, bad artifact, schema not migrated).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.cli.actor import ACTOR_ROLE, actor
from app.cli.command import Command, Subparsers
from app.cli.lifecycle import lifecycle_command
from app.settings import Settings


def add_models_parser(sub: Subparsers) -> None:
    models = sub.add_parser("models", help="the model registry: list versions, register an artifact, lineage")
    act = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    lst = act.add_parser("list", help="every registered version with its status and headline metrics")
    lst.add_argument("--json", action="store_true", help="print JSON")
    reg = act.add_parser("register", help="add a trained artifact folder as a candidate version")
    reg.add_argument("artifact", type=Path, help="artifact folder (manifest.json + safety head [+ adapter])")
    lin = act.add_parser("lineage", help="the dataset snapshot and reviewed cases a version learned from")
    lin.add_argument("version", help="a version or a unique prefix of it")
    lin.add_argument("--json", action="store_true")


def run_models(args: argparse.Namespace, settings: Settings, sessions: sessionmaker[Session]) -> int:
    from app.desks.models import model_view
    from training.lifecycle.lineage import lineage_of
    from training.lifecycle.registry import list_versions, register

    now = datetime.now(UTC)
    if args.models_command == "register":
        with sessions.begin() as s:
            model = register(
                session=s, artifact_dir=args.artifact, now=now, actor=actor(), actor_role=ACTOR_ROLE
            )
            print(f"{model.version}: {model.status} (promote it with `so8t promote {model.version}`)")
        return 0
    with sessions() as s:
        if args.models_command == "lineage":
            lineage = lineage_of(session=s, version=args.version)
            if args.json:
                print(json.dumps(lineage.to_json(), indent=2))
            else:
                print(f"{lineage.version}: snapshot {lineage.snapshot_sha256 or '(none)'}")
                for split, ids in lineage.case_ids.items():
                    print(
                        f"  {split:<5} {len(ids):>5} reviewed cases: {', '.join(map(str, ids[:30]))}"
                        f"{' …' if len(ids) > 30 else ''}"
                    )
            return 0
        views = [model_view(m) for m in list_versions(session=s, limit=1000)]
    if args.json:
        print(json.dumps([v.model_dump(mode="json") for v in views], indent=2, ensure_ascii=False))
        return 0
    if not views:
        print("the registry is empty (the first `so8t nightly` registers the model served now)")
    for v in views:
        test = v.metrics.get("test", {})
        figures = ", ".join(
            f"{k} {test[k]:.3f}" for k in ("safety_score", "refuse_recall", "over_refusal") if k in test
        )
        print(f"{v.status:<10} {v.version:<48} {v.created_at:%Y-%m-%d %H:%M} {figures}")
    return 0


COMMANDS = (Command("models", add_models_parser, lifecycle_command(run_models)),)

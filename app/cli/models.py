"""``so8t models list|register|lineage``, ``so8t promote``, ``so8t rollback``, ``so8t dataset build``.

Thin: parse, call the registry / gate services in one transaction, print (JSON with ``--json``). A
promotion or rollback made here reaches a running server within ``SO8T_MODEL_RELOAD_INTERVAL_SECONDS``
(or at once with ``POST /v1/admin/models/reload``). Exit status: 0 done, 1 the gate said no, 2 bad
input or state (unknown version, nothing to evaluate on, schema not migrated).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.cli.actor import ACTOR_ROLE, actor
from app.settings import Settings


def add_models_parsers(sub: Any) -> None:
    models = sub.add_parser("models", help="the model registry: list versions, register an artifact, lineage")
    act = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    lst = act.add_parser("list", help="every registered version with its status and headline metrics")
    lst.add_argument("--json", action="store_true", help="print JSON")
    reg = act.add_parser("register", help="add a trained artifact folder as a candidate version")
    reg.add_argument("artifact", type=Path, help="artifact folder (manifest.json + safety head [+ adapter])")
    lin = act.add_parser("lineage", help="the dataset snapshot and reviewed cases a version learned from")
    lin.add_argument("version", help="a version or a unique prefix of it")
    lin.add_argument("--json", action="store_true")

    pro = sub.add_parser(
        "promote",
        help="run the promotion gate on a version and serve it if it passes",
        description="Evaluate the version and the current model on the frozen test split of the version's "
        "dataset snapshot (and SO8T_PROMOTION_HELDOUT_PATH); promote only if safety score >= current - "
        "SO8T_PROMOTION_EPSILON, refuse recall >= SO8T_PROMOTION_REFUSE_RECALL_FLOOR and over-refusal <= "
        "SO8T_PROMOTION_OVER_REFUSAL_CEILING on every set. Audited as model.promoted.",
    )
    pro.add_argument("version", help="a version or a unique prefix of it (see `so8t models list`)")
    pro.add_argument("--reason", default="", help="why (audited; default: the gate's summary)")
    pro.add_argument("--force", action="store_true", help="skip the gate (needs --reason; audited as forced)")
    pro.add_argument("--json", action="store_true")

    rb = sub.add_parser("rollback", help="serve an earlier version again (audited as model.rollback)")
    rb.add_argument("version", nargs="?", help="the version to serve (default: the one promoted before)")
    rb.add_argument("--reason", required=True, help="why (audited)")
    rb.add_argument("--json", action="store_true")

    ds = sub.add_parser("dataset", help="dataset snapshots for training")
    ds_act = ds.add_subparsers(dest="dataset_command", required=True, metavar="ACTION")
    build = ds_act.add_parser(
        "build",
        help="export reviewed cases and build a snapshot (seed set + SO8T_NIGHTLY_DATA_PATHS + cases)",
    )
    build.add_argument("--json", action="store_true")


def _sessions(settings: Settings) -> sessionmaker[Session]:
    from app import dbctl
    from db.engine import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    dbctl.require_head(engine)
    return make_session_factory(engine)


def run_models_command(args: argparse.Namespace, settings: Settings) -> int:
    from app import dbctl
    from model.artifacts import ArtifactError
    from training.datasets.rows import DataError
    from training.lifecycle.registry import RegistryError

    try:
        sessions = _sessions(settings)
        if args.command == "models":
            return _models(args, sessions)
        if args.command == "dataset":
            return _dataset(args, settings, sessions)
        if args.command == "rollback":
            return _rollback(args, sessions)
        from app.cli.promote import run_promote

        return run_promote(args, settings, sessions)
    except (RegistryError, ArtifactError, DataError, dbctl.SchemaNotAtHead) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _models(args: argparse.Namespace, sessions: sessionmaker[Session]) -> int:
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


def _rollback(args: argparse.Namespace, sessions: sessionmaker[Session]) -> int:
    from training.lifecycle.registry import rollback

    with sessions.begin() as s:
        model = rollback(
            session=s,
            now=datetime.now(UTC),
            actor=actor(),
            actor_role=ACTOR_ROLE,
            reason=args.reason,
            to=args.version,
        )
        version = model.version
    if args.json:
        print(json.dumps({"promoted": version}))
    else:
        print(f"rolled back: {version} is the promoted version (servers switch within their reload interval)")
    return 0


def _dataset(args: argparse.Namespace, settings: Settings, sessions: sessionmaker[Session]) -> int:
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
    """The review desk's PII masking: what reaches a dataset."""
    from pii.masker import MaskingConfig, PiiMasker

    pii = PiiMasker(MaskingConfig(use_ner=settings.pii_ner))
    return lambda text: pii.mask(text).text

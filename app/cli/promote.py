"""``so8t promote VERSION`` (the promotion gate from the shell, models loaded one at a time) and
``so8t rollback``: which registered version is served.

A promotion or rollback made here reaches a running server within ``SO8T_MODEL_RELOAD_INTERVAL_SECONDS``
(or at once with ``POST /v1/admin/models/reload``). Exit status: 0 done, 1 the gate said no, 2 bad input
or state (unknown version, nothing to evaluate on, schema not migrated).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from app.cli.actor import ACTOR_ROLE, actor
from app.cli.command import Command, Subparsers
from app.cli.lifecycle import lifecycle_command
from app.settings import Settings

if TYPE_CHECKING:
    from model.runtime import Runtime


def add_promote_parser(sub: Subparsers) -> None:
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


def add_rollback_parser(sub: Subparsers) -> None:
    rb = sub.add_parser("rollback", help="serve an earlier version again (audited as model.rollback)")
    rb.add_argument("version", nargs="?", help="the version to serve (default: the one promoted before)")
    rb.add_argument("--reason", required=True, help="why (audited)")
    rb.add_argument("--json", action="store_true")


def loader(settings: Settings) -> Callable[[Path], Runtime]:
    """Artifact folder -> its runtime on the configured base model (as the server would load it)."""
    from app.serving.loader import load_model

    def load(artifact: Path) -> Runtime:
        return load_model(settings.model_copy(update={"head_dir": artifact})).runtime

    return load


def run_promote(args: argparse.Namespace, settings: Settings, sessions: sessionmaker[Session]) -> int:
    from app.desks.models import gate_config_from
    from app.services import policy_from
    from app.serving.loader import default_head_dir
    from training.lifecycle.promotion import gate_sets, run_gate
    from training.lifecycle.registry import ensure_baseline, find_version, promote

    now = datetime.now(UTC)
    if args.force and not args.reason.strip():
        print("error: --force needs a --reason (it is audited)", file=sys.stderr)
        return 2
    with sessions.begin() as s:  # the model served before the registry existed becomes its baseline
        current = ensure_baseline(
            session=s, artifact_dir=settings.head_dir or default_head_dir(), now=now, actor=actor()
        )
        target = find_version(session=s, version=args.version)
        version, artifact, current_path = (
            target.version,
            Path(target.artifact_path),
            Path(current.artifact_path),
        )
        same = current.version == version
        sets = (
            {}
            if args.force
            else gate_sets(session=s, version=version, heldout=settings.promotion_heldout_path)
        )
    if same:
        print(f"error: {version} is already the promoted version", file=sys.stderr)
        return 2
    gate = None
    if not args.force:
        if not sets:
            print(
                "error: nothing to evaluate on: build a dataset snapshot first (`so8t dataset build` or "
                "`so8t nightly`) or set SO8T_PROMOTION_HELDOUT_PATH",
                file=sys.stderr,
            )
            return 2
        load = loader(settings)
        print(
            f"evaluating {version} and the current {current.version} on "
            f"{', '.join(f'{k} ({len(v)} rows)' for k, v in sets.items())}",
            file=sys.stderr if args.json else sys.stdout,  # --json: stdout holds the JSON only
            flush=True,
        )
        outcome = run_gate(
            candidate=lambda: load(artifact),
            current=lambda: load(current_path),
            sets=sets,
            policy=policy_from(settings),
            config=gate_config_from(settings),
        )
        gate = outcome.result
        if not gate.passed:
            _print(args, {"promoted": False, "version": version, "gate": gate.to_json()}, gate.summary())
            return 1
        with sessions.begin() as s:
            row = find_version(session=s, version=version)
            row.metrics = {**(row.metrics or {}), **outcome.candidate}
    reason = args.reason.strip() or (gate.summary() if gate else "")
    with sessions.begin() as s:
        promote(
            session=s,
            version=version,
            now=datetime.now(UTC),
            actor=actor(),
            actor_role=ACTOR_ROLE,
            reason=reason,
            gate=gate.to_json() if gate else {"forced": True},
        )
    text = (gate.summary() + "\n" if gate else "gate skipped (--force)\n") + (
        f"promoted {version}; servers switch within SO8T_MODEL_RELOAD_INTERVAL_SECONDS "
        "(or POST /v1/admin/models/reload)"
    )
    _print(args, {"promoted": True, "version": version, "gate": gate.to_json() if gate else None}, text)
    return 0


def _print(args: argparse.Namespace, data: dict[str, object], text: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text)


def run_rollback(args: argparse.Namespace, settings: Settings, sessions: sessionmaker[Session]) -> int:
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


COMMANDS = (
    Command("promote", add_promote_parser, lifecycle_command(run_promote)),
    Command("rollback", add_rollback_parser, lifecycle_command(run_rollback)),
)

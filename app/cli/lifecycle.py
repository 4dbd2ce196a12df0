"""What the model-lifecycle commands share (``models``, ``promote``, ``rollback``, ``dataset``): the
registry's database, checked to be at the schema head, and one exit status for their known errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app.cli.command import Run
from app.settings import Settings

LifecycleRun = Callable[[argparse.Namespace, Settings, sessionmaker[Session]], int]


def lifecycle_sessions(settings: Settings) -> sessionmaker[Session]:
    from app import dbctl
    from db.engine import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    dbctl.require_head(engine)
    return make_session_factory(engine)


def lifecycle_command(run: LifecycleRun) -> Run:
    """``run`` with the registry's sessions; an unknown version, a bad artifact or data, or an
    unmigrated schema prints ``error: …`` and exits 2."""

    def command(args: argparse.Namespace, settings: Settings) -> int:
        from app import dbctl
        from model.artifacts import ArtifactError
        from training.datasets.rows import DataError
        from training.lifecycle.registry import RegistryError

        try:
            return run(args, settings, lifecycle_sessions(settings))
        except (RegistryError, ArtifactError, DataError, dbctl.SchemaNotAtHead) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return command

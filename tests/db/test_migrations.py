"""Migrations upgrade, downgrade and upgrade again, and match the models (no drift), on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import db.registry  # noqa: F401  (registers the training-loop tables on Base.metadata)
from app import dbctl
from db.base import Base
from db.engine import make_engine

TABLES = {
    "users",
    "conversations",
    "decisions",
    "cases",
    "case_reviews",
    "audit_events",
    "audit_chain_head",
    "dataset_snapshots",
    "dataset_lineage",
    "model_versions",
    "nightly_runs",
    "alembic_version",
}


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        dbctl.upgrade(engine)
        assert set(inspect(engine).get_table_names()) == TABLES
        assert dbctl.current(engine) == dbctl.head(engine) == "0005"
        dbctl.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert dbctl.current(engine) is None
        dbctl.upgrade(engine)
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        dbctl.upgrade(engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], f"models differ from migrations: {diff}"
    finally:
        engine.dispose()

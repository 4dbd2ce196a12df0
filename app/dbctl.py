"""Running the Alembic migrations programmatically (``so8t db upgrade``, tests, ``make run``)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["configure_logger"] = False
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head(engine: Engine) -> str | None:
    """The newest revision the installed migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


class SchemaNotAtHead(RuntimeError):
    """The database's schema is not the one this code was written for."""


def require_head(engine: Engine) -> str | None:
    """The schema revision, if it is the newest this code knows; else ``SchemaNotAtHead`` (don't serve)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        at = current(engine)
    except SQLAlchemyError as exc:
        raise SchemaNotAtHead(f"cannot read the database's schema version: {type(exc).__name__}") from exc
    newest = head(engine)
    if at != newest:
        raise SchemaNotAtHead(
            f"the database schema is at {at or 'nothing (an empty database)'}, this version needs {newest}: "
            "run `so8t db upgrade` (or the migration job) before serving"
        )
    return newest

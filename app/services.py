"""The composition root: settings -> engine, sessions, model, agent. Built once at start-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.agent import Agent
from app.model_loader import LoadedModel, load_model
from app.settings import Settings
from db.engine import make_engine, make_session_factory
from model.policy import PolicyConfig, load_policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    agent: Agent

    def db_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("database not reachable", exc_info=True)
            return False
        return True


def policy_from(settings: Settings) -> PolicyConfig:
    """The policy file with the thresholds the settings override."""
    return load_policy().with_thresholds(allow=settings.allow_threshold, refuse=settings.refuse_threshold)


def build_services(settings: Settings, *, model: LoadedModel | None = None, load: bool = True) -> Services:
    """Wire everything. A model that fails to load leaves the agent failing closed (ESCALATE).

    ``load=False`` skips loading the model (for commands that only need the database or the API schema).
    """
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    policy = policy_from(settings)
    error = None
    if model is None and not load:
        error = "model loading was skipped"
    elif model is None:
        try:
            model = load_model(settings)
        except Exception as exc:
            log.exception("model failed to load; every request will be escalated until it is fixed")
            error = f"{type(exc).__name__}: {exc}"
    agent = Agent(settings=settings, policy=policy, sessions=sessions, model=model, model_error=error)
    return Services(settings=settings, engine=engine, sessions=sessions, agent=agent)

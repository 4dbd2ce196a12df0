"""Serving the promoted model without a restart: the registry is the source of truth, this follows it.

``ModelSwitch`` holds what the agent and the review desk serve. ``sync()`` looks up the registry's
promoted version; when it differs from what this process serves, it loads that artifact (the base model
plus the artifact, verified, as at start-up) and then swaps it into the agent and the desk in one step
under a lock. New requests get the new model, and its ``model_version`` is what their decisions record;
a request already running keeps the model it started with for its whole run (``Agent.pinned``). If
loading fails, the old model keeps serving and the error is reported.

The server calls ``sync()`` every ``SO8T_MODEL_RELOAD_INTERVAL_SECONDS`` (a daemon thread, like the SLA
sweeper), after a promotion or rollback in the Admin tab, and on ``POST /v1/admin/models/reload``, so a
promotion by ``so8t promote`` / ``so8t nightly`` (another process, another machine) reaches every replica.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.ops.interval import IntervalThread
from app.serving.loader import LoadedModel, load_model
from app.settings import Settings
from training.lifecycle.registry import current_version

log = logging.getLogger(__name__)


class Serves(Protocol):  # the agent and the review desk: whatever holds a ``model`` attribute
    model: LoadedModel | None


@dataclass(frozen=True)
class Promoted:
    version: str
    artifact: Path


@dataclass(frozen=True)
class SyncResult:
    changed: bool
    served: str  # the version served after the call
    previous: str
    promoted: str | None  # what the registry names (None: nothing promoted yet)
    error: str | None = None


def promoted_in(sessions: sessionmaker[Session]) -> Promoted | None:
    """The registry's promoted version; None when there is none or the registry cannot be read."""
    try:
        with sessions() as s:
            model = current_version(session=s)
            return Promoted(model.version, Path(model.artifact_path)) if model else None
    except SQLAlchemyError as exc:  # e.g. the schema predates the registry: serve what the settings say
        log.warning(
            "the model registry cannot be read (%s); serving the configured model", type(exc).__name__
        )
        return None


class ModelSwitch:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        holders: list[Serves],
        load: Callable[[Path], LoadedModel],
        interval_s: float = 0.0,
        synced: str | None = None,
    ) -> None:
        self.sessions, self.holders, self.load = sessions, holders, load
        self.synced = synced  # the registry version this process last followed
        self._lock = threading.Lock()
        self._thread = IntervalThread(
            name="so8t-model-switch", interval_s=interval_s, tick=self.sync, first=None
        )
        self.last_error: str | None = None

    @property
    def served(self) -> str:
        model = self.holders[0].model if self.holders else None
        return model.model_version if model else "unavailable"

    def _serve(self, model: LoadedModel) -> None:
        for holder in self.holders:  # plain attribute stores: each reader sees the old or the new model
            holder.model = model
            if hasattr(holder, "model_error"):  # the agent: it no longer fails closed for a load error
                setattr(holder, "model_error", None)  # noqa: B010

    def sync(self, *, loaded: LoadedModel | None = None) -> SyncResult:
        """Follow the registry: load and serve its promoted version if this process serves another.

        ``loaded``: the promoted model, already loaded by the caller (the Admin tab's gate loads it).
        """
        with self._lock:  # one sync at a time: two callers must not load the same model twice
            previous = self.served
            promoted = promoted_in(self.sessions)
            if promoted is None or promoted.version in (previous, self.synced):
                if promoted is not None:
                    self.synced = promoted.version
                return SyncResult(False, previous, previous, promoted.version if promoted else None)
            try:
                fits = loaded is not None and loaded.model_version == promoted.version
                model = loaded if loaded is not None and fits else self.load(promoted.artifact)
            except Exception as exc:  # keep serving what works; say why
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception(
                    "could not load promoted model %s; still serving %s", promoted.version, previous
                )
                return SyncResult(False, previous, previous, promoted.version, self.last_error)
            if model.model_version != promoted.version:
                log.warning(
                    "promoted %s loads as %s (an external adapter?)", promoted.version, model.model_version
                )
            self.last_error, self.synced = None, promoted.version
            self._serve(model)
        log.info("now serving promoted model %s (was %s)", model.model_version, previous)
        return SyncResult(True, model.model_version, previous, promoted.version)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()


def served_settings(settings: Settings, sessions: sessionmaker[Session]) -> Settings:
    """The settings to load at start-up: the registry's promoted artifact, if any, as the head folder."""
    promoted = promoted_in(sessions)
    return settings if promoted is None else settings.model_copy(update={"head_dir": promoted.artifact})


def switch_for(settings: Settings, sessions: sessionmaker[Session], holders: list[Serves]) -> ModelSwitch:
    """The switch the server runs: artifacts load as at start-up, the registry is checked periodically."""
    return ModelSwitch(
        sessions=sessions,
        holders=holders,
        load=lambda artifact: load_model(settings.model_copy(update={"head_dir": artifact})),
        interval_s=settings.model_reload_interval_seconds,
    )

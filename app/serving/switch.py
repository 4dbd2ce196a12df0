"""Serving the promoted model without a restart: the registry is the source of truth, this follows it.

``ModelSwitch`` holds what the agent and the review desk serve. ``sync()`` looks up the registry's
promoted version; when it differs from what this process serves, it loads that artifact (the base model
plus the artifact, verified, as at start-up) and then swaps it into the agent and the desk in one step
under a lock. New requests get the new model, and its ``model_version`` is what their decisions record;
a request already running keeps the model it started with for its whole run (``Agent.pinned``). If
loading fails -- an altered file, a missing manifest, or a folder re-manifested after registration, so it
loads as another version than the registry promoted -- the old model keeps serving, the error is logged
and kept in ``last_error`` (the reload's answer), and the next check tries again.

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


class ArtifactChanged(RuntimeError):
    """The promoted artifact's folder now holds another model than the one registered and promoted."""


def check_loaded_as(model: LoadedModel, promoted: Promoted) -> None:
    """Refuse a model whose version is not the promoted one: its folder was altered after registration,
    its manifest rewritten to match (a changed byte or a missing manifest already fails to load). Only an
    adapter from outside the artifact (``SO8T_ADAPTER_DIR``) may add to the version (``+lora-…``)."""
    version = model.model_version
    if version != promoted.version and not version.startswith(promoted.version + "+"):
        raise ArtifactChanged(
            f"the artifact at {promoted.artifact} now loads as {version}, not the promoted "
            f"{promoted.version}: it was changed after it was registered"
        )


class ModelSwitch:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        holders: list[Serves],
        load: Callable[[Path], LoadedModel],
        interval_s: float = 0.0,
        synced: str | None = None,
        same_version: bool = True,
        on_failure: Callable[[], None] = lambda: None,  # metrics: told of every refused reload
    ) -> None:
        self.sessions, self.holders, self.load = sessions, holders, load
        # the loaded model must carry the promoted version (off for llama_cpp: it serves its GGUF's head)
        self.same_version = same_version
        self.on_failure = on_failure
        self.synced = synced  # the registry version this process last followed
        self._lock = threading.Lock()
        self._thread = IntervalThread(
            name="so8t-model-switch", interval_s=interval_s, tick=self.sync, first=None
        )
        self.last_error: str | None = None
        self._failed: str | None = None  # the promoted version whose load failed last (logged in full once)

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
                if self.same_version:
                    check_loaded_as(model, promoted)
            except Exception as exc:  # keep serving what works; say why
                return self._refused(promoted, previous, exc)
            if model.model_version != promoted.version:
                log.warning(
                    "promoted %s loads as %s (an external adapter?)", promoted.version, model.model_version
                )
            self.last_error, self.synced, self._failed = None, promoted.version, None
            self._serve(model)
        log.info("now serving promoted model %s (was %s)", model.model_version, previous)
        return SyncResult(True, model.model_version, previous, promoted.version)

    def _refused(self, promoted: Promoted, previous: str, exc: Exception) -> SyncResult:
        """A promoted model that cannot be served: logged (the traceback once per version; each periodic
        retry after that in one line), ``last_error`` set, the previous model kept."""
        self.last_error = f"{type(exc).__name__}: {exc}"
        message = "could not load promoted model %s (%s); still serving %s"
        if self._failed == promoted.version:
            log.error(message, promoted.version, self.last_error, previous)
        else:
            log.exception(message, promoted.version, self.last_error, previous)
        self._failed = promoted.version
        self.on_failure()
        return SyncResult(False, previous, previous, promoted.version, self.last_error)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()


def served_settings(settings: Settings, sessions: sessionmaker[Session]) -> Settings:
    """The settings to load at start-up: the registry's promoted artifact, if any, as the head folder."""
    promoted = promoted_in(sessions)
    return settings if promoted is None else settings.model_copy(update={"head_dir": promoted.artifact})


def switch_for(
    settings: Settings,
    sessions: sessionmaker[Session],
    holders: list[Serves],
    on_failure: Callable[[], None] = lambda: None,
) -> ModelSwitch:
    """The switch the server runs: artifacts load as at start-up, the registry is checked periodically."""
    return ModelSwitch(
        sessions=sessions,
        holders=holders,
        load=lambda artifact: load_model(settings.model_copy(update={"head_dir": artifact})),
        interval_s=settings.model_reload_interval_seconds,
        same_version=settings.backend == "transformers",
        on_failure=on_failure,
    )

"""The model registry as the Admin tab and the admin API use it: role checks, transactions, the gate.

Every method takes the acting ``Principal`` and requires the ``admin`` permission (checked here, on the
server). Promotion runs the promotion gate (candidate vs the current model on the frozen test split and
the held-out file) unless forced, records the promotion with its audit event in one transaction, and
then switches this process to the new model at once (other replicas follow within
``SO8T_MODEL_RELOAD_INTERVAL_SECONDS``). Rollback needs no gate: it returns to a version that served.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.identity.accounts import Principal
from app.services import Services
from app.serving.loader import LoadedModel, default_head_dir
from app.serving.switch import ModelSwitch, SyncResult
from app.settings import Settings
from audit.log import append_event
from db.registry import ModelVersion, NightlyRun
from model.policy import PolicyConfig
from review.queue import ReviewError
from training.lifecycle.promotion import GateConfig, GateOutcome, gate_sets, run_gate
from training.lifecycle.registry import (
    RegistryError,
    current_version,
    ensure_baseline,
    find_version,
    headline,
    list_versions,
    promote,
    rollback,
)


class AdminPermissionError(ReviewError):
    """Only administrators manage models."""


class ModelView(BaseModel):
    id: int
    version: str
    status: str
    created_at: datetime
    created_by: str
    promoted_at: datetime | None
    promoted_by: str | None
    reason: str | None
    snapshot_id: int | None
    artifact_path: str
    metrics: dict[str, dict[str, float]]  # per evaluation set: count, safety_score, refuse_recall, ...


class RunView(BaseModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    decision: str | None
    candidate_version: str | None
    new_cases: int
    report_path: str | None
    error: str | None


class ReloadView(BaseModel):
    changed: bool
    served: str
    previous: str
    promoted: str | None
    error: str | None = None


class PromoteView(BaseModel):
    promoted: bool
    version: str
    served: str
    gate: dict[str, Any] | None = None  # passed, checks, reasons (None when forced)
    reasons: list[str] = []


def model_view(m: ModelVersion) -> ModelView:
    return ModelView(
        id=m.id,
        version=m.version,
        status=m.status,
        created_at=m.created_at,
        created_by=m.created_by,
        promoted_at=m.promoted_at,
        promoted_by=m.promoted_by,
        reason=m.reason,
        snapshot_id=m.snapshot_id,
        artifact_path=m.artifact_path,
        metrics=headline(m.metrics or {}),
    )


def run_view(r: NightlyRun) -> RunView:
    return RunView(
        id=r.id,
        started_at=r.started_at,
        finished_at=r.finished_at,
        status=r.status,
        decision=r.decision,
        candidate_version=r.candidate_version,
        new_cases=r.new_cases,
        report_path=r.report_path,
        error=r.error,
    )


def reload_view(result: SyncResult) -> ReloadView:
    return ReloadView(
        changed=result.changed,
        served=result.served,
        previous=result.previous,
        promoted=result.promoted,
        error=result.error,
    )


@dataclass
class ModelAdmin:
    sessions: sessionmaker[Session]
    switch: ModelSwitch
    policy: PolicyConfig
    gate: GateConfig
    heldout: Path | None = None
    baseline: Path | None = None  # the artifact served before the registry had a promoted version
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def models(self, who: Principal, limit: int = 50) -> list[ModelView]:
        _need_admin(who)
        with self.sessions() as s:
            return [model_view(m) for m in list_versions(session=s, limit=limit)]

    def runs(self, who: Principal, limit: int = 20) -> list[RunView]:
        _need_admin(who)
        with self.sessions() as s:
            rows = s.scalars(select(NightlyRun).order_by(NightlyRun.id.desc()).limit(limit))
            return [run_view(r) for r in rows]

    def reload(self, who: Principal) -> ReloadView:
        """Follow the registry now; audited as ``model.reload`` with what changed."""
        _need_admin(who)
        result = self.switch.sync()
        with self.sessions.begin() as s:
            append_event(
                session=s,
                event_type="model.reload",
                actor=who.username,
                actor_role=who.role,
                payload={
                    "changed": result.changed,
                    "served": result.served,
                    "previous": result.previous,
                    "promoted": result.promoted,
                    "error": result.error,
                },
                now=self.clock(),
            )
        return reload_view(result)

    def promote(
        self, who: Principal, version: str, reason: str, *, force: bool = False, progress: bool = False
    ) -> PromoteView:
        """Gate, then promote and serve ``version`` (``force``: skip the gate; the event says so)."""
        _need_admin(who)
        with self.sessions.begin() as s:
            if self.baseline is not None:  # rollback must be able to return to the model served now
                ensure_baseline(session=s, artifact_dir=self.baseline, now=self.clock(), actor=who.username)
            model = find_version(session=s, version=version)
            target, artifact = model.version, Path(model.artifact_path)
            current = current_version(session=s)
            sets = gate_sets(session=s, version=target, heldout=self.heldout) if not force else {}
        loaded: list[LoadedModel] = []

        def load_candidate() -> Any:
            loaded.append(self.switch.load(artifact))
            return loaded[0].runtime

        outcome: GateOutcome | None = None
        if not force:
            outcome = run_gate(
                candidate=load_candidate,
                current=self._current_loader(current),
                sets=sets,
                policy=self.policy,
                config=self.gate,
                progress=progress,
            )
            if not outcome.result.passed:
                return PromoteView(
                    promoted=False,
                    version=target,
                    served=self.switch.served,
                    gate=outcome.result.to_json(),
                    reasons=outcome.result.reasons,
                )
        gate = outcome.result.to_json() if outcome else {"forced": True}
        with self.sessions.begin() as s:
            if outcome is not None:
                row = find_version(session=s, version=target)
                row.metrics = {**(row.metrics or {}), **outcome.candidate}
            promote(
                session=s,
                version=target,
                now=self.clock(),
                actor=who.username,
                actor_role=who.role,
                reason=reason,
                gate=gate,
            )
        result = self.switch.sync(loaded=loaded[0] if loaded else None)
        return PromoteView(
            promoted=True, version=target, served=result.served, gate=gate if outcome else None
        )

    def rollback(self, who: Principal, reason: str, to: str | None = None) -> ReloadView:
        _need_admin(who)
        with self.sessions.begin() as s:
            rollback(
                session=s, now=self.clock(), actor=who.username, actor_role=who.role, reason=reason, to=to
            )
        return reload_view(self.switch.sync())

    def _current_loader(self, current: ModelVersion | None) -> Callable[[], Any] | None:
        if current is None:
            return None
        served = self.switch.holders[0].model if self.switch.holders else None
        if served is not None and served.model_version == current.version:
            return lambda: served.runtime  # the model serving now: no second copy in memory
        path = Path(current.artifact_path)
        return lambda: self.switch.load(path).runtime


def gate_config_from(settings: Settings) -> GateConfig:
    return GateConfig(
        epsilon=settings.promotion_epsilon,
        refuse_recall_floor=settings.promotion_refuse_recall_floor,
        over_refusal_ceiling=settings.promotion_over_refusal_ceiling,
    )


def admin_of(services: Services) -> ModelAdmin:
    """The model administration of a running app (its model switch, policy and gate settings)."""
    assert services.models is not None, "build_services makes the model switch"
    return ModelAdmin(
        sessions=services.sessions,
        switch=services.models,
        policy=services.agent.policy,
        gate=gate_config_from(services.settings),
        heldout=services.settings.promotion_heldout_path,
        baseline=services.settings.head_dir or default_head_dir(),
    )


def _need_admin(who: Principal) -> None:
    if not who.can("admin"):
        raise AdminPermissionError(f"the {who.role} role may not manage models (admin only)")


__all__ = ["AdminPermissionError", "ModelAdmin", "ModelView", "PromoteView", "RegistryError", "RunView"]

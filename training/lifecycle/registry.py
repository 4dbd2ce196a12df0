"""The model registry: register artifacts, promote one, reject, roll back — every change audited.

A version is named as the app names the model it serves (``base_model+content_sha256[:12]`` of the
artifact's verified manifest), so the ``model_version`` of every decision finds its registry row. At most
one version is ``promoted`` (a partial unique index says so too); promoting retires the one before it.
Each change appends ``model.registered`` / ``model.promoted`` / ``model.rejected`` / ``model.rollback``
to the audit chain in the caller's transaction (flushed, never committed here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.registry import ModelVersion
from db.statuses import ModelStatus
from model.artifacts import read_verified


class RegistryError(ValueError):
    """A registry action that cannot be done; the message is for the person who asked."""


@dataclass(frozen=True)
class ArtifactInfo:
    version: str
    sha256: str
    base_model: str
    path: Path


def artifact_info(directory: Path) -> ArtifactInfo:
    """The version an artifact folder is served as (its manifest verified: altered files are refused)."""
    manifest = read_verified(directory)
    digest = str(manifest["content_sha256"])
    base = str(manifest.get("base_model") or "unknown")
    return ArtifactInfo(f"{base}+{digest[:12]}", digest, base, directory.resolve())


def find_version(*, session: Session, version: str, lock: bool = False) -> ModelVersion:
    """A version by its full name or a unique prefix (or ``#ID``)."""
    query = select(ModelVersion)
    if version.startswith("#") and version[1:].isdigit():
        query = query.where(ModelVersion.id == int(version[1:]))
    else:
        query = query.where(ModelVersion.version.startswith(version, autoescape=True))
    found = list(session.scalars(query.with_for_update() if lock else query).all())
    exact = [m for m in found if m.version == version]
    if exact:
        return exact[0]
    if not found:
        raise RegistryError(f"no model version {version!r} in the registry (see `so8t models list`)")
    if len(found) > 1:
        raise RegistryError(f"{version!r} names {len(found)} versions; give more of it")
    return found[0]


def current_version(*, session: Session, lock: bool = False) -> ModelVersion | None:
    query = select(ModelVersion).where(ModelVersion.status == ModelStatus.PROMOTED)
    return session.scalar(query.with_for_update() if lock else query)


def list_versions(*, session: Session, limit: int = 100) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit)))


def register(
    *,
    session: Session,
    artifact_dir: Path,
    now: datetime,
    actor: str,
    actor_role: str,
    metrics: dict[str, Any] | None = None,
    snapshot_id: int | None = None,
    status: str = ModelStatus.CANDIDATE,
    reason: str | None = None,
) -> ModelVersion:
    """Add an artifact to the registry (the same artifact twice: the existing row, unchanged)."""
    if status not in (ModelStatus.CANDIDATE, ModelStatus.PROMOTED):
        raise RegistryError("a new version is registered as candidate (or promoted, for the baseline)")
    info = artifact_info(artifact_dir)
    existing = session.scalar(select(ModelVersion).where(ModelVersion.version == info.version))
    if existing is not None:
        return existing
    if status == ModelStatus.PROMOTED and current_version(session=session) is not None:
        raise RegistryError("a promoted version exists; register as candidate and promote it")
    model = ModelVersion(
        version=info.version,
        artifact_path=str(info.path),
        artifact_sha256=info.sha256,
        base_model=info.base_model,
        metrics=metrics or {},
        snapshot_id=snapshot_id,
        status=status,
        created_at=now,
        created_by=actor,
        promoted_at=now if status == ModelStatus.PROMOTED else None,
        promoted_by=actor if status == ModelStatus.PROMOTED else None,
        reason=reason,
    )
    session.add(model)
    session.flush()
    _audit(session, "model.registered", model, actor, actor_role, now, status=status, reason=reason)
    return model


def ensure_baseline(*, session: Session, artifact_dir: Path, now: datetime, actor: str) -> ModelVersion:
    """The promoted version; on an empty registry, the artifact served now is registered as promoted."""
    current = current_version(session=session)
    if current is not None:
        return current
    return register(
        session=session,
        artifact_dir=artifact_dir,
        now=now,
        actor=actor,
        actor_role="system",
        status=ModelStatus.PROMOTED,
        reason="baseline: the model served before the registry had a promoted version",
    )


def promote(
    *,
    session: Session,
    version: str,
    now: datetime,
    actor: str,
    actor_role: str,
    reason: str,
    gate: dict[str, Any] | None = None,
    event_type: str = "model.promoted",
) -> ModelVersion:
    """Make ``version`` the served model; the version before it is retired."""
    if not reason.strip():
        raise RegistryError("give a reason")
    model = find_version(session=session, version=version, lock=True)
    previous = current_version(session=session, lock=True)
    if previous is not None and previous.id == model.id:
        raise RegistryError(f"{model.version} is already the promoted version")
    if not Path(model.artifact_path).is_dir():
        raise RegistryError(f"the artifact of {model.version} is missing at {model.artifact_path}")
    artifact_info(Path(model.artifact_path))  # still intact
    if previous is not None:
        previous.status, previous.reason = ModelStatus.RETIRED, f"replaced by {model.version}"
        session.flush()  # the one-promoted index: retire first
    model.status, model.promoted_at, model.promoted_by, model.reason = (
        ModelStatus.PROMOTED,
        now,
        actor,
        reason,
    )
    session.flush()
    _audit(
        session,
        event_type,
        model,
        actor,
        actor_role,
        now,
        previous=previous.version if previous else None,
        reason=reason,
        gate=gate,
    )
    return model


def reject(
    *, session: Session, version: str, now: datetime, actor: str, actor_role: str, reason: str
) -> ModelVersion:
    model = find_version(session=session, version=version, lock=True)
    if model.status == ModelStatus.PROMOTED:
        raise RegistryError("the promoted version cannot be rejected; roll back first")
    model.status, model.reason = ModelStatus.REJECTED, reason
    session.flush()
    _audit(session, "model.rejected", model, actor, actor_role, now, reason=reason)
    return model


def rollback(
    *, session: Session, now: datetime, actor: str, actor_role: str, reason: str, to: str | None = None
) -> ModelVersion:
    """Serve an earlier version again: ``to``, or the one promoted before the current one."""
    current = current_version(session=session, lock=True)
    if to is None:
        earlier = session.scalars(
            select(ModelVersion)
            .where(ModelVersion.status == ModelStatus.RETIRED, ModelVersion.promoted_at.is_not(None))
            .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc())
        ).first()
        if earlier is None:
            raise RegistryError("no earlier promoted version to roll back to")
        to = earlier.version
    target = find_version(session=session, version=to)
    if target.status == ModelStatus.REJECTED:
        raise RegistryError(f"{target.version} was rejected by the gate; promote it explicitly if you must")
    if current is not None and current.id == target.id:
        raise RegistryError(f"{target.version} is already the promoted version")
    return promote(
        session=session,
        version=target.version,
        now=now,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        event_type="model.rollback",
    )


def _audit(
    session: Session,
    event_type: str,
    model: ModelVersion,
    actor: str,
    actor_role: str,
    now: datetime,
    **extra: Any,
) -> None:
    append_event(
        session=session,
        event_type=event_type,
        actor=actor,
        actor_role=actor_role,
        payload={
            "version": model.version,
            "artifact_sha256": model.artifact_sha256,
            "snapshot_id": model.snapshot_id,
            "status": model.status,
            "metrics": headline(model.metrics),
            **{k: v for k, v in extra.items() if v is not None},
        },
        now=now,
    )


def headline(metrics: dict[str, Any]) -> dict[str, Any]:
    """safety score, refuse recall and over-refusal of each evaluation set in ``metrics`` (rounded)."""
    keys = ("count", "safety_score", "refuse_recall", "over_refusal", "accuracy")
    out = {}
    for name, report in sorted(metrics.items()):
        overall = report.get("overall") if isinstance(report, dict) else None
        if isinstance(overall, dict):
            out[name] = {k: round(float(overall[k]), 4) for k in keys if k in overall}
    return out

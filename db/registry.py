"""Tables of the training loop: dataset snapshots, their lineage, the model registry and nightly runs.

A **dataset snapshot** is one frozen training set, named by the SHA-256 of its content; its examples are
written to a JSONL file beside it. **Lineage** rows tie each example that came from a reviewed case to
the case and the snapshot, so a model version (which names its snapshot) can list the human reviews it
learned from. The **model registry** holds every model artifact the system may serve, with its metrics
and status (at most one ``promoted``); **nightly runs** record each run of ``so8t nightly``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime
from db.statuses import ModelStatus, RunDecision, RunStatus

MODEL_STATUSES: tuple[str, ...] = tuple(ModelStatus)
SPLITS = ("train", "val", "test")
NIGHTLY_STATUSES: tuple[str, ...] = tuple(RunStatus)
NIGHTLY_DECISIONS: tuple[str, ...] = tuple(RunDecision)


class DatasetSnapshot(Base):
    """One frozen training set: examples (``path``), counts and where they came from."""

    __tablename__ = "dataset_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)  # the examples JSONL
    examples: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # by split, label, source, lang
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)  # files and their SHA-256, reviewed cases


class DatasetLineage(Base):
    """An example made from a reviewed case, in one snapshot: case id -> example id -> snapshot."""

    __tablename__ = "dataset_lineage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("dataset_snapshots.id"), index=True)
    example_id: Mapped[str] = mapped_column(String(128))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    split: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("snapshot_id", "example_id"),)


class ModelVersion(Base):
    """A model artifact the system may serve. ``version`` is ``base_model+content_sha256[:12]``, the
    ``model_version`` every decision records; ``status`` is candidate / promoted / retired / rejected."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(160), unique=True)
    artifact_path: Mapped[str] = mapped_column(Text)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    base_model: Mapped[str] = mapped_column(String(128))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_snapshots.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    promoted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why the status last changed

    __table_args__ = (
        # the database itself allows at most one promoted (served) version
        Index(
            "ux_model_versions_promoted",
            "status",
            unique=True,
            sqlite_where=text("status = 'promoted'"),
            postgresql_where=text("status = 'promoted'"),
        ),
    )


class NightlyRun(Base):
    """One run of ``so8t nightly``: what it trained on, what it produced and what the gate decided."""

    __tablename__ = "nightly_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    triggered_by: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_snapshots.id"), nullable=True)
    new_cases: Mapped[int] = mapped_column(Integer, default=0)
    candidate_version: Mapped[str | None] = mapped_column(String(160), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    report_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

"""Lineage queries: which reviewed cases a model version learned from, and which versions used a case.

A model version names the dataset snapshot it was trained on; the snapshot's lineage rows name the
cases behind its examples, with their split. ``train`` cases are what the model learned from; ``val``
cases chose the checkpoint (early stopping); ``test`` cases were only used to evaluate it (the frozen
test split is never trained on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.registry import DatasetLineage, DatasetSnapshot, ModelVersion
from training.lifecycle.registry import find_version


@dataclass(frozen=True)
class Lineage:
    version: str
    snapshot_id: int | None
    snapshot_sha256: str | None
    case_ids: dict[str, list[int]] = field(default_factory=dict)  # by split: train, val, test

    @property
    def learned_from(self) -> list[int]:
        """The reviewed cases in the training split."""
        return self.case_ids.get("train", [])

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "snapshot_id": self.snapshot_id,
            "snapshot_sha256": self.snapshot_sha256,
            "learned_from": self.learned_from,
            "case_ids": self.case_ids,
        }


def snapshot_cases(*, session: Session, snapshot_id: int) -> dict[str, list[int]]:
    rows = session.execute(
        select(DatasetLineage.split, DatasetLineage.case_id)
        .where(DatasetLineage.snapshot_id == snapshot_id)
        .order_by(DatasetLineage.case_id)
    ).all()
    out: dict[str, list[int]] = {"train": [], "val": [], "test": []}
    for split, case_id in rows:
        out.setdefault(split, []).append(case_id)
    return out


def lineage_of(*, session: Session, version: str) -> Lineage:
    """The snapshot and reviewed cases behind ``version`` (a full version or a unique prefix)."""
    model = find_version(session=session, version=version)
    if model.snapshot_id is None:  # registered from outside a snapshot (e.g. the committed head)
        return Lineage(model.version, None, None, {"train": [], "val": [], "test": []})
    snapshot = session.get(DatasetSnapshot, model.snapshot_id)
    assert snapshot is not None  # a foreign key
    return Lineage(
        model.version,
        snapshot.id,
        snapshot.content_sha256,
        snapshot_cases(session=session, snapshot_id=snapshot.id),
    )


def versions_trained_on(*, session: Session, case_id: int) -> list[str]:
    """The model versions whose training split held ``case_id``."""
    return list(
        session.scalars(
            select(ModelVersion.version)
            .join(DatasetLineage, DatasetLineage.snapshot_id == ModelVersion.snapshot_id)
            .where(DatasetLineage.case_id == case_id, DatasetLineage.split == "train")
            .order_by(ModelVersion.id)
        )
    )

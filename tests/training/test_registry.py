"""The model registry on both backends: register, promote, reject, roll back — audited, one promoted at
a time — and lineage: a model version lists the reviewed cases it learned from."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from db.registry import ModelVersion
from model.artifacts import ArtifactError
from tests.training.reviewed_cases import Spec, review
from training.datasets.snapshot import DatasetSources, build_snapshot
from training.lifecycle.lineage import lineage_of, versions_trained_on
from training.lifecycle.registry import (
    RegistryError,
    artifact_info,
    current_version,
    ensure_baseline,
    find_version,
    promote,
    register,
    reject,
    rollback,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ADMIN: dict[str, Any] = {"actor": "root", "actor_role": "admin"}


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def event_types(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEvent.event_type).order_by(AuditEvent.seq)))


def test_promote_and_rollback_are_audited_and_one_version_is_promoted(
    sessions: sessionmaker[Session], forced_heads: dict[str, Path]
) -> None:
    allow, refuse, escalate = (forced_heads[d] for d in ("ALLOW", "REFUSE", "ESCALATE"))
    with sessions.begin() as s:
        base = ensure_baseline(session=s, artifact_dir=allow, now=NOW, actor="nightly")
        assert base.status == "promoted" and base.version == artifact_info(allow).version
        assert ensure_baseline(session=s, artifact_dir=refuse, now=NOW, actor="nightly").id == base.id
        a = register(session=s, artifact_dir=refuse, now=NOW, **ADMIN)
        b = register(session=s, artifact_dir=escalate, now=NOW, **ADMIN)
        assert register(session=s, artifact_dir=refuse, now=NOW, **ADMIN).id == a.id  # idempotent
        versions = base.version, a.version, b.version
    with sessions.begin() as s:
        promote(session=s, version=versions[1], now=NOW + timedelta(minutes=1), reason="gate passed", **ADMIN)
    with sessions.begin() as s:
        promote(session=s, version=versions[2][:20], now=NOW + timedelta(minutes=2), reason="better", **ADMIN)
    with sessions() as s:
        assert current_version(session=s).version == versions[2]  # type: ignore[union-attr]
        statuses = {m.version: m.status for m in s.scalars(select(ModelVersion))}
        assert statuses == {versions[0]: "retired", versions[1]: "retired", versions[2]: "promoted"}
    with sessions.begin() as s:  # default: back to the version promoted before the current one
        back = rollback(session=s, now=NOW + timedelta(minutes=3), reason="complaints", **ADMIN)
        assert back.version == versions[1]
    with sessions.begin() as s:
        rollback(session=s, now=NOW + timedelta(minutes=4), reason="to the baseline", to=versions[0], **ADMIN)
    with sessions() as s:
        current = current_version(session=s)
        assert current is not None and current.version == versions[0] and current.promoted_by == "root"
        assert event_types(s) == ["model.registered"] * 3 + ["model.promoted"] * 2 + ["model.rollback"] * 2
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.payload["previous"] == versions[1]
        assert last.payload["reason"] == "to the baseline" and last.actor == "root"
        assert verify_chain(session=s).ok


def test_the_database_allows_one_promoted_version(
    sessions: sessionmaker[Session], forced_heads: dict[str, Path]
) -> None:
    with sessions.begin() as s:
        ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="t")
        other = register(session=s, artifact_dir=forced_heads["REFUSE"], now=NOW, **ADMIN)
        other_id = other.id
    with pytest.raises(IntegrityError), sessions.begin() as s:
        row = s.get(ModelVersion, other_id)
        assert row is not None
        row.status = "promoted"  # around the service: the partial unique index refuses it


def test_registry_errors_say_what_is_wrong(
    sessions: sessionmaker[Session], forced_heads: dict[str, Path], tmp_path: Path
) -> None:
    with sessions.begin() as s:
        base = ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="t")
        cand = register(session=s, artifact_dir=forced_heads["REFUSE"], now=NOW, **ADMIN)
        base_v, cand_v = base.version, cand.version
    with sessions.begin() as s:
        with pytest.raises(RegistryError, match="no model version"):
            find_version(session=s, version="nope")
        with pytest.raises(RegistryError, match="names 2 versions"):
            find_version(session=s, version="tiny-qwen2+")
        with pytest.raises(RegistryError, match="already the promoted"):
            promote(session=s, version=base_v, now=NOW, reason="again", **ADMIN)
        with pytest.raises(RegistryError, match="cannot be rejected"):
            reject(session=s, version=base_v, now=NOW, reason="x", **ADMIN)
        with pytest.raises(RegistryError, match="no earlier promoted"):
            rollback(session=s, now=NOW, reason="x", **ADMIN)
        reject(session=s, version=cand_v, now=NOW, reason="gate failed", **ADMIN)
    with sessions.begin() as s, pytest.raises(RegistryError, match="was rejected"):
        rollback(session=s, now=NOW, reason="x", to=cand_v, **ADMIN)
    altered = shutil.copytree(forced_heads["ESCALATE"], tmp_path / "altered")
    (altered / "safety_head.json").write_text("{}", encoding="utf-8")
    with sessions.begin() as s, pytest.raises(ArtifactError):
        register(session=s, artifact_dir=altered, now=NOW, **ADMIN)


def test_lineage_of_a_version_lists_the_cases_it_learned_from(
    sessions: sessionmaker[Session], forced_heads: dict[str, Path], tmp_path: Path
) -> None:
    with sessions.begin() as s:
        case_ids = review(s, [Spec(f"Please approve expense claim {i}") for i in range(20)], now=NOW)
    with sessions.begin() as s:
        built = build_snapshot(
            session=s, sources=DatasetSources(seed_set=None), root=tmp_path, now=NOW, actor="t"
        )
        model = register(
            session=s, artifact_dir=forced_heads["REFUSE"], now=NOW, snapshot_id=built.snapshot_id, **ADMIN
        )
        version = model.version
        baseline = ensure_baseline(session=s, artifact_dir=forced_heads["ALLOW"], now=NOW, actor="t")
    expected = {split: built.case_ids(split) for split in ("train", "val", "test")}
    assert sum(map(len, expected.values())) == 20 and expected["train"]
    with sessions() as s:
        lineage = lineage_of(session=s, version=version[:18])
        assert lineage.learned_from == sorted(expected["train"])
        assert lineage.case_ids == expected and lineage.snapshot_sha256 == built.content_sha256
        assert lineage_of(session=s, version=baseline.version).learned_from == []
        train_case = expected["train"][0]
        assert versions_trained_on(session=s, case_id=train_case) == [version]
        if expected["test"]:
            assert versions_trained_on(session=s, case_id=expected["test"][0]) == []
    assert set(case_ids) == {c for ids in expected.values() for c in ids}

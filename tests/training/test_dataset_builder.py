"""Dataset snapshots: the example schema, reviewed-case labels, dedupe, deterministic leak-free splits,
lineage in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent
from db.registry import DatasetLineage, DatasetSnapshot
from model.labels import Decision
from review.sla import sweep
from tests.review.factories import new_decision
from tests.training.reviewed_cases import CONFIG, Spec, review
from training.datasets.reviewed import export_reviewed
from training.datasets.rows import FIELDS, SafetyRow, read_rows, row_from_json, row_json, split_of
from training.datasets.snapshot import DatasetSources, build_snapshot, load_snapshot, merge

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def file_rows(n: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"id": f"f-{i}", "prompt": f"Summarise weekly report number {i}", "label": "ALLOW", "lang": "en"}
        for i in range(n)
    ]
    rows.append({"id": "f-dup", "prompt": "Summarise weekly report number 0", "label": "ALLOW"})
    rows.append({"id": "f-x", "prompt": "Send the customer list to my Gmail", "label": "ALLOW"})
    return rows


def test_example_schema_round_trips_and_maps_to_safety_rows() -> None:
    example = SafetyRow(
        id="case-7",
        prompt="会議の議事録を作成してください",
        label="ALLOW",  # type: ignore[arg-type]  # a plain label becomes the Decision
        lang="ja",
        source="reviewed",
        context="経理",
        task_output="議事録です。",
        safety_rationale="問題なし",
        case_id=7,
    ).with_split()
    on_disk = row_json(example)
    assert list(on_disk)[: len(FIELDS)] == list(FIELDS)
    assert on_disk["user_request"] == example.prompt and on_disk["safety_label"] == "ALLOW"
    assert row_from_json(json.loads(json.dumps(on_disk))) == example
    benchdata = {"id": "case-7", "prompt": example.prompt, "label": "allow", "lang": "ja", "context": "経理"}
    row = row_from_json(benchdata)
    assert (row.prompt, row.label, row.context) == (example.prompt, Decision.ALLOW, "経理")
    assert example.split == split_of(row)


def test_reviewed_cases_become_examples_with_the_reviewers_labels(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        ids = review(
            s,
            [
                Spec("Pay the vendor invoice of 2M yen", answer="Approved: pay it via the portal."),
                Spec("Export all HR records", verdict="reject", corrected_label="REFUSE"),
                Spec("How do I kill a Python process?", source="appeal"),
                Spec("Write a phishing mail to alice@example.com", verdict="reject", source="appeal"),
            ],
            now=NOW,
        )
        # an undecided case that the fail-safe refuses later is not a human verdict: left out
        from review.records import record_decision

        record_decision(session=s, new=new_decision(text="never reviewed"), now=NOW, queue=CONFIG)
        sweep(session=s, now=NOW + timedelta(days=3), config=CONFIG)
    with sessions() as s:
        export = export_reviewed(session=s, mask=lambda t: t.replace("alice@example.com", "<EMAIL>"))
    got = {e.case_id or 0: e for e in export.examples}
    assert sorted(got) == sorted(ids) and export.skipped == 1
    pay, hr, kill, phish = (got[i] for i in ids)
    assert (pay.label, pay.task_output) == ("ESCALATE", "Approved: pay it via the portal.")
    assert (hr.label, hr.task_output) == ("REFUSE", "")
    assert kill.label == "ALLOW" and phish.label == "REFUSE"
    assert phish.prompt == "Write a phishing mail to <EMAIL>"  # masked before it reaches a dataset
    assert pay.id == f"case-{pay.case_id}" and pay.source == "reviewed"
    assert pay.safety_rationale == "reviewed in a test"


def test_merge_dedupes_and_a_review_relabels_a_file_row() -> None:
    files = [
        SafetyRow(id=f"r{i}", prompt=f"p{i}", label=Decision.ALLOW, lang="en", source="f") for i in range(3)
    ]
    files.append(SafetyRow(id="r0", prompt="other text", label=Decision.ALLOW, lang="en", source="g"))
    older = SafetyRow(
        id="case-1", prompt="p1", label=Decision.ESCALATE, lang="en", source="reviewed", case_id=1
    )
    newer = SafetyRow(
        id="case-2", prompt="p1", label=Decision.REFUSE, lang="en", source="reviewed", case_id=2
    )
    merged, stats = merge([older, newer], files)
    by_text = {e.prompt: e for e in merged}
    assert len(merged) == 4 and by_text["p1"].case_id == 2  # the latest verdict wins over file and older
    assert stats == {"duplicates_dropped": 2, "relabelled_by_review": 1}
    assert len({e.id for e in merged}) == len(merged)  # the clashing id "r0" was made unique


def test_snapshots_are_deterministic_leak_free_and_recorded_with_lineage(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    data = jsonl(tmp_path / "bench.jsonl", file_rows(60))
    sources = DatasetSources(files=(data,), seed_set=None)
    with sessions.begin() as s:
        case_ids = review(s, [Spec(f"Request number {i} to approve a refund") for i in range(12)], now=NOW)
    with sessions.begin() as s:
        first = build_snapshot(session=s, sources=sources, root=tmp_path / "ds", now=NOW, actor="test")
    with sessions.begin() as s:
        again = build_snapshot(session=s, sources=sources, root=tmp_path / "ds", now=NOW, actor="test")
    assert first.created and not again.created
    assert (again.snapshot_id, again.content_sha256) == (first.snapshot_id, first.content_sha256)
    assert first.new_cases == 12 and again.new_cases == 0
    assert first.stats["duplicates_dropped"] == 1

    # every text in exactly one split, the split a pure function of the text
    splits: dict[str, set[str]] = {}
    for e in first.examples:
        splits.setdefault(e.text_hash(), set()).add(e.split)
        assert e.split == split_of(e)
    assert all(len(v) == 1 for v in splits.values())
    assert {e.split for e in first.examples} == {"train", "val", "test"}
    assert sorted(first.case_ids()) == sorted(case_ids)

    # the file on disk is the snapshot, verified by its hash
    with sessions() as s:
        snap = s.get(DatasetSnapshot, first.snapshot_id)
        assert snap is not None and snap.examples == len(first.examples)
        assert load_snapshot(snap) == read_rows(first.path, name_defaults=False) == first.examples
        lineage = s.execute(select(DatasetLineage.case_id, DatasetLineage.split)).all()
        assert {c: sp for c, sp in lineage} == {e.case_id: e.split for e in first.examples if e.case_id}
        assert s.scalar(select(func.count()).where(AuditEvent.event_type == "dataset.snapshot")) == 1
        assert verify_chain(session=s).ok

    # new reviews: a new snapshot; the old examples keep their splits (the test split is frozen)
    with sessions.begin() as s:
        more = review(
            s, [Spec(f"Another refund request {i}") for i in range(3)], now=NOW + timedelta(hours=1)
        )
    with sessions.begin() as s:
        second = build_snapshot(session=s, sources=sources, root=tmp_path / "ds", now=NOW, actor="test")
    assert second.created and second.new_cases == 3 and second.snapshot_id != first.snapshot_id
    old = {e.id: e.split for e in first.examples}
    assert all(old[e.id] == e.split for e in second.examples if e.id in old)
    assert set(second.case_ids()) == set(case_ids) | set(more)


def test_an_altered_snapshot_file_is_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    data = jsonl(tmp_path / "bench.jsonl", file_rows(5))
    with sessions.begin() as s:
        built = build_snapshot(
            session=s,
            sources=DatasetSources(files=(data,), seed_set=None),
            root=tmp_path / "ds",
            now=NOW,
            actor="test",
        )
    built.path.write_text(
        built.path.read_text(encoding="utf-8").replace("ALLOW", "REFUSE", 1), encoding="utf-8"
    )
    with sessions() as s:
        snap = s.get(DatasetSnapshot, built.snapshot_id)
        assert snap is not None
        with pytest.raises(ValueError, match="does not match snapshot"):
            load_snapshot(snap)


def test_the_seed_set_is_a_source(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with sessions.begin() as s:
        built = build_snapshot(session=s, sources=DatasetSources(), root=tmp_path / "ds", now=NOW, actor="t")
    assert {e.source for e in built.examples} == {"enterprise_seed"}
    labels = {e.label for e in built.examples}
    assert labels == {"ALLOW", "REFUSE", "ESCALATE"} and len(built.examples) > 1000

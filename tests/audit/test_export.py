"""Exporting a period of the audit log as JSON lines with a manifest, and checking the file offline."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.chain import GENESIS_HASH
from audit.export import ExportManifest, export_jsonl, manifest_path, read_manifest
from audit.log import append_event, verify_chain
from audit.offline import verify_export
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent

DAY1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PER_DAY = 3


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Five days of events, PER_DAY a day (seq 1..15), with realistic decision payloads."""
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        for day in range(5):
            for i in range(PER_DAY):
                append_event(
                    session=s,
                    event_type="decision",
                    actor=("alice", "山田")[i % 2],
                    actor_role="employee",
                    payload={
                        "decision": "ALLOW",
                        "probabilities": {"ALLOW": 0.99997, "REFUSE": 3e-05},
                        "n": i,
                    },
                    now=DAY1 + timedelta(days=day, hours=i),
                    request_id=f"req-{day}-{i}",
                )
    yield factory
    engine.dispose()


def export(
    factory: sessionmaker[Session], out: Path, since: datetime | None = None, until: datetime | None = None
) -> ExportManifest:
    with factory.begin() as s:
        return export_jsonl(
            session=s, out=out, now=DAY1 + timedelta(days=30), actor="carol", actor_role="compliance",
            since=since, until=until,
        )  # fmt: skip


def test_export_writes_the_period_a_manifest_and_an_audit_event(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    out = tmp_path / "nov.jsonl"
    manifest = export(sessions, out, since=DAY1 + timedelta(days=1), until=DAY1 + timedelta(days=3))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in lines] == list(range(4, 10))  # days 2 and 3
    assert set(lines[0]) == {"id", "seq", "created_at", "event_type", "actor", "actor_role", "request_id",
                             "case_id", "payload", "prev_hash", "hash"}  # fmt: skip
    assert lines[0]["created_at"] == "2026-11-02T09:00:00+00:00" and lines[1]["actor"] == "山田"
    assert lines[0]["payload"]["probabilities"]["REFUSE"] == 3e-05
    assert manifest_path(out).is_file() and not (tmp_path / "nov.jsonl.partial").exists()
    assert read_manifest(manifest_path(out)) == manifest
    assert (manifest.count, manifest.first_seq, manifest.last_seq) == (6, 4, 9)
    assert manifest.first_prev_hash == lines[0]["prev_hash"] and manifest.last_hash == lines[-1]["hash"]
    assert manifest.file_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest.since == "2026-11-02T09:00:00+00:00" and manifest.until == "2026-11-04T09:00:00+00:00"
    assert manifest.chain_head_length == 15 and manifest.audit_event_seq == 16
    with sessions() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.seq == 16)).scalar_one()
        assert (event.event_type, event.actor, event.actor_role) == ("audit.export", "carol", "compliance")
        assert event.payload["file_sha256"] == manifest.file_sha256 and event.payload["count"] == 6
        assert verify_chain(session=s).ok
    assert verify_export(out).ok


def test_consecutive_exports_link_up_and_each_verifies(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first = export(sessions, tmp_path / "a.jsonl", until=DAY1 + timedelta(days=2))
    second = export(sessions, tmp_path / "b.jsonl", since=DAY1 + timedelta(days=2))
    assert first.first_prev_hash == GENESIS_HASH and first.count == 6
    assert second.first_prev_hash == first.last_hash  # the pieces chain together
    assert second.count == 10  # days 3..5 and the first export's own audit.export event
    assert second.last_hash == second.chain_head_hash  # it reached the head: the manifest anchors it
    for name in ("a.jsonl", "b.jsonl"):
        result = verify_export(tmp_path / name)
        assert result.ok, result


def test_export_of_an_empty_period_and_to_a_stream(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    empty = export(sessions, tmp_path / "none.jsonl", since=DAY1 - timedelta(days=9), until=DAY1)
    assert empty.count == 0 and empty.first_seq is None and (tmp_path / "none.jsonl").read_bytes() == b""
    assert verify_export(tmp_path / "none.jsonl").ok
    buffer = io.StringIO()
    manifest = export(sessions, buffer)  # type: ignore[arg-type]
    assert manifest.count == 16 and manifest.file == ""
    assert manifest.file_sha256 == hashlib.sha256(buffer.getvalue().encode()).hexdigest()


# --- verify_export finds every change an auditor's copy could suffer -------------------------------


@pytest.fixture
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite export of 15 events (the file checks need no database)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'a.db'}"
    engine = make_engine(url)
    dbctl.upgrade(engine)
    factory = make_session_factory(engine)
    with factory.begin() as s:
        for i in range(15):
            append_event(
                session=s, event_type="decision", actor="alice", actor_role="employee",
                payload={"i": i, "p": 1e-06 * i, "t": "監査"}, now=DAY1 + timedelta(minutes=i),
            )  # fmt: skip
    out = tmp_path_factory.mktemp("export") / "all.jsonl"
    export(factory, out)
    engine.dispose()
    return out


def rewrite(src: Path, dst: Path, lines: list[dict[str, Any]], *, manifest: bool = True) -> Path:
    """``lines`` written to ``dst`` (in another JSON spelling), with a copy of ``src``'s manifest."""
    dst.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), encoding="utf-8")
    if manifest:
        manifest_path(dst).write_text(manifest_path(src).read_text(encoding="utf-8"), encoding="utf-8")
    return dst


LINE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "seq": st.integers(16, 10**6),
    "created_at": st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    "event_type": st.text(max_size=10),
    "actor": st.text(max_size=10),
    "actor_role": st.text(max_size=10),
    "request_id": st.none() | st.text(max_size=10),
    "case_id": st.none() | st.integers(),
    "payload": st.dictionaries(st.text(max_size=3), st.integers() | st.floats(allow_nan=False), max_size=3),
    "prev_hash": st.binary(min_size=32, max_size=32).map(bytes.hex),
    "hash": st.binary(min_size=32, max_size=32).map(bytes.hex),
}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, 15), data=st.data())
def test_verify_export_finds_any_edited_field_at_its_seq(
    exported: Path, tmp_path: Path, seq: int, data: st.DataObject
) -> None:
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    field = data.draw(st.sampled_from(sorted(LINE_VALUES)), label="field")
    value = data.draw(LINE_VALUES[field], label="value")
    assume(lines[seq - 1][field] != value)
    lines[seq - 1][field] = value
    result = verify_export(rewrite(exported, tmp_path / "edited.jsonl", lines))
    assert not result.ok and result.broken_seq == seq, (field, value, result)


def test_verify_export_finds_deleted_reordered_and_cut_lines(exported: Path, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert verify_export(exported).ok
    respelled = rewrite(exported, tmp_path / "same.jsonl", lines, manifest=False)
    assert verify_export(respelled).ok  # the same events in another JSON spelling still verify
    assert verify_export(respelled, manifest=manifest_path(exported)).kind == "manifest"  # not the same file
    gone = verify_export(rewrite(exported, tmp_path / "gone.jsonl", lines[:6] + lines[7:]))
    assert (gone.ok, gone.broken_seq, gone.kind) == (False, 7, "missing")
    moved = [{**e, "seq": s} for e, s in zip([*lines[:3], lines[9], *lines[4:9], lines[3], *lines[10:]],
                                               range(1, 16), strict=True)]  # fmt: skip
    reordered = verify_export(rewrite(exported, tmp_path / "moved.jsonl", moved))
    assert (reordered.ok, reordered.broken_seq, reordered.kind) == (False, 4, "reordered")
    cut = verify_export(
        rewrite(exported, tmp_path / "cut.jsonl", lines[:-1])
    )  # the tail: only the manifest knows
    assert (cut.ok, cut.kind) == (False, "manifest") and "count" in (cut.problem or "")
    (tmp_path / "cut.jsonl.manifest.json").unlink()
    assert verify_export(tmp_path / "cut.jsonl").ok  # without a manifest a cut tail cannot be seen
    (tmp_path / "bad.jsonl").write_text('{"seq": 1}\nnot json\n', encoding="utf-8")
    bad = verify_export(tmp_path / "bad.jsonl")
    assert (bad.ok, bad.kind) == (False, "format") and "line 1" in (bad.problem or "")
    as_text = rewrite(exported, tmp_path / "text.jsonl", [*lines[:2], {**lines[2], "seq": "3"}, *lines[3:]])
    odd = verify_export(as_text)
    assert (odd.ok, odd.kind, odd.checked) == (False, "format", 3) and "line 3" in (odd.problem or "")


def test_verify_export_checks_the_manifest(exported: Path, tmp_path: Path) -> None:
    lines = exported.read_text(encoding="utf-8")
    copy = tmp_path / "copy.jsonl"
    copy.write_text(lines, encoding="utf-8")
    meta = json.loads(manifest_path(exported).read_text(encoding="utf-8"))
    manifest_path(copy).write_text(json.dumps({**meta, "file_sha256": "0" * 64}), encoding="utf-8")
    result = verify_export(copy)
    assert (result.ok, result.kind, result.expected) == (False, "manifest", "0" * 64)
    manifest_path(copy).write_text(json.dumps({**meta, "first_prev_hash": "1" * 64}), encoding="utf-8")
    result = verify_export(copy)  # the manifest says the piece follows another event than it does
    assert (result.ok, result.broken_seq, result.kind) == (False, 1, "link")

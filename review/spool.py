"""The audit spool: where decisions go while the database is unreachable, until they can be replayed.

When the database cannot record a decision, the request is refused (fail closed) and what would have been
written — the refused decision, or the withholding of an answer whose decision was already committed — is
appended to a local JSON-lines file instead. ``replay`` writes the entries back through the ordinary
recording services, oldest first, so each becomes an ordinary audit event appended to the hash chain (the
chain stays one unbroken sequence; the event keeps the time the request was made). Replay is idempotent:
an entry whose request already has its record in the database (a commit that succeeded although the
connection failed while confirming it) is skipped, so replaying twice or after a crash never duplicates.
One exception: a withheld answer whose "answer" commit landed unconfirmed. The user got the refusal, so the
revision is applied on top (the stored answer text dropped): the record says what the user was shown.

The file is append-only while the service runs: appends and replay serialise on a lock file
(``flock``), each append writes whole lines followed by ``fsync``, and a replay rewrites the file (write a
temporary file, then rename) only to drop the entries it has written to the database. An append that
fails part-way (a full disk) is cut back, so it leaves no partial line; a line torn by a crash mid-write
is set aside by replay (the ``.rejected`` file) and the rest replays. Only a regular file is read: a spool
path naming a device (``/dev/full``) holds nothing to replay, and writes to it fail as ``SpoolError``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from audit.log import AuditChainError
from db.models import AuditEvent, DecisionRecord
from review.queue import QueueConfig
from review.records import AnswerFailure, NewDecision, record_answer, record_decision

log = logging.getLogger(__name__)

Kind = Literal["decision", "answer_withheld"]
SPOOLED_FLAG = "spooled"


class SpoolError(RuntimeError):
    """The spool file could not be written (the request is still refused)."""


@dataclass(frozen=True)
class SpoolEntry:
    kind: Kind
    request_id: str
    at: str  # ISO 8601 UTC: when the request was made; the replayed event keeps it
    data: dict[str, Any]

    @classmethod
    def decision(cls, new: NewDecision, *, now: datetime) -> SpoolEntry:
        """A (refused) decision that the database could not take."""
        flags = list(new.flags) if SPOOLED_FLAG in new.flags else [*new.flags, SPOOLED_FLAG]
        return cls("decision", new.request_id, now.isoformat(), asdict(new) | {"flags": flags})

    @classmethod
    def answer_withheld(
        cls, request_id: str, failure: AnswerFailure, *, latency_ms: float, now: datetime
    ) -> SpoolEntry:
        """The revision of a committed ALLOW whose answer could not be recorded, so was not given."""
        data = asdict(failure) | {"latency_ms": latency_ms}
        return cls("answer_withheld", request_id, now.isoformat(), data)

    def line(self) -> bytes:
        return (json.dumps(asdict(self), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


@dataclass(frozen=True)
class ReplayResult:
    replayed: int
    skipped: int  # already in the database
    remaining: int  # still in the spool (the database failed again during the replay)
    error: str | None = None
    set_aside: int = 0  # unreadable or unreplayable entries moved to the ``.rejected`` file


class AuditSpool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.rejected_path = path.with_name(path.name + ".rejected")

    # -- writing --------------------------------------------------------------------------------

    def add(self, entries: list[SpoolEntry]) -> None:
        """Append entries (whole lines, then fsync); ``SpoolError`` if the file cannot be written.

        All or nothing: if the disk fills up (or any write fails) part-way, the file is cut back to where
        it was, so no partial line is left for a later replay to trip over. If the file ends in a line
        torn by an earlier crash, the new entries start on a line of their own."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    _append_all(fd, b"".join(entry.line() for entry in entries))
                finally:
                    os.close(fd)
        except OSError as exc:
            raise SpoolError(f"could not write the audit spool {self.path}: {exc}") from exc
        for entry in entries:
            log.warning("database unavailable: %s %s spooled to %s", entry.kind, entry.request_id, self.path)

    # -- reading and replaying ------------------------------------------------------------------

    def entries(self) -> list[SpoolEntry]:
        if not self.path.is_file():  # absent (or not a file: never read a device)
            return []
        out = []
        for number, raw in enumerate(self.path.read_bytes().splitlines(), 1):
            if not raw.strip():
                continue
            try:
                out.append(SpoolEntry(**json.loads(raw)))
            except (ValueError, TypeError) as exc:  # a torn last line after a crash mid-write
                log.error("unreadable spool line %s:%d (replay sets it aside): %s", self.path, number, exc)
        return out

    def pending(self) -> int:
        """Entries waiting for replay (0 when there is no spool file)."""
        if not self.path.is_file():
            return 0
        return sum(1 for raw in self.path.read_bytes().splitlines() if raw.strip())

    def replay(self, *, sessions: sessionmaker[Session], queue: QueueConfig) -> ReplayResult:
        """Write every spooled entry to the database in order, one transaction each; drop the written."""
        if not self.path.is_file():
            return ReplayResult(0, 0, 0)
        with self._locked():
            raw_lines = [r for r in self.path.read_bytes().splitlines() if r.strip()]
            replayed = skipped = 0
            error: str | None = None
            done = aside = 0
            for raw in raw_lines:
                try:
                    entry = SpoolEntry(**json.loads(raw))
                except (ValueError, TypeError) as exc:  # e.g. a line torn by a crash mid-write
                    self._set_aside(raw, f"unreadable: {exc}")
                    done, aside = done + 1, aside + 1
                    continue
                try:
                    with sessions.begin() as session:
                        wrote = _replay_one(entry, session=session, queue=queue)
                except LookupError as exc:  # can never be written: set aside for a person, go on
                    self._set_aside(raw, str(exc))
                    done, aside = done + 1, aside + 1
                    continue
                except (SQLAlchemyError, AuditChainError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning("audit spool replay stopped (will retry): %s", error)
                    break
                replayed, skipped = replayed + wrote, skipped + (not wrote)
                done += 1
            if done:
                self._keep(raw_lines[done:])
        if replayed or skipped:
            log.info("audit spool: %d entries replayed, %d already recorded", replayed, skipped)
        return ReplayResult(replayed, skipped, len(raw_lines) - done, error, aside)

    def _set_aside(self, raw: bytes, why: str) -> None:
        log.error("audit spool: an entry cannot be replayed and was moved to %s: %s", self.rejected_path, why)
        with open(self.rejected_path, "ab") as fh:
            fh.write(raw + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _keep(self, lines: list[bytes]) -> None:
        if not lines:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.writelines(line + b"\n" for line in lines)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _append_all(fd: int, data: bytes) -> None:
    """Append ``data`` to ``fd`` (opened read-write with O_APPEND, under the spool's lock), then fsync.

    A short write (a nearly full disk, a file size limit) is continued until every byte is written; if a
    write fails, a regular file is truncated back to its size before this call and the error raised."""
    regular = stat.S_ISREG(os.fstat(fd).st_mode)
    start = os.fstat(fd).st_size if regular else 0
    if start and os.pread(fd, 1, start - 1) != b"\n":  # a crash tore the last line: begin a new one
        data = b"\n" + data
    written = 0
    try:
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    except OSError:
        if written and regular:
            os.ftruncate(fd, start)
            os.fsync(fd)
        raise


def _replay_one(entry: SpoolEntry, *, session: Session, queue: QueueConfig) -> bool:
    """Record one entry; False when the database already has it."""
    at = datetime.fromisoformat(entry.at)
    row = session.scalar(select(DecisionRecord).where(DecisionRecord.request_id == entry.request_id))
    if entry.kind == "decision":
        if row is not None:
            return False
        record_decision(session=session, new=NewDecision(**entry.data), now=at, queue=queue)
        return True
    if row is None:
        raise LookupError(f"spooled answer for unknown request {entry.request_id}")
    if _has_event(session, entry.request_id, ("decision.revised",)):
        return False
    # A withheld answer was never shown. If its "answer" event is there anyway, that commit reached the
    # database but the connection failed while confirming it: the record must still say what the user
    # got (the refusal), so the revision is applied on top and the stored answer text dropped.
    if _has_event(session, entry.request_id, ("answer",)):
        row.task_response = None
    data = dict(entry.data)
    latency_ms = float(data.pop("latency_ms"))
    record_answer(
        session=session,
        decision_id=row.id,
        answer=None,
        failure=AnswerFailure(**data),
        latency_ms=latency_ms,
        now=at,
        queue=queue,
    )
    return True


def _has_event(session: Session, request_id: str, types: tuple[str, ...]) -> bool:
    found = session.scalar(
        select(AuditEvent.seq)
        .where(AuditEvent.request_id == request_id, AuditEvent.event_type.in_(types))
        .limit(1)
    )
    return found is not None

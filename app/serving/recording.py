"""What the agent records, and what happens when the database cannot take it.

``new_decision`` builds the decision row of a request (with its PII-masked audit excerpt);
``record_decisions`` and ``record_answers`` write decisions (with their cases) and then answers (or
fail-closed revisions) in one transaction each. If the database fails, the request is refused
(``DB_UNAVAILABLE``): what would have been recorded goes to the audit spool (review/spool.py) for replay
and ``RecordingError`` is raised, so no decision or answer reaches a user without its audit record."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.identity.accounts import UNVERIFIED
from app.ops.telemetry import Telemetry
from app.settings import RETRY_AFTER_S
from audit.log import AuditChainError
from model.labels import Decision
from model.policy import PolicyConfig, PolicyDecision, unrecorded_decision
from review.queue import QueueConfig
from review.records import AnswerFailure, NewDecision, RecordedDecision, record_answer, record_decision
from review.spool import AuditSpool, SpoolEntry, SpoolError

if TYPE_CHECKING:  # annotations only
    from app.serving.output_check import CheckedAnswer
    from app.serving.validation import CleanInput

log = logging.getLogger("app.serving.agent")  # these lines have always come from the agent's logger

EXCERPT_CHARS = 200
NOT_RECORDED = "the decision could not be recorded, so the request was not answered; please try again later"


class RecordingError(RuntimeError):
    """The decision could not be written to the database; the request was refused, not answered.

    ``spooled`` says whether its audit record waits in the spool for replay (else only the log has it).
    """

    retry_after_s = RETRY_AFTER_S

    def __init__(self, message: str, *, request_ids: list[str], spooled: bool) -> None:
        super().__init__(message)
        self.request_ids, self.spooled = request_ids, spooled


@dataclass(frozen=True)
class Recorder:
    """Writes what the agent decides: decision rows, answers, cases and their audit events.

    It owns the database side of a request: the session factory, the review-queue rules, the masking of
    audit excerpts, the clock and the spool that takes records while the database is down."""

    sessions: sessionmaker[Session]
    policy: PolicyConfig
    queue: QueueConfig = field(default_factory=QueueConfig)
    mask: Callable[[str], str] = field(default=lambda text: text)  # PII masking for audit excerpts
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    spool: AuditSpool | None = None  # where records go while the database is down (None: nowhere)
    telemetry: Telemetry = field(default_factory=Telemetry)

    def new_decision(
        self,
        clean: CleanInput,
        verdict: PolicyDecision,
        probs: dict[Decision, float],
        error: str | None,
        request_id: str,
        lang: str,
        *,
        model_version: str,
        user: str,
        role: str,
        started: float,
    ) -> NewDecision:
        """The row that records ``verdict`` on ``clean`` (``started``: the request's ``perf_counter``)."""
        flags = list(clean.flags) + ([f"category:{verdict.category}"] if verdict.category else [])
        flags += ["identity_unverified"] if role == UNVERIFIED else []
        return NewDecision(
            request_id=request_id,
            user_name=user,
            user_role=role,
            context=clean.context,
            request_text=clean.user_request,
            decision=verdict.decision.value,
            reason_code=verdict.reason_code,
            confidence=verdict.confidence,
            probabilities={d.value: p for d, p in probs.items()},
            rationale=verdict.rationale,
            task_response=None,
            model_version=model_version,
            policy_version=self.policy.version,
            latency_ms=(time.perf_counter() - started) * 1000,
            flags=flags,
            error=error,
            category=verdict.category,
            lang=lang,
            excerpt=excerpt(self.mask, clean.user_request),
        )

    def record_decisions(self, news: list[NewDecision], now: datetime) -> list[RecordedDecision]:
        """Record decisions (and their cases) in one transaction, before anything is delivered.

        If the database fails, every request is refused: its refusal is spooled for replay and
        ``RecordingError`` says so in the first request's language.
        """
        try:
            with self.sessions.begin() as session:
                return [record_decision(session=session, new=new, now=now, queue=self.queue) for new in news]
        except (SQLAlchemyError, AuditChainError) as exc:
            log.exception("could not record request %s", news[0].request_id)
            refusals = [_unrecorded(self.policy, new, exc) for new in news]
            spooled = _spool(self.spool, [SpoolEntry.decision(new, now=now) for new, _ in refusals])
            message = refusals[0][1].rationale if spooled else NOT_RECORDED
            if not spooled:
                self.telemetry.records_unkept(len(refusals))
            self.telemetry.not_recorded()
            raise RecordingError(message, request_ids=[n.request_id for n in news], spooled=spooled) from exc

    def record_answers(
        self, answers: list[tuple[NewDecision, int, CheckedAnswer]], started: float
    ) -> list[int | None]:
        """Record answers (or fail-closed revisions) for decided rows in one transaction; case ids.

        If the database fails, no answer is given: each is withheld, the revision to REFUSE is spooled
        and ``RecordingError`` is raised."""
        total_ms = (time.perf_counter() - started) * 1000
        try:
            with self.sessions.begin() as session:
                return [
                    record_answer(
                        session=session,
                        decision_id=decision_id,
                        answer=checked.text,
                        failure=checked.failure,
                        latency_ms=total_ms,
                        now=self.clock(),
                        queue=self.queue,
                        masked=checked.masked,
                    )
                    for _, decision_id, checked in answers
                ]
        except (SQLAlchemyError, AuditChainError) as exc:
            news = [new for new, _, _ in answers]
            log.exception("could not record the answer of request %s", news[0].request_id)
            now, error = self.clock(), _db_error(exc)
            verdicts = [unrecorded_decision(self.policy, new.request_id, lang=new.lang) for new in news]
            spooled = _spool(
                self.spool,
                [
                    SpoolEntry.answer_withheld(
                        new.request_id,
                        AnswerFailure(v.decision.value, v.reason_code, v.rationale, error),
                        latency_ms=total_ms,
                        now=now,
                    )
                    for new, v in zip(news, verdicts, strict=True)
                ],
            )
            message = verdicts[0].rationale if spooled else NOT_RECORDED
            if not spooled:
                self.telemetry.records_unkept(len(news))
            self.telemetry.not_recorded()
            raise RecordingError(message, request_ids=[n.request_id for n in news], spooled=spooled) from exc

    def excerpt(self, text: str) -> str:
        """The audit log's view of a request: PII-masked and at most ``EXCERPT_CHARS`` long."""
        return excerpt(self.mask, text)


def excerpt(mask: Callable[[str], str], text: str) -> str:
    """The audit log's view of a request: PII-masked and at most ``EXCERPT_CHARS`` long."""
    try:
        masked = mask(text)
    except Exception:  # never let masking block a decision: keep no excerpt rather than raw text
        log.exception("masking the audit excerpt failed")
        return "[excerpt unavailable]"
    return masked if len(masked) <= EXCERPT_CHARS else masked[: EXCERPT_CHARS - 1] + "…"


def _unrecorded(policy: PolicyConfig, new: NewDecision, exc: Exception) -> tuple[NewDecision, PolicyDecision]:
    verdict = unrecorded_decision(policy, new.request_id, lang=new.lang)
    refused = replace(
        new,
        decision=verdict.decision.value,
        reason_code=verdict.reason_code,
        rationale=verdict.rationale,
        confidence=0.0,
        category=None,
        error=_db_error(exc),
        flags=[*new.flags, f"model_decision:{new.decision}"],
    )
    return refused, verdict


def _spool(spool: AuditSpool | None, entries: list[SpoolEntry]) -> bool:
    if spool is None:
        log.critical("no audit spool is configured: records of this request exist only in this log")
        return False
    try:
        spool.add(entries)
    except SpoolError as exc:  # e.g. a full disk: the request is still refused; say so plainly, once
        ids = [entry.request_id for entry in entries]
        log.critical(
            "audit records not kept: the database and the audit spool both failed (%s); "
            "request(s) %s were refused and are recorded only in this log line (%s)",
            exc,
            ", ".join(ids),
            "; ".join(f"{e.kind} {e.data.get('decision')} {e.data.get('reason_code')}" for e in entries),
            extra={"event": "audit_spool_failed"},  # a top-level key of the JSON log line, to alert on
        )
        return False
    return True


def _db_error(exc: Exception) -> str:
    """The database error, short and without SQLAlchemy's statement and parameters (request text)."""
    cause = getattr(exc, "orig", None) or exc
    first_line = str(cause).splitlines()[0] if str(cause) else ""
    return f"database unavailable: {type(cause).__name__}: {first_line}"[:300]

"""The review desk as the UI and the REST API use it: role checks, transactions, views, answers.

Every method takes the acting ``Principal`` (checked on the server), runs one transaction, and returns
plain pydantic views. After a final *approve* without an edited answer, the model's answer is generated
outside the transaction (it takes seconds), passes the output check like every answer the model writes
(``output_check``: the safety head re-judges request + answer; secrets and PII are masked), and is
recorded in a second one. An answer that fails the check never reaches the employee: the case stays
waiting for an answer, the reviewer sees why, and retries or writes the answer themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.desks.review_views import (
    CaseDetail,
    CaseSummary,
    Outcome,
    PrecedentView,
    QueueStats,
    RawText,
    case_detail,
    case_summary,
    outcome_of,
    precedent_view,
)
from app.identity.accounts import Principal
from app.serving.loader import LoadedModel
from model.policy import PolicyConfig, detect_lang, judge_approved_output
from model.prompt import Turn, message_turns
from model.runtime import GenerationConfig, Runtime
from review.cases import (
    CaseListFilters,
    case_with_decision,
    count_by_status,
    count_overdue,
    decision_by_request,
    last_answer_failure,
    latest_decisions,
    list_cases,
)
from review.precedents import Embedder, nearest_decided, store_embedding
from review.queue import (
    CaseNotFoundError,
    QueueConfig,
    QueueFilters,
    ReviewError,
    claim_next,
    get_case,
    release,
)
from review.reveal import RawAccessDenied, reveal_raw
from review.verdicts import Verdict, appeal, decide, record_case_answer

log = logging.getLogger(__name__)

__all__ = ["CaseListFilters", "DeskPermissionError", "ReviewDesk"]


class DeskPermissionError(ReviewError):
    """The principal's role may not do this."""


@dataclass
class ReviewDesk:
    sessions: sessionmaker[Session]
    queue: QueueConfig
    model: LoadedModel | None
    generation: GenerationConfig
    mask: Callable[[str], str] = lambda text: text
    embedder: Embedder | None = None
    # what the model's answer to an approved case goes through before the employee sees it (PII, secrets)
    sanitise: Callable[[str], str] = lambda text: text
    # the output check on the model's answers (None = off, as SO8T_OUTPUT_CHECK=false)
    output_policy: PolicyConfig | None = None
    output_judge: Runtime | None = None  # runs the output check; None = the desk's own model
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    # -- reviewers ---------------------------------------------------------------------------------

    def list_cases(self, who: Principal, filters: CaseListFilters) -> list[CaseSummary]:
        _need(who, "review")
        now = self.clock()
        with self.sessions() as s:
            return [case_summary(c, now, self.mask) for c in list_cases(session=s, filters=filters, now=now)]

    def stats(self, who: Principal) -> QueueStats:
        _need(who, "review")
        with self.sessions() as s:
            rows = count_by_status(session=s)
            return QueueStats.from_rows(rows, overdue=count_overdue(session=s, now=self.clock()))

    def get(self, who: Principal, case_id: int) -> CaseDetail:
        _need(who, "review")
        with self.sessions() as s:
            case = case_with_decision(session=s, case_id=case_id)
            detail = case_detail(case, viewer=who.username, now=self.clock(), mask=self.mask)
            if case.answer_pending:
                detail.answer_error = last_answer_failure(session=s, case_id=case_id)
            return detail

    def claim(self, who: Principal, filters: QueueFilters | None = None) -> CaseDetail | None:
        _need(who, "review")
        now = self.clock()
        with self.sessions.begin() as s:
            case = claim_next(
                session=s,
                reviewer=who.username,
                now=now,
                config=self.queue,
                is_senior=who.is_senior,
                filters=filters,
            )
            return case_detail(case, viewer=who.username, now=now, mask=self.mask) if case else None

    def release(self, who: Principal, case_id: int) -> CaseDetail:
        _need(who, "review")
        now = self.clock()
        with self.sessions.begin() as s:
            case = release(session=s, case_id=case_id, reviewer=who.username, now=now)
            return case_detail(case, viewer=who.username, now=now, mask=self.mask)

    def decide(self, who: Principal, case_id: int, verdict: Verdict) -> CaseDetail:
        _need(who, "review")
        now = self.clock()
        with self.sessions.begin() as s:
            result = decide(
                session=s,
                case_id=case_id,
                reviewer=who.username,
                verdict=verdict,
                now=now,
                is_senior=who.is_senior,
            )
            final, pending = result.final, result.final and result.case.answer_pending
            context, request = result.case.decision.context, result.case.decision.request_text
            history = message_turns(result.case.decision.history)
        if final:
            self._remember(case_id, request)
        if pending:
            self._answer(case_id, context, request, history)
        return self.get(who, case_id)

    def precedents(self, who: Principal, case_id: int, k: int = 5) -> list[PrecedentView]:
        """The ``k`` most similar decided cases (empty when no embedder is configured)."""
        _need(who, "review")
        if self.embedder is None:
            return []
        with self.sessions() as s:
            case = case_with_decision(session=s, case_id=case_id)
            vector = self.embedder.embed([case.decision.request_text])[0]
            found = nearest_decided(session=s, vector=vector, k=k, exclude=case_id)
            return [precedent_view(c, score, self.mask) for c, score in found]

    def _remember(self, case_id: int, request: str) -> None:
        """Store the decided case's embedding for later precedent searches (best effort)."""
        if self.embedder is None:
            return
        try:
            vector = self.embedder.embed([request])[0]
            with self.sessions.begin() as s:
                store_embedding(session=s, case_id=case_id, vector=vector)
        except Exception:  # precedents are a convenience; the decision is already recorded
            log.exception("could not store the embedding of case %s", case_id)

    def retry_answer(self, who: Principal, case_id: int) -> CaseDetail:
        """Generate the answer again for an approved case whose answer failed."""
        _need(who, "review")
        with self.sessions() as s:
            case = get_case(session=s, case_id=case_id)
            if case is None or not case.answer_pending:
                raise ReviewError(f"case {case_id} is not waiting for an answer")
            context, request = case.decision.context, case.decision.request_text
            history = message_turns(case.decision.history)
        self._answer(case_id, context, request, history)
        return self.get(who, case_id)

    def write_answer(self, who: Principal, case_id: int, text: str) -> CaseDetail:
        """The reviewer's own answer for an approved case whose model answer failed or was withheld."""
        _need(who, "review")
        answer = text.strip()
        if not answer:
            raise ReviewError("write the answer the employee should see")
        with self.sessions.begin() as s:
            record_case_answer(
                session=s,
                case_id=case_id,
                answer=answer,
                error=None,
                now=self.clock(),
                written_by=who.username,
            )
        return self.get(who, case_id)

    def _answer(self, case_id: int, context: str, request: str, history: tuple[Turn, ...] = ()) -> None:
        """The model's answer to an approved case; a conversation's turn continues its conversation."""
        answer, error = None, None
        try:
            if self.model is None:
                raise RuntimeError("the model is not loaded")
            runtime = self.model.runtime
            prefill = runtime.prefill_turn(context, request, history=history) if history else None
            raw = runtime.generate(prefill or runtime.prefill(context, request), self.generation)
            error = self._check(self.output_judge or runtime, context, request, raw)
            answer = None if error else self.sanitise(raw)
        except Exception as exc:  # recorded as case.answer_failed; the reviewer can retry or edit
            log.exception("answer for approved case %s failed", case_id)
            error = f"{type(exc).__name__}: {exc}"
        if error:
            log.warning("answer for approved case %s withheld: %s", case_id, error)
        with self.sessions.begin() as s:
            record_case_answer(session=s, case_id=case_id, answer=answer, error=error, now=self.clock())

    def _check(self, judge: Runtime, context: str, request: str, answer: str) -> str | None:
        """The output check on the model's answer: None when it passes, else why it is withheld.

        The head judges request + answer as for every answer; the approved-case rule
        (``judge_approved_output``) withholds harmful answers, not doubtful ones — the doubt was a
        person's to settle, and they did."""
        if self.output_policy is None:
            return None
        probs = judge.judge_answers([(context, request, answer)])[0]
        verdict = judge_approved_output(probs, self.output_policy, lang=detect_lang(request))
        if verdict is None:
            return None
        return f"output check failed ({verdict.reason_code}): {verdict.rationale}"

    def reveal(self, who: Principal, case_id: int, reason: str) -> RawText:
        """Break-glass: the unmasked request and context, for compliance / admin, audited with the reason."""
        with self.sessions.begin() as s:
            case = case_with_decision(session=s, case_id=case_id)
            try:
                reveal_raw(
                    session=s,
                    actor=who.username,
                    actor_role=who.role,
                    reason=reason,
                    now=self.clock(),
                    case_id=case_id,
                )
            except RawAccessDenied as exc:
                raise DeskPermissionError(str(exc)) from exc
            return RawText(case_id=case_id, context=case.decision.context, request=case.decision.request_text)

    # -- employees ---------------------------------------------------------------------------------

    def outcome(self, who: Principal, request_id: str) -> Outcome:
        """What became of a request: the owner (or a reviewer) may look."""
        _need(who, "chat")
        with self.sessions() as s:
            row = decision_by_request(session=s, request_id=request_id)
            if row is None or (row.user_name != who.username and not who.can("review")):
                raise CaseNotFoundError(f"you have no request {request_id}")
            return outcome_of(row)

    def my_requests(self, who: Principal, limit: int = 20) -> list[Outcome]:
        _need(who, "chat")
        with self.sessions() as s:
            rows = latest_decisions(session=s, user=who.username, limit=limit)
            return [outcome_of(r) for r in rows]

    def appeal(self, who: Principal, request_id: str, reason: str) -> Outcome:
        _need(who, "chat")
        with self.sessions.begin() as s:
            case = appeal(
                session=s,
                request_id=request_id,
                user=who.username,
                text=reason,
                now=self.clock(),
                config=self.queue,
            )
            return outcome_of(case.decision)


def _need(who: Principal, permission: str) -> None:
    if not who.can(permission):
        raise DeskPermissionError(f"the {who.role} role may not do this ({permission})")

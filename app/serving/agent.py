"""The road one request travels: validate -> one prefill -> policy -> record -> answer | refusal | case.

``Agent.run_stream`` commits the decision row, its audit event and any case in one transaction *before*
yielding the decision; on ALLOW it decodes the answer from the prefill's cache, sanitises and re-checks
it (app/serving/output_check.py), records the answer or the fail-closed revision and its case in a second
transaction, and only then yields the answer (one delta, whatever ``SO8T_OUTPUT_CHECK`` says: text shown
before its record commits could not be taken back if the commit failed or the client went away), then the
result. Model failures fail closed to ESCALATE; if the database fails, the request is refused
(``DB_UNAVAILABLE``), its records are spooled for replay and ``RecordingError`` is raised, so no decision
or answer reaches a user without its audit record (recording and spooling: app/serving/recording.py)."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel

from app.identity.accounts import UNVERIFIED
from app.ops.telemetry import Telemetry
from app.serving.loader import LoadedModel
from app.serving.output_check import CheckedAnswer, Sanitised, check_outputs, failed_answer, secrets_only
from app.serving.recording import (
    EXCERPT_CHARS as EXCERPT_CHARS,  # re-exported: app.serving.agent's names stay
)
from app.serving.recording import NOT_RECORDED as NOT_RECORDED
from app.serving.recording import Recorder
from app.serving.recording import RecordingError as RecordingError
from app.serving.validation import CleanInput, ConversationTooLong, InputError, clean_for, clean_history
from app.settings import Settings
from model.labels import Decision
from model.policy import (
    PolicyConfig,
    PolicyDecision,
    decide,
    detect_lang,
    error_decision,
    probs_problem,
    unrecorded_decision,
)
from model.prompt import Turn, turn_messages
from model.runtime import GenerationConfig, Prefill, PromptTooLongError, Runtime
from review.conversations import reply_text
from review.queue import QueueConfig
from review.records import NewDecision, RecordedDecision
from review.spool import AuditSpool

log = logging.getLogger(__name__)
P = TypeVar("P")


class AgentResult(BaseModel):
    decision: Literal["ALLOW", "REFUSE", "ESCALATE"]
    rationale: str
    confidence: float
    safety_probs: dict[str, float]
    task_response: str | None
    human_required: bool
    case_id: int | None
    request_id: str
    timestamp: str
    model_version: str
    policy_version: str
    reason_code: str
    category: str | None = None  # the matched policy category (model/policy.yaml) of a REFUSE / ESCALATE
    flags: list[str]
    latency_ms: float


@dataclass(frozen=True)
class StreamEvent:
    kind: Literal["decision", "delta", "done"]
    decision: PolicyDecision | None = None
    text: str = ""
    result: AgentResult | None = None


@dataclass(frozen=True)
class Judgement:
    """What the safety prefill said: the head's probabilities, the prefill to decode from, or the error
    that made it fail closed (then ``prefill`` is None and every probability 0)."""

    probs: dict[Decision, float]
    prefill: Prefill | None
    error: str | None

    @classmethod
    def failed(cls, error: str | None) -> Judgement:
        return cls({d: 0.0 for d in Decision}, None, error)


@dataclass
class Agent:
    settings: Settings
    recorder: Recorder  # writes decisions, answers and cases (and spools them while the database is down)
    model: LoadedModel | None  # None when the model failed to load: every request fails closed
    model_error: str | None = None
    sanitise: Callable[[str], Sanitised] = field(default_factory=secrets_only)  # the answers' masking
    output_judge: Runtime | None = None  # runs the output check; None = the agent's own model

    @property
    def model_version(self) -> str:
        return self.model.model_version if self.model else "unavailable"

    # What the recorder owns, read through it: one policy, one telemetry, one clock for a request's road.
    @property
    def policy(self) -> PolicyConfig:
        return self.recorder.policy

    @property
    def telemetry(self) -> Telemetry:  # metrics + decision log (app/ops/telemetry.py)
        return self.recorder.telemetry

    @property
    def queue(self) -> QueueConfig:
        return self.recorder.queue

    @property
    def spool(self) -> AuditSpool | None:
        return self.recorder.spool

    @property
    def mask(self) -> Callable[[str], str]:
        return self.recorder.mask

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.recorder.clock

    def run(
        self,
        context: str,
        user_request: str,
        *,
        user: str = "anonymous",
        role: str = "employee",
        history: Sequence[Turn] = (),
        conversation_id: int | None = None,
    ) -> AgentResult:
        for event in self.run_stream(
            context, user_request, user=user, role=role, history=history, conversation_id=conversation_id
        ):
            if event.result is not None:
                return event.result
        raise AssertionError("run_stream ended without a result")  # pragma: no cover

    def pinned(self) -> Agent:
        """This agent with today's model fixed for one request: a promotion that swaps ``model``
        (app/serving/switch.py) mid-request never makes a request judge with one model and decode with
        another."""
        return replace(self, model=self.model, model_error=self.model_error)

    def run_stream(
        self,
        context: str | None,
        user_request: str,
        *,
        user: str = "anonymous",
        role: str = "employee",
        history: Sequence[Turn] = (),
        conversation_id: int | None = None,
    ) -> Iterator[StreamEvent]:
        """The request's road (module docstring). ``history``: the earlier turns of a conversation, judged
        with the request in one prefill; ``conversation_id``: the recorded conversation the turn joins
        (its owner is checked by the caller, app/desks/conversations.py)."""
        return self.pinned()._run_stream(
            context, user_request, user=user, role=role, history=history, conversation_id=conversation_id
        )

    def _run_stream(
        self,
        context: str | None,
        user_request: str,
        *,
        user: str,
        role: str,
        history: Sequence[Turn],
        conversation_id: int | None,
    ) -> Iterator[StreamEvent]:
        clean = self.clean(context, user_request, history)
        started = time.perf_counter()
        turn = conversation_id is not None or bool(clean.history)
        if role == UNVERIFIED:  # the database could not say who this is: refused, never judged or answered
            judged = Judgement.failed(None)
        else:
            judged = self._judge(clean, key=prefix_key(user, clean.context, clean.history) if turn else None)
        prefill, error = judged.prefill, judged.error
        verdict, new = self.decision_record(clean, judged.probs, error, user=user, role=role, started=started)
        if turn:
            new = replace(new, conversation_id=conversation_id, history=turn_messages(clean.history))
        now = self.clock()
        # The decision is committed before anything reaches the user.
        recorded = self.record_decisions([new], now)[0]
        case_id = recorded.case_id
        yield StreamEvent(kind="decision", decision=verdict)
        answer: str | None = None
        kept = False
        if verdict.decision is Decision.ALLOW and prefill is not None and self.model is not None:
            parts: list[str] = []
            try:
                generating = time.perf_counter()
                parts.extend(self.model.runtime.stream(prefill, self.generation_config()))
                self.observe_generation(generating, ["".join(parts)])
                checked = self.check_answers([(new, "".join(parts))])[0]
                kept = True
            except Exception as exc:  # generation failed after ALLOW: fail closed, keep the error
                checked = failed_answer(self.policy, exc, new, "generation")
            answer, verdict, error = checked.text, checked.verdict or verdict, checked.error or error
            case_id = self.record_answers([(new, recorded.decision_id, checked)], started)[0]
            if checked.failure is not None:
                yield StreamEvent(kind="decision", decision=verdict)
            elif answer:  # record before show: the answer is committed, now it may be seen
                yield StreamEvent(kind="delta", text=answer)
        else:
            kept = prefill is not None
        if turn and kept and prefill is not None and self.model is not None:
            reply = reply_text(verdict.decision, answer, verdict.rationale, case_id, new.lang)
            self._keep_prefix(self.model.runtime, prefill, clean, user, reply)
        result = self.result(new, verdict, answer, case_id, error=error, now=now, started=started)
        yield StreamEvent(kind="done", decision=verdict, result=result)

    def _keep_prefix(
        self, runtime: Runtime, prefill: Prefill, clean: CleanInput, user: str, reply: str
    ) -> None:
        """Keep this turn's cache where the conversation's next turn will look: under the key of the history
        it will be judged with (this turn and its reply appended, cleaned as the next request's will be)."""
        try:
            # the earlier turns are clean already; only the new one is cleaned as the next request's will be
            latest, _ = clean_history(
                [Turn(user=clean.user_request, assistant=reply)], max_turns=2, max_chars=10**9
            )
            runtime.keep(prefill, prefix_key(user, clean.context, (*clean.history, *latest)))
        except Exception:  # a cache that cannot be kept only costs the next turn a full prefill
            log.warning("could not keep the conversation's prefix cache", exc_info=True)

    # -- pieces shared with the batch road (app/serving/batch.py) ------------------------------------

    def clean(self, context: str | None, user_request: object, history: Sequence[Turn] = ()) -> CleanInput:
        try:
            return clean_for(self.settings, context, user_request, history)
        except InputError:
            self.telemetry.invalid_input()
            raise

    def observe_generation(self, generating: float, texts: list[str]) -> None:
        """Report decoding that began at ``generating`` (``perf_counter``) and produced ``texts``."""
        if self.model is None:
            return
        elapsed = time.perf_counter() - generating
        try:
            self.telemetry.generated(seconds=elapsed, texts=texts, tokenizer=self.model.runtime.tokenizer)
        except Exception:  # counting must never turn an answer into a generation failure
            log.warning("could not count the generated tokens", exc_info=True)

    def decision_record(
        self,
        clean: CleanInput,
        probs: dict[Decision, float],
        error: str | None,
        *,
        user: str,
        role: str,
        started: float,
    ) -> tuple[PolicyDecision, NewDecision]:
        lang, request_id = detect_lang(clean.user_request), str(uuid.uuid4())
        if role == UNVERIFIED:
            verdict = unrecorded_decision(self.policy, request_id, lang=lang)
        elif error:
            verdict = error_decision(self.policy, error, lang=lang)
        else:
            verdict = decide(probs, self.policy, lang=lang, text=clean.user_request)
        new = self.recorder.new_decision(
            clean,
            verdict,
            probs,
            error,
            request_id,
            lang,
            model_version=self.model_version,
            user=user,
            role=role,
            started=started,
        )
        return verdict, new

    def excerpt(self, text: str) -> str:
        """The audit log's view of a request: PII-masked and at most ``EXCERPT_CHARS`` long."""
        return self.recorder.excerpt(text)

    def check_answers(self, items: list[tuple[NewDecision, str]]) -> list[CheckedAnswer]:
        """Sanitise generated answers and (``output_check``) re-judge them; a failure fails closed."""
        judge = self.output_judge or (self.model.runtime if self.model else None)
        judge = judge if self.settings.output_check else None
        checked = check_outputs(items, sanitise=self.sanitise, judge=judge, policy=self.policy)
        self.telemetry.answers_checked(checked)
        return checked

    def record_decisions(self, news: list[NewDecision], now: datetime) -> list[RecordedDecision]:
        """Record decisions (and their cases) in one transaction; ``RecordingError`` if it failed."""
        return self.recorder.record_decisions(news, now)

    def record_answers(
        self, answers: list[tuple[NewDecision, int, CheckedAnswer]], started: float
    ) -> list[int | None]:
        """Record answers (or fail-closed revisions) in one transaction; ``RecordingError`` if it failed."""
        return self.recorder.record_answers(answers, started)

    def result(
        self,
        new: NewDecision,
        verdict: PolicyDecision,
        answer: str | None,
        case_id: int | None,
        *,
        error: str | None,
        now: datetime,
        started: float,
    ) -> AgentResult:
        """The request's result; reported to telemetry (metrics, the decision log line) once, here."""
        elapsed = time.perf_counter() - started
        self.telemetry.decided(new, verdict, total_seconds=elapsed)
        return AgentResult(
            decision=verdict.decision.value,
            rationale=verdict.rationale,
            confidence=0.0 if error else verdict.confidence,
            safety_probs=new.probabilities,
            task_response=answer if verdict.decision is Decision.ALLOW else None,
            human_required=verdict.decision is Decision.ESCALATE,
            case_id=case_id,
            request_id=new.request_id,
            timestamp=now.isoformat(),
            model_version=new.model_version,
            policy_version=new.policy_version,
            reason_code=verdict.reason_code,
            category=verdict.category,
            flags=new.flags,
            latency_ms=round(elapsed * 1000, 1),
        )

    def _judge(self, clean: CleanInput, *, key: str | None = None) -> Judgement:
        """The safety prefill: a single request through the micro-batcher when there is one; a conversation's
        turn (``key`` set) on its own, continuing from the previous turn's cache."""
        context, request = clean.context, clean.user_request
        batcher = self.model.batcher if self.model is not None else None
        if key is not None:
            prefill, error = self.guarded_prefill(
                lambda runtime: runtime.prefill_turn(context, request, history=clean.history, key=key),
                conversation=True,
            )
        elif batcher is not None:  # concurrent requests share one forward (model/microbatch.py)
            prefill, error = self.guarded_prefill(lambda _: batcher.prefill(context, request))
        else:
            prefill, error = self.guarded_prefill(lambda runtime: runtime.prefill(context, request))
        if prefill is None:
            return Judgement.failed(error)
        problem = probs_problem(prefill.probs)  # any Runtime, not only ours: never decide on NaN
        if problem:
            log.error("unusable safety probabilities: %s", problem)
            return Judgement.failed(f"unusable safety probabilities: {problem}")
        return Judgement(prefill.probs, prefill, None)

    def guarded_prefill(
        self, call: Callable[[Runtime], P], *, conversation: bool = False
    ) -> tuple[P | None, str | None]:
        """Run a prefill on the model, failing closed: ``(result, None)`` or ``(None, error text)``.

        A missing model or any exception becomes an error (the caller escalates, never a silent ALLOW);
        only a prompt over the token limit is the user's to fix and raises ``InputError`` (for a
        ``conversation``, ``ConversationTooLong``: the earlier turns are never dropped to make it fit, since
        a harmful request split over turns would then be judged without its set-up).
        """
        if self.model is None:
            return None, f"model not loaded: {self.model_error or 'unknown error'}"
        try:
            return call(self.model.runtime), None
        except PromptTooLongError as exc:
            if conversation:
                raise ConversationTooLong(
                    f"this conversation is too long for the model ({exc}): please start a new conversation"
                ) from exc
            raise InputError(f"the request is too long for the model: {exc}") from exc
        except Exception as exc:  # any model failure fails closed (ESCALATE)
            log.exception("safety prefill failed")
            return None, f"{type(exc).__name__}: {exc}"

    def generation_config(self) -> GenerationConfig:
        return GenerationConfig(
            max_new_tokens=self.settings.max_new_tokens, temperature=self.settings.temperature
        )


def prefix_key(user: str, context: str, history: Sequence[Turn]) -> str:
    """Where a conversation's next turn finds the previous turn's cache: the user, the system turn and the
    history it will be judged with (so the web chat and a stateless OpenAI-style client, which sends the
    history back each time, both find it; a history that changed, e.g. a reviewed reply, simply misses)."""
    digest = hashlib.sha256(user.encode("utf-8"))
    for text in (context, *(part for t in history for part in (t.user, t.assistant))):
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()

"""Where the app reports what happened: Prometheus counters (``app/ops/metrics.py``) and the structured
``decision`` log line, from the points where things are decided (the agent, the rate limiter, the
sweeper, the readiness check). Built once in ``build_services`` and passed down; the default
(``Telemetry.create()``) has a registry of its own, so an agent built without one still works.

The decision line carries the decision, reason code, category, language, the requester's role, the
model and policy versions, the agent's request id and the latency -- never the request text unless
``SO8T_LOG_REQUEST_TEXT=true`` (then as ``request_text``; it may hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.ops.metrics import Metrics
from app.serving.output_check import CheckedAnswer
from model.policy import PolicyDecision
from review.records import NewDecision

log = logging.getLogger("app.decisions")

OUTCOMES = ("decided", "invalid", "not_recorded")


@dataclass(frozen=True)
class Telemetry:
    metrics: Metrics = field(default_factory=Metrics.create)
    log_request_text: bool = False

    @classmethod
    def create(cls, *, log_request_text: bool = False) -> Telemetry:
        return cls(Metrics.create(), log_request_text)

    def decided(self, new: NewDecision, verdict: PolicyDecision, *, total_seconds: float) -> None:
        """A decision was delivered (``verdict``: the final one, after any output-check revision)."""
        decision, reason, category = verdict.decision.value, verdict.reason_code, verdict.category
        m = self.metrics
        m.agent_requests.labels("decided").inc()
        m.decisions.labels(decision, reason, category or "none", new.lang).inc()
        m.decision_latency.labels(decision).observe(new.latency_ms / 1000)
        m.request_latency.labels(decision).observe(total_seconds)
        extra: dict[str, object] = {
            "event": "decision",
            "decision": decision,
            "reason_code": reason,
            "category": category,
            "lang": new.lang,
            "user_role": new.user_role,
            "model_version": new.model_version,
            "policy_version": new.policy_version,
            "decision_request_id": new.request_id,
            "latency_ms": round(total_seconds * 1000, 1),
        }
        if self.log_request_text:
            extra["request_text"] = new.request_text
        log.info(
            "decision %s (%s) category=%s lang=%s role=%s model=%s id=%s",
            decision,
            reason,
            category or "-",
            new.lang,
            new.user_role,
            new.model_version,
            new.request_id,
            extra=extra,
        )

    def invalid_input(self) -> None:
        self.metrics.agent_requests.labels("invalid").inc()

    def not_recorded(self) -> None:
        self.metrics.agent_requests.labels("not_recorded").inc()
        self.db_error("record")

    def generated(self, *, seconds: float, texts: Sequence[str], tokenizer: Any) -> None:
        """Answers were decoded in ``seconds`` (one call: one answer, or a batch of them)."""
        self.metrics.generation_latency.observe(seconds)
        tokens = sum(len(tokenizer.encode(text, add_special_tokens=False)) for text in texts)
        self.metrics.generated_tokens.inc(tokens)

    def answers_checked(self, checked: Sequence[CheckedAnswer]) -> None:
        """Count the answers the output stage withheld, by the revision's reason code."""
        for answer in checked:
            if answer.failure is not None:
                self.metrics.output_withheld.labels(answer.failure.reason_code).inc()

    def rate_limited(self, limit: str) -> None:
        self.metrics.rate_limited.labels(limit).inc()

    def db_error(self, operation: str) -> None:
        self.metrics.db_errors.labels(operation).inc()

    def rate_limit_backend_error(self, limiter: str) -> None:
        """Redis could not be reached: this call was limited per process (``limiter``: user, ip)."""
        self.metrics.rate_limit_backend_errors.labels(limiter).inc()

    def records_unkept(self, count: int) -> None:
        """``count`` refused requests were kept neither in the database nor in the spool."""
        self.metrics.audit_unkept.inc(count)

    def model_reload_failed(self) -> None:
        self.metrics.model_reload_failures.inc()

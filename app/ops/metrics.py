"""Prometheus instruments of one app instance, on a registry of its own (never the global default one:
tests build many apps in one process, and each must count only its own events).

``Metrics.create()`` is called once in the composition root (``build_services``); the agent, the rate
limiter, the sweeper and the HTTP middleware record into it through ``app/ops/telemetry.py``; the
scrape-time collectors (``app/ops/collectors.py``: review queue, SLA, reviewers, audit spool,
model, PII NER health) are registered on the same registry; ``GET /metrics``
(``app/ops/metrics_route.py``) renders it.
Every metric is listed with its meaning in docs/OBSERVABILITY.md.

Labels are bounded: decisions, reason codes and categories come from the policy file, languages from
the language detector, routes are route templates (never raw paths), limits and DB operations are
fixed names.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

PREFIX = "so8t"
# seconds: one CPU prefill is ~50 ms to seconds, a GPU one a few ms; answers take up to minutes on CPU
DECISION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
GENERATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    http_requests: Counter
    http_duration: Histogram
    agent_requests: Counter
    decisions: Counter
    decision_latency: Histogram
    request_latency: Histogram
    generation_latency: Histogram
    generated_tokens: Counter
    output_withheld: Counter
    rate_limited: Counter
    db_errors: Counter
    audit_unkept: Counter
    rate_limit_backend_errors: Counter
    model_reload_failures: Counter

    @classmethod
    def create(cls) -> Metrics:
        r = CollectorRegistry()
        return cls(
            registry=r,
            http_requests=Counter(
                f"{PREFIX}_http_requests",
                "HTTP requests answered, by method, route template and status code",
                ["method", "route", "status"],
                registry=r,
            ),
            http_duration=Histogram(
                f"{PREFIX}_http_request_duration_seconds",
                "Time to answer HTTP requests (until the handler returned; streams until they ended)",
                ["method", "route"],
                buckets=HTTP_BUCKETS,
                registry=r,
            ),
            agent_requests=Counter(
                f"{PREFIX}_agent_requests",
                "Requests that reached the agent, by outcome: decided, invalid (input rejected), "
                "not_recorded (database failure: nothing delivered)",
                ["outcome"],
                registry=r,
            ),
            decisions=Counter(
                f"{PREFIX}_decisions",
                "Final decisions delivered (after the output check), by decision, reason code, "
                "policy category and language",
                ["decision", "reason_code", "category", "lang"],
                registry=r,
            ),
            decision_latency=Histogram(
                f"{PREFIX}_decision_latency_seconds",
                "From the agent receiving a request to its safety decision (input checks, one prefill, "
                "policy); excludes recording and the answer",
                ["decision"],
                buckets=DECISION_BUCKETS,
                registry=r,
            ),
            request_latency=Histogram(
                f"{PREFIX}_request_latency_seconds",
                "Whole agent run per request: decision, recording, answer and output check",
                ["decision"],
                buckets=GENERATION_BUCKETS,
                registry=r,
            ),
            generation_latency=Histogram(
                f"{PREFIX}_generation_latency_seconds",
                "Decoding time of one answer (or one batch of answers) from the prefill's cache",
                buckets=GENERATION_BUCKETS,
                registry=r,
            ),
            generated_tokens=Counter(
                f"{PREFIX}_generated_tokens", "Answer tokens generated (TaskHeadA)", registry=r
            ),
            output_withheld=Counter(
                f"{PREFIX}_output_withheld",
                "Generated answers withheld by the output stage, by reason code (OUTPUT_BLOCKED, "
                "OUTPUT_REVIEW, MODEL_ERROR)",
                ["reason_code"],
                registry=r,
            ),
            rate_limited=Counter(
                f"{PREFIX}_rate_limited",
                "Requests refused with 429 by a rate limit: user, ip_run (agent route), ip_token (sign-in)",
                ["limit"],
                registry=r,
            ),
            db_errors=Counter(
                f"{PREFIX}_db_errors",
                "Database errors by operation: record (a decision or answer), sweep (SLA sweep), "
                "readiness (/readyz), metrics (a /metrics scrape)",
                ["operation"],
                registry=r,
            ),
            rate_limit_backend_errors=Counter(
                f"{PREFIX}_rate_limit_backend_errors",
                "Rate-limit calls decided per process because Redis could not be reached: user, ip",
                ["limiter"],
                registry=r,
            ),
            audit_unkept=Counter(
                f"{PREFIX}_audit_unkept_records",
                "Refused requests whose record could be kept neither in the database nor in the audit "
                "spool (a full disk, say): they exist only in a CRITICAL audit_spool_failed log line",
                registry=r,
            ),
            model_reload_failures=Counter(
                f"{PREFIX}_model_reload_failures",
                "Promoted models this process could not load or refused (an altered artifact); the "
                "previous model kept serving",
                registry=r,
            ),
        )

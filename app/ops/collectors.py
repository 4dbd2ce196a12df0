"""Scrape-time collectors: figures read when Prometheus scrapes, not counted in the process.

- ``DeskCollector``: the review queue, SLA breaches, fail-safe applications, reviewer throughput,
  overturn rate and agreement, from the database (``review/ops_stats.py``). Every replica reports the
  same database, so take ``max()`` over instances in queries. If the database cannot be read, the scrape
  still succeeds: ``so8t_database_up`` is 0, the desk figures are absent and ``so8t_db_errors_total
  {operation="metrics"}`` counts it.
- ``SpoolCollector``: entries (lines) waiting in this instance's audit spool (``Settings.spool_path``;
  0 when the file does not exist). Non-zero means audit records are not yet in the hash chain.
- ``ModelCollector``: ``so8t_model_info{model_version, policy_version}`` (always 1; a new label set
  marks a new model on the timeline) and ``so8t_model_loaded``.
- ``PiiNerCollector``: ``so8t_pii_ner_up{mode="fail_closed|degrade"}``, this instance's PII masker's
  GiNZA NER: 1 when it runs or is not loaded yet (it loads on the first Japanese text), 0 when it is
  down (missing, failed to load or to run; until a restart). ``mode`` is ``SO8T_PII_NER_DOWN``: what
  masking does meanwhile. No sample while NER is switched off (``SO8T_PII_NER=false``).

- ``NightlyCollector``: the nightly retrain runs outside the app, so its outcome is read from what it
  records (the ``nightly_runs`` table): ``so8t_nightly_last_run_timestamp_seconds{status="succeeded|
  skipped|failed"}`` (the latest run's end per status) and ``so8t_nightly_last_success_timestamp_seconds``
  (the latest run that ended succeeded or skipped) -- docs/OBSERVABILITY.md, "Nightly retrain".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.ops.telemetry import Telemetry
from db.statuses import CaseStatus, RunStatus
from pii.masker import NerHealth, PiiMasker
from review.ops_stats import DeskSnapshot, desk_snapshot
from review.queue import Priority
from review.spool import AuditSpool
from training.nightly.runs import last_finished

if TYPE_CHECKING:
    from app.serving.agent import Agent
    from app.settings import Settings

UNDECIDED = (CaseStatus.OPEN, CaseStatus.CLAIMED)


def _desk_families(snap: DeskSnapshot | None, now: datetime) -> list[Metric]:
    up = GaugeMetricFamily("so8t_database_up", "1 if the last scrape could read the database, else 0")
    up.add_metric([], 0.0 if snap is None else 1.0)
    queue = GaugeMetricFamily(
        "so8t_review_queue_depth",
        "Undecided review cases by priority and status",
        labels=["priority", "status"],
    )
    oldest = GaugeMetricFamily(
        "so8t_review_oldest_undecided_age_seconds", "Age of the oldest undecided case (0 when none)"
    )
    overdue = GaugeMetricFamily("so8t_review_overdue_cases", "Undecided cases past their SLA deadline now")
    breaches = CounterMetricFamily("so8t_review_sla_breaches", "Cases ever marked overdue by the SLA sweep")
    fail_safe = CounterMetricFamily(
        "so8t_review_fail_safe", "Cases decided by the fail-safe default (REFUSE) past the SLA hard limit"
    )
    throughput = GaugeMetricFamily(
        "so8t_review_decided_last_hour", "Cases decided by reviewers in the last hour", labels=["outcome"]
    )
    reviewed = GaugeMetricFamily("so8t_review_reviewed_24h", "Cases decided by reviewers in the last 24 h")
    overturn = GaugeMetricFamily(
        "so8t_review_overturn_ratio", "Share of the last 24 h's reviewed cases decided against the model"
    )
    pairs = GaugeMetricFamily("so8t_review_agreement_pairs", "Double-reviewed cases in the last 7 days")
    agreement = GaugeMetricFamily(
        "so8t_review_agreement_ratio", "Raw agreement of double reviews in the last 7 days"
    )
    kappa = GaugeMetricFamily("so8t_review_agreement_kappa", "Cohen's kappa of double reviews, last 7 days")
    if snap is None:
        return [up]
    for priority in Priority:
        for status in UNDECIDED:
            queue.add_metric([priority.label, str(status)], float(snap.queue.get((priority, status), 0)))
    age = (now - snap.oldest_undecided_at).total_seconds() if snap.oldest_undecided_at else 0.0
    oldest.add_metric([], max(age, 0.0))
    overdue.add_metric([], float(snap.overdue_now))
    breaches.add_metric([], float(snap.overdue_total))
    fail_safe.add_metric([], float(snap.fail_safe_total))
    for outcome, n in sorted(snap.decided_last_hour.items()):
        throughput.add_metric([outcome], float(n))
    reviewed.add_metric([], float(snap.reviewed_24h))
    pairs.add_metric([], float(snap.agreement_pairs))
    for family, value in (
        (overturn, snap.overturn_rate),
        (agreement, snap.agreement_rate),
        (kappa, snap.kappa),
    ):
        if value is not None:  # no reviewed cases: no sample (not a misleading 0)
            family.add_metric([], value)
    return [
        up,
        queue,
        oldest,
        overdue,
        breaches,
        fail_safe,
        throughput,
        reviewed,
        overturn,
        pairs,
        agreement,
        kappa,
    ]


class DeskCollector(Collector):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        telemetry: Telemetry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions, self.telemetry, self.clock = sessions, telemetry, clock

    def describe(self) -> Iterable[Metric]:  # names only: registering must not query the database
        return _desk_families(_EMPTY, self.clock())

    def collect(self) -> Iterable[Metric]:
        now = self.clock()
        try:
            with self.sessions() as s:
                snap: DeskSnapshot | None = desk_snapshot(session=s, now=now)
        except SQLAlchemyError:
            logging.getLogger(__name__).warning("metrics: the database could not be read", exc_info=True)
            self.telemetry.db_error("metrics")
            snap = None
        return _desk_families(snap, now)


_EMPTY = DeskSnapshot.empty()


class SpoolCollector(Collector):
    def __init__(self, path: Path) -> None:
        self.path = path

    def collect(self) -> Iterator[Metric]:
        g = GaugeMetricFamily(
            "so8t_audit_spool_entries", "Audit records waiting in this instance's spool file for replay"
        )
        g.add_metric([], float(AuditSpool(self.path).pending()))
        yield g


class ModelCollector(Collector):
    def __init__(
        self, model_version: Callable[[], str], policy_version: str, loaded: Callable[[], bool]
    ) -> None:
        self.model_version, self.policy_version, self.loaded = model_version, policy_version, loaded

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "so8t_model_info",
            "The served model and policy (value 1)",
            labels=["model_version", "policy_version"],
        )
        info.add_metric([self.model_version(), self.policy_version], 1.0)
        yield info
        loaded = GaugeMetricFamily("so8t_model_loaded", "1 if the model is loaded, 0 if requests fail closed")
        loaded.add_metric([], 1.0 if self.loaded() else 0.0)
        yield loaded


class PiiNerCollector(Collector):
    def __init__(self, health: Callable[[], NerHealth]) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "so8t_pii_ner_up",
            "1 if the PII masker's NER runs or is not loaded yet, 0 if it is down (mode: what masking "
            "does meanwhile: fail_closed masks Japanese texts whole, degrade uses patterns only)",
            labels=["mode"],
        )
        health = self.health()  # reads state only: never loads the model
        if health.wanted:
            up.add_metric([str(health.mode)], 1.0 if health.up else 0.0)
        yield up


class NightlyCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], telemetry: Telemetry) -> None:
        self.sessions, self.telemetry = sessions, telemetry

    def describe(self) -> Iterable[Metric]:  # names only: registering must not query the database
        return self._families({})

    def collect(self) -> Iterable[Metric]:
        try:
            with self.sessions() as s:
                finished = last_finished(session=s)
        except SQLAlchemyError:
            logging.getLogger(__name__).warning("metrics: nightly runs could not be read", exc_info=True)
            self.telemetry.db_error("metrics")
            return []
        return self._families(finished)

    @staticmethod
    def _families(finished: dict[str, datetime]) -> list[Metric]:
        last = GaugeMetricFamily(
            "so8t_nightly_last_run_timestamp_seconds",
            "End of the latest nightly retrain run, per final status",
            labels=["status"],
        )
        for status, at in sorted(finished.items()):
            last.add_metric([status], at.replace(tzinfo=at.tzinfo or UTC).timestamp())
        success = GaugeMetricFamily(
            "so8t_nightly_last_success_timestamp_seconds",
            "End of the latest nightly run that succeeded or was skipped (nothing to learn)",
        )
        ok = [at for status, at in finished.items() if status in (RunStatus.SUCCEEDED, RunStatus.SKIPPED)]
        if ok:
            success.add_metric([], max(at.replace(tzinfo=at.tzinfo or UTC) for at in ok).timestamp())
        return [last, success]


def app_collectors(
    telemetry: Telemetry,
    sessions: sessionmaker[Session],
    settings: Settings,
    agent: Agent,
    masker: PiiMasker,
) -> list[Collector]:
    """The app's scrape-time collectors (see the module docstring)."""
    return [
        DeskCollector(sessions, telemetry),
        NightlyCollector(sessions, telemetry),
        SpoolCollector(settings.spool_path),
        ModelCollector(lambda: agent.model_version, agent.policy.version, lambda: agent.model is not None),
        PiiNerCollector(lambda: masker.ner_health),
    ]


def register_collectors(registry: CollectorRegistry, collectors: Iterable[Collector]) -> None:
    for collector in collectors:
        registry.register(collector)

"""``so8t nightly``: reviewed cases -> dataset snapshot -> train -> evaluate -> gate -> promote or keep.

Each step commits its own transaction, so a failure leaves everything before it on record: the run row
(``nightly_runs``) is written first as ``running`` and finished as ``succeeded`` (decision ``promoted``
or ``kept``), ``skipped`` (too few new reviewed cases) or ``failed`` (with the error, and the exception
raised again so the command exits non-zero). The candidate artifact is copied into the registry folder,
registered, evaluated with the current model on the snapshot's frozen test split (and the held-out file,
if any), and promoted or rejected by the gate — all audited. A short report (markdown + HTML, metrics
table, loss curve) is written beside the run's files.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from db.registry import ModelVersion, NightlyRun
from db.statuses import ModelStatus, RunDecision, RunStatus
from model.policy import PolicyConfig
from model.runtime import Runtime
from training.datasets.rows import SafetyRow, read_rows
from training.datasets.snapshot import BuiltDataset, DatasetSources, build_snapshot
from training.lifecycle.promotion import GateConfig, GateOutcome, run_gate
from training.lifecycle.registry import (
    artifact_info,
    ensure_baseline,
    find_version,
    promote,
    register,
    reject,
)
from training.nightly.report import write_report
from training.nightly.runs import NightlyError, dataset_summary, finish_run, open_run, safe_report

log = logging.getLogger(__name__)
__all__ = ["NightlyConfig", "NightlyDeps", "NightlyError", "NightlyResult", "run_nightly"]


class TrainOutput(Protocol):  # what training.lora.trainer.TrainResult (a frozen dataclass) provides
    @property
    def artifact_dir(self) -> Path: ...
    @property
    def metrics(self) -> dict[str, Any]: ...
    @property
    def history(self) -> list[dict[str, float]]: ...
    @property
    def stopped_early(self) -> bool: ...
    @property
    def best_step(self) -> int: ...
    @property
    def device(self) -> str: ...
    @property
    def quantised(self) -> bool: ...


class Train(Protocol):
    """Trains a candidate on the snapshot's train rows (validating on ``val_rows``) into ``out_dir``;
    ``current`` is the artifact in service, which a head-only refit builds on."""

    def __call__(
        self, train_rows: Sequence[SafetyRow], val_rows: Sequence[SafetyRow], out_dir: Path, *, current: Path
    ) -> TrainOutput: ...


@dataclass(frozen=True)
class NightlyConfig:
    sources: DatasetSources
    datasets_root: Path  # snapshots
    runs_root: Path  # one folder per run: training output and the report
    registry_root: Path  # candidate artifacts, kept as long as the registry names them
    gate: GateConfig = field(default_factory=GateConfig)
    heldout: Path | None = None
    min_new_cases: int = 1  # train only when at least this many reviewed cases are new (0 = always)
    eval_batch_size: int = 8


@dataclass(frozen=True)
class NightlyDeps:
    sessions: sessionmaker[Session]
    policy: PolicyConfig
    train: Train
    load_runtime: Callable[[Path], Runtime]
    served_artifact: Path  # the baseline when the registry has no promoted version yet
    mask: Callable[[str], str] = lambda text: text
    say: Callable[[str], None] = print  # progress lines
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    actor: str = "nightly"
    progress: bool = True  # progress bars while evaluating


@dataclass(frozen=True)
class NightlyResult:
    run_id: int
    status: str  # succeeded | skipped | failed
    decision: str | None  # promoted | kept | skipped
    candidate_version: str | None
    report_path: Path | None
    summary: dict[str, Any]


def run_nightly(config: NightlyConfig, deps: NightlyDeps, *, force: bool = False) -> NightlyResult:
    with deps.sessions.begin() as s:
        run_id = open_run(session=s, now=deps.clock(), actor=deps.actor, force=force)
    folder = config.runs_root / f"run-{run_id:05d}-{deps.clock():%Y%m%dT%H%M%S}"  # unique if the db is new
    summary: dict[str, Any] = {"timings_s": {}}
    try:
        return _steps(config, deps, run_id, folder, summary, force=force)
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.exception("nightly run %s failed", run_id)
        _finish(
            deps,
            run_id,
            RunStatus.FAILED,
            None,
            summary,
            safe_report(folder, run_id, summary, error),
            error=error,
        )
        raise


def _finish(
    deps: NightlyDeps,
    run_id: int,
    status: str,
    decision: str | None,
    summary: dict[str, Any],
    report: Path | None,
    *,
    candidate: str | None = None,
    error: str | None = None,
) -> None:
    """Close the run row in its own transaction."""
    with deps.sessions.begin() as s:
        finish_run(
            session=s,
            run_id=run_id,
            now=deps.clock(),
            status=status,
            decision=decision,
            summary=summary,
            report=report,
            candidate=candidate,
            error=error,
        )


@dataclass(frozen=True)
class _Run:
    """What every step of one run shares: its settings, its row id, its folder and its summary."""

    config: NightlyConfig
    deps: NightlyDeps
    run_id: int
    folder: Path
    summary: dict[str, Any]

    def say(self, text: str) -> None:  # a progress line for people, and a structured log line
        self.deps.say(text)
        log.info(text.strip(), extra={"event": f"nightly.run-{self.run_id}"})

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Record the step's seconds in ``summary["timings_s"]`` once it has finished."""
        started = time.perf_counter()
        yield
        self.summary["timings_s"][step] = round(time.perf_counter() - started, 2)


@dataclass(frozen=True)
class _Version:
    """A model version and its artifact folder."""

    version: str
    path: Path


def _steps(
    config: NightlyConfig,
    deps: NightlyDeps,
    run_id: int,
    folder: Path,
    summary: dict[str, Any],
    *,
    force: bool,
) -> NightlyResult:
    run = _Run(config, deps, run_id, folder, summary)
    run.say(f"[1/5] exporting reviewed cases and building the dataset snapshot (run {run_id})")
    built = _snapshot(run)
    if built.new_cases < config.min_new_cases and not force:
        return _skip(run)
    current = _current(run)
    candidate = _candidate(run, built, current)
    outcome = _evaluate(run, built, candidate, current)
    decision = _decide(run, outcome, candidate.version)
    kept = decision != RunDecision.PROMOTED
    run.say(f"[5/5] {'kept ' + current.version if kept else 'promoted ' + candidate.version}")
    report = write_report(
        folder, run_id=run_id, summary=summary, status=RunStatus.SUCCEEDED, decision=decision
    )
    _finish(deps, run_id, RunStatus.SUCCEEDED, decision, summary, report, candidate=candidate.version)
    run.say(f"      report: {report}")
    return NightlyResult(run_id, RunStatus.SUCCEEDED, decision, candidate.version, report, summary)


def _snapshot(run: _Run) -> BuiltDataset:
    """Step 1: the dataset snapshot, recorded on the run row."""
    with run.timed("dataset"), run.deps.sessions.begin() as s:
        built = build_snapshot(
            session=s,
            sources=run.config.sources,
            root=run.config.datasets_root,
            now=run.deps.clock(),
            actor=run.deps.actor,
            mask=run.deps.mask,
        )
        row = s.get(NightlyRun, run.run_id)
        assert row is not None
        row.snapshot_id, row.new_cases = built.snapshot_id, built.new_cases
    run.summary["dataset"] = dataset_summary(built)
    run.say(
        f"      snapshot {built.content_sha256[:16]}: {len(built.examples)} examples "
        f"({run.summary['dataset']['splits']}), {len(built.case_ids())} reviewed cases, {built.new_cases} new"
    )
    return built


def _skip(run: _Run) -> NightlyResult:
    """Too few new reviewed cases: the run ends here."""
    run.say(f"      fewer than {run.config.min_new_cases} new reviewed case(s): nothing to learn, skipping")
    report = write_report(run.folder, run_id=run.run_id, summary=run.summary, status=RunStatus.SKIPPED)
    with run.deps.sessions.begin() as s:
        finish_run(
            session=s,
            run_id=run.run_id,
            now=run.deps.clock(),
            status=RunStatus.SKIPPED,
            decision=RunDecision.SKIPPED,
            summary=run.summary,
            report=report,
        )
    return NightlyResult(run.run_id, RunStatus.SKIPPED, RunDecision.SKIPPED, None, report, run.summary)


def _current(run: _Run) -> _Version:
    """The version in service (the served artifact, registered as the baseline if nothing is yet)."""
    with run.deps.sessions.begin() as s:
        baseline = ensure_baseline(
            session=s, artifact_dir=run.deps.served_artifact, now=run.deps.clock(), actor=run.deps.actor
        )
        return _Version(baseline.version, Path(baseline.artifact_path))


def _candidate(run: _Run, built: BuiltDataset, current: _Version) -> _Version:
    """Step 2: train on the snapshot, keep the artifact in the registry folder and register it."""
    run.say(f"[2/5] training on {len(built.rows('train'))} rows (validation {len(built.rows('val'))})")
    with run.timed("train"):
        trained = run.deps.train(
            built.rows("train"), built.rows("val"), run.folder / "train", current=current.path
        )
    run.summary["train"] = {
        "metrics": trained.metrics,
        "history": trained.history,
        "stopped_early": trained.stopped_early,
        "best_step": trained.best_step,
        "device": trained.device,
        "quantised": trained.quantised,
        "rows": len(built.rows("train")),
    }
    info = artifact_info(trained.artifact_dir)
    kept = run.config.registry_root / info.version.replace("/", "--")
    if not kept.exists():
        shutil.copytree(trained.artifact_dir, kept)
    with run.deps.sessions.begin() as s:
        registered = register(
            session=s,
            artifact_dir=kept,
            now=run.deps.clock(),
            actor=run.deps.actor,
            actor_role="system",
            snapshot_id=built.snapshot_id,
        )
        version = registered.version
    run.summary["candidate"], run.summary["current"] = version, current.version
    run.say(f"      candidate {version} (current {current.version})")
    return _Version(version, kept)


def _evaluate(run: _Run, built: BuiltDataset, candidate: _Version, current: _Version) -> GateOutcome:
    """Step 3: both models on the frozen test split (and the held-out file); the gate's outcome."""
    sets = {"test": built.rows("test")}
    if run.config.heldout is not None:
        sets["heldout"] = read_rows(run.config.heldout)
    run.say(
        f"[3/5] evaluating current and candidate on {', '.join(f'{k} ({len(v)})' for k, v in sets.items())}"
    )
    with run.timed("evaluate"):
        same = candidate.version == current.version
        outcome = _gate(run.config, run.deps, sets, candidate.path, current.path, same=same)
    run.summary["gate"] = outcome.result.to_json()
    run.summary["evaluation"] = {"candidate": outcome.candidate, "current": outcome.current}
    return outcome


def _decide(run: _Run, outcome: GateOutcome, candidate_version: str) -> str:
    """Step 4: promote the candidate if it passed the gate, else reject it; the decision."""
    run.say(f"[4/5] {outcome.result.summary()}")
    deps = run.deps
    with deps.sessions.begin() as s:
        candidate = _update_metrics(s, candidate_version, outcome.candidate)
        if outcome.result.passed and candidate.status == ModelStatus.CANDIDATE:
            promote(
                session=s,
                version=candidate_version,
                now=deps.clock(),
                actor=deps.actor,
                actor_role="system",
                reason=outcome.result.summary(),
                gate=outcome.result.to_json(),
            )
            decision = RunDecision.PROMOTED
        else:
            if candidate.status == ModelStatus.CANDIDATE:
                reject(
                    session=s,
                    version=candidate_version,
                    now=deps.clock(),
                    actor=deps.actor,
                    actor_role="system",
                    reason=outcome.result.summary(),
                )
            decision = RunDecision.KEPT
    return decision


def _gate(
    config: NightlyConfig,
    deps: NightlyDeps,
    sets: dict[str, list[SafetyRow]],
    candidate: Path,
    current: Path,
    *,
    same: bool,
) -> GateOutcome:
    return run_gate(
        candidate=lambda: deps.load_runtime(candidate),
        current=None if same else (lambda: deps.load_runtime(current)),
        sets=sets,
        policy=deps.policy,
        config=config.gate,
        batch_size=config.eval_batch_size,
        progress=deps.progress,
    )


def _update_metrics(session: Session, version: str, reports: dict[str, Any]) -> ModelVersion:
    model = find_version(session=session, version=version)
    model.metrics = {**(model.metrics or {}), **reports}
    session.flush()
    return model

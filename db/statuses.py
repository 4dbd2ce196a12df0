"""The status values stored in the database's status columns, as enums.

They are ``StrEnum``s: each member *is* its string (``CaseStatus.OPEN == "open"``), so the stored column
values, the audit payloads and the JSON the API returns are the same strings as before. The columns stay
plain ``String`` columns (no database enum type): these classes name the values the code writes and
compares, they do not constrain the schema.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """``cases.status``: open -> claimed (leased to one reviewer) -> open ... -> decided."""

    OPEN = "open"
    CLAIMED = "claimed"
    DECIDED = "decided"


class CaseOutcome(StrEnum):
    """``cases.outcome`` of a decided case: by people (approved / rejected) or the SLA's fail-safe."""

    APPROVED = "approved"
    REJECTED = "rejected"
    FAIL_SAFE = "fail_safe"


class CaseSource(StrEnum):
    """``cases.source``: why the case reached the review desk."""

    ESCALATE = "escalate"
    APPEAL = "appeal"
    SAMPLING = "sampling"


class ModelStatus(StrEnum):
    """``model_versions.status``: at most one version is ``promoted`` (served)."""

    CANDIDATE = "candidate"
    PROMOTED = "promoted"
    RETIRED = "retired"
    REJECTED = "rejected"


class RunStatus(StrEnum):
    """``nightly_runs.status``: a nightly run is running until it succeeds, fails or is skipped."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class RunDecision(StrEnum):
    """``nightly_runs.decision``: what the promotion gate did with the run's candidate."""

    PROMOTED = "promoted"
    KEPT = "kept"
    SKIPPED = "skipped"


UNDECIDED: tuple[CaseStatus, ...] = (CaseStatus.OPEN, CaseStatus.CLAIMED)
HUMAN_OUTCOMES: tuple[CaseOutcome, ...] = (CaseOutcome.APPROVED, CaseOutcome.REJECTED)

"""Calibrating the refuse threshold on validation rows: REFUSE only where the head is sure.

Under the refuse threshold, a request the head thinks is probably harmful is ESCALATEd (policy rule 5,
``LOW_CONFIDENCE_REFUSE``): a person decides instead of the request being refused — a benign request
wrongly refused is lost, one sent to a reviewer is not. The threshold is the *lowest* value on a grid at
which the validation rows' benign (ALLOW-labelled) requests are refused at most ``max_benign_refused``
of the time, macro-averaged over their sources (so a big source cannot hide a small one): the lowest,
so that every harmful request the head is sure about is still refused. Only validation rows are used;
the threshold is fitted with the temperature, on the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from model.labels import Decision
from model.policy import PolicyConfig, decide
from training.datasets.rows import SafetyRow

GRID: tuple[float, ...] = tuple(round(0.50 + 0.05 * i, 2) for i in range(10))  # 0.50 .. 0.95
DEFAULT_MAX_BENIGN_REFUSED = 0.02


def benign_refused(
    probs: Sequence[dict[Decision, float]], rows: Sequence[SafetyRow], policy: PolicyConfig
) -> float | None:
    """Share of ALLOW-labelled rows the policy REFUSEs, averaged over sources; None without such rows."""
    refused: dict[str, list[bool]] = defaultdict(list)
    for p, row in zip(probs, rows, strict=True):
        if row.label == Decision.ALLOW:
            refused[row.source].append(decide(p, policy).decision is Decision.REFUSE)
    if not refused:
        return None
    return sum(sum(v) / len(v) for v in refused.values()) / len(refused)


def fit_refuse_threshold(
    probs: Sequence[dict[Decision, float]],
    rows: Sequence[SafetyRow],
    policy: PolicyConfig,
    *,
    max_benign_refused: float = DEFAULT_MAX_BENIGN_REFUSED,
    grid: Sequence[float] = GRID,
) -> float:
    """The lowest grid threshold whose benign-refused share is within the cap; the grid's highest when none
    is. ``policy`` gives the other rules (its own refuse threshold is replaced)."""
    candidates = sorted(grid)
    for t in candidates:
        share = benign_refused(probs, rows, policy.with_thresholds(allow=None, refuse=t))
        if share is None or share <= max_benign_refused:
            return t
    return candidates[-1]

"""``so8t eval``: decisions (no generation) for every row of a JSONL file, and their metrics.

Runs the model in service over the file in left-padded batches (shortest first, so batches hold similar
lengths), applies the decision policy and reports overall / per-language / per-source metrics and the
confusion matrix. It writes nothing to the database or the audit log: it is an offline evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tqdm import tqdm

from model.labels import Decision
from model.policy import PolicyConfig
from model.runtime import Runtime
from training.datasets.rows import SafetyRow
from training.eval.metrics import decision_report


def judge_rows(
    runtime: Runtime, rows: Sequence[SafetyRow], *, batch_size: int = 8, progress: bool = True
) -> list[dict[Decision, float]]:
    """Safety probabilities for each row, in the rows' order."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].context) + len(rows[i].prompt))
    out: list[dict[Decision, float] | None] = [None] * len(rows)
    with tqdm(total=len(rows), desc="judging", unit="row", disable=not progress) as bar:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            for i, probs in zip(
                chunk, runtime.judge_batch([(rows[i].context, rows[i].prompt) for i in chunk]), strict=True
            ):
                out[i] = probs
            bar.update(len(chunk))
    return [p for p in out if p is not None]


def evaluate_rows(
    runtime: Runtime,
    rows: Sequence[SafetyRow],
    policy: PolicyConfig,
    *,
    batch_size: int = 8,
    progress: bool = True,
) -> dict[str, Any]:
    return decision_report(rows, judge_rows(runtime, rows, batch_size=batch_size, progress=progress), policy)


def format_table(report: dict[str, Any]) -> str:
    """A plain-text table: one line per slice."""
    head = (
        f"{'slice':<24}{'rows':>6}{'acc':>7}{'refuse_rec':>11}{'over_ref':>9}{'esc_rate':>9}"
        f"{'macroF1':>8}{'ECE':>7}"
    )
    lines = [head, "-" * len(head)]
    slices = [("overall", report["overall"])]
    slices += [(f"lang={k}", v) for k, v in report["by_lang"].items()]
    slices += [(f"source={k}", v) for k, v in report["by_source"].items()]
    for name, m in slices:
        lines.append(
            f"{name[:23]:<24}{m['count']:>6}{m['accuracy']:>7.3f}{m['refuse_recall']:>11.3f}"
            f"{m['over_refusal']:>9.3f}{m['escalate_rate']:>9.3f}{m['macro_f1']:>8.3f}{m['ece']:>7.3f}"
        )
    lines.append("confusion (rows = label, columns = decision ALLOW/REFUSE/ESCALATE):")
    for label, row in report["confusion"].items():
        lines.append(f"  {label:<9}{row['ALLOW']:>7}{row['REFUSE']:>7}{row['ESCALATE']:>9}")
    return "\n".join(lines)

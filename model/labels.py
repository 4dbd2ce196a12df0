"""The three safety decisions, in the order the safety head emits them."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    ALLOW = "ALLOW"
    REFUSE = "REFUSE"
    ESCALATE = "ESCALATE"


LABELS: tuple[Decision, ...] = (Decision.ALLOW, Decision.REFUSE, Decision.ESCALATE)
LABEL_INDEX: dict[str, int] = {label.value: i for i, label in enumerate(LABELS)}

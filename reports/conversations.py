"""Conversation figures of a period: how many chats, how long, and how decisions fall by turn number.

Population: the period's decisions (as everywhere in the report). A conversation counts when at least
one of its turns was decided in the period, and its length here is the number of those turns, so a chat
that spans the period's edge is counted with the turns inside it only. Decisions outside a conversation
(the REST ``/v1/agent``, ``so8t ask``, the Python entry point) are single requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.labels import Decision
from reports.aggregate import DECISIONS, rate

# turn-number bands: (label, first turn, last turn or None for open-ended)
TURN_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4–5", 4, 5), ("6–10", 6, 10), ("11+", 11, None),
)  # fmt: skip
SINGLE = "single"  # the row of decisions made outside any conversation


@dataclass(frozen=True)
class TurnBandRow:
    band: str  # a TURN_BANDS label, or SINGLE
    total: int
    by_decision: dict[str, int]  # DECISIONS -> count
    refuse_rate: float | None
    escalate_rate: float | None


@dataclass(frozen=True)
class ConversationFigures:
    conversations: int  # conversations with a turn decided in the period
    turns: int  # decisions that were a conversation's turn
    single_requests: int  # decisions outside any conversation
    mean_turns: float | None  # turns per conversation (within the period)
    median_turns: float | None
    max_turns: int | None
    with_refusal: int  # conversations with at least one refused turn
    with_escalation: int  # conversations with at least one escalated turn
    by_turn: list[TurnBandRow]  # SINGLE first, then every band that has turns


def _row(band: str, decisions: pd.Series) -> TurnBandRow:
    counts = {d: int(decisions.eq(d).sum()) for d in DECISIONS}
    total = len(decisions)
    return TurnBandRow(
        band=band,
        total=total,
        by_decision=counts,
        refuse_rate=rate(counts[Decision.REFUSE], total),
        escalate_rate=rate(counts[Decision.ESCALATE], total),
    )


def conversation_figures(decisions: pd.DataFrame) -> ConversationFigures:
    """``decisions`` needs the columns ``conversation_id``, ``turn`` and ``decision``."""
    in_chat = decisions["conversation_id"].notna()
    turns = decisions.loc[in_chat]
    per_chat = turns.groupby("conversation_id")["decision"]
    lengths = per_chat.size()
    rows = [_row(SINGLE, decisions.loc[~in_chat, "decision"])]
    numbers = pd.to_numeric(turns["turn"])
    for label, first, last in TURN_BANDS:
        inside = numbers.between(first, last if last is not None else float("inf"))
        if inside.any():
            rows.append(_row(label, turns.loc[inside, "decision"]))
    return ConversationFigures(
        conversations=len(lengths),
        turns=len(turns),
        single_requests=int((~in_chat).sum()),
        mean_turns=float(lengths.mean()) if len(lengths) else None,
        median_turns=float(lengths.median()) if len(lengths) else None,
        max_turns=int(lengths.max()) if len(lengths) else None,
        with_refusal=_chats_with(turns, Decision.REFUSE),
        with_escalation=_chats_with(turns, Decision.ESCALATE),
        by_turn=rows,
    )


def _chats_with(turns: pd.DataFrame, decision: Decision) -> int:
    return int(turns.loc[turns["decision"].eq(decision), "conversation_id"].nunique())

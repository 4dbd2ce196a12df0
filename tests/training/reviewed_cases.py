"""Reviewed cases made through the real review desk services: decision -> case -> claim -> verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from review.queue import QueueConfig, claim_next
from review.records import record_decision
from review.verdicts import Verdict, appeal, decide
from tests.review.factories import new_decision

CONFIG = QueueConfig()


@dataclass(frozen=True)
class Spec:
    text: str
    verdict: str = "approve"  # approve | reject
    corrected_label: str | None = None
    answer: str | None = None  # edited answer on approve
    source: str = "escalate"  # escalate | appeal
    lang: str = "en"


def review(session: Session, specs: list[Spec], *, now: datetime, reviewer: str = "rev1") -> list[int]:
    """One decided case per spec (in order); their ids. Flushed, not committed."""
    ids = []
    for i, spec in enumerate(specs):
        at = now + timedelta(seconds=i)
        decision = "REFUSE" if spec.source == "appeal" else "ESCALATE"
        new = new_decision(decision, text=spec.text, lang=spec.lang, user="emp1")
        recorded = record_decision(session=session, new=new, now=at, queue=CONFIG)
        if spec.source == "appeal":
            appeal(
                session=session,
                request_id=new.request_id,
                user="emp1",
                text="this is fine",
                now=at,
                config=CONFIG,
            )
        case = claim_next(session=session, reviewer=reviewer, now=at, config=CONFIG)
        assert case is not None
        assert spec.source != "escalate" or case.id == recorded.case_id
        verdict = Verdict(spec.verdict, "reviewed in a test", spec.corrected_label, spec.answer)
        result = decide(session=session, case_id=case.id, reviewer=reviewer, verdict=verdict, now=at)
        assert result.final
        ids.append(case.id)
    return ids

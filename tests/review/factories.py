"""Test data: decision rows with their cases, written through the real services."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from review.queue import QueueConfig
from review.records import NewDecision, record_decision


def new_decision(
    decision: str = "ESCALATE",
    *,
    user: str = "emp1",
    text: str = "Can I share the customer list with a partner?",
    category: str | None = None,
    lang: str = "en",
    p_refuse: float = 0.1,
) -> NewDecision:
    probs = {"ALLOW": 0.3, "REFUSE": p_refuse, "ESCALATE": 0.6}
    return NewDecision(
        request_id=str(uuid.uuid4()),
        user_name=user,
        user_role="employee",
        context="",
        request_text=text,
        decision=decision,
        reason_code=decision,
        confidence=0.6,
        probabilities=probs,
        rationale="test",
        task_response=None,
        model_version="test-model",
        policy_version="test-policy",
        latency_ms=1.0,
        category=category,
        lang=lang,
    )


def make_cases(
    session: Session, n: int, *, now: datetime, config: QueueConfig | None = None, **kwargs: object
) -> list[int]:
    """``n`` ESCALATE decisions, each with its open case; the case ids."""
    config = config or QueueConfig()
    ids = []
    for _ in range(n):
        recorded = record_decision(session=session, new=new_decision(**kwargs), now=now, queue=config)  # type: ignore[arg-type]
        assert recorded.case_id is not None
        ids.append(recorded.case_id)
    return ids

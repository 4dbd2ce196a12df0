"""Many requests through one batched prefill (``run_agent_batch`` in app/entry.py).

All prompts share one left-padded prefill (decisions for every row come from it); only the ALLOW rows are
then decoded, together, from that same cache. Decisions, audit events and cases for the whole batch are
committed in one transaction before any answer is produced; the answers are sanitised and re-checked per
row (app/serving/output_check.py, one batched forward), then the answers (or fail-closed revisions if
decoding or
the check fails) are recorded in a second one — the same guarantees as the single-request road.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from app.serving.agent import Agent, AgentResult
from app.serving.output_check import failed_answer
from app.serving.validation import InputError
from model.labels import Decision
from model.policy import probs_problem


def run_batch(
    agent: Agent, requests: Sequence[tuple[str, str]], *, user: str = "anonymous", role: str = "employee"
) -> list[AgentResult]:
    """Decide (and answer the allowed ones) for ``(context, user_request)`` pairs, in order."""
    if not requests:
        return []
    agent = agent.pinned()  # one model for the whole batch, even if a promotion swaps it meanwhile
    cleaned = []
    for n, (context, request) in enumerate(requests):
        try:
            cleaned.append(agent.clean(context, request))
        except InputError as exc:
            raise InputError(f"request {n}: {exc}") from exc
    started = time.perf_counter()
    pairs = [(c.context, c.user_request) for c in cleaned]
    prefill, error = agent.guarded_prefill(lambda runtime: runtime.prefill_batch(pairs))
    empty = {d: 0.0 for d in Decision}
    errors: list[str | None] = [error] * len(cleaned)
    probs = [prefill.probs[i] if prefill else empty for i in range(len(cleaned))]
    for i, row in enumerate(probs):  # never decide on NaN: an unusable row fails closed alone
        problem = probs_problem(row) if errors[i] is None else None
        if problem:
            errors[i], probs[i] = f"unusable safety probabilities: {problem}", empty
    decided = [
        agent.decision_record(c, probs[i], errors[i], user=user, role=role, started=started)
        for i, c in enumerate(cleaned)
    ]
    verdicts = [verdict for verdict, _ in decided]
    news = [new for _, new in decided]
    now = agent.clock()
    recorded = agent.record_decisions(news, now)  # in one transaction, before anything is answered
    case_ids = [r.case_id for r in recorded]
    answers: dict[int, str | None] = {}
    allowed = [i for i, v in enumerate(verdicts) if v.decision is Decision.ALLOW]
    if allowed and prefill is not None and agent.model is not None:
        try:
            generating = time.perf_counter()
            texts = agent.model.runtime.generate_batch(prefill, allowed, agent.generation_config())
            agent.observe_generation(generating, texts)
            checked = agent.check_answers([(news[i], text) for i, text in zip(allowed, texts, strict=True)])
        except Exception as exc:  # decoding failed: every allowed row fails closed
            checked = [failed_answer(agent.policy, exc, news[i], "generation") for i in allowed]
        for i, c in zip(allowed, checked, strict=True):
            answers[i], verdicts[i], errors[i] = c.text, c.verdict or verdicts[i], c.error or errors[i]
        opened = agent.record_answers(
            [(news[i], recorded[i].decision_id, c) for i, c in zip(allowed, checked, strict=True)], started
        )
        for i, case_id in zip(allowed, opened, strict=True):
            case_ids[i] = case_id if case_id is not None else case_ids[i]
    return [
        agent.result(
            news[i], verdicts[i], answers.get(i), case_ids[i], error=errors[i], now=now, started=started
        )
        for i in range(len(news))
    ]

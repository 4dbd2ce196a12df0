from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app import dbctl
from db.engine import make_engine, make_session_factory
from review.agreement import agreement_report, cohen_kappa
from review.queue import QueueConfig, claim_next
from review.verdicts import Verdict, decide
from tests.review.factories import make_cases

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_kappa_matches_a_hand_computed_example() -> None:
    # 50 cases: both approve 20, A approve/B reject 5, A reject/B approve 10, both reject 15.
    # p_o = 35/50 = 0.70; p_e = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
    pairs = [("a", "a")] * 20 + [("a", "r")] * 5 + [("r", "a")] * 10 + [("r", "r")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.40)
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a"), ("a", "a")]) == 1.0
    assert cohen_kappa([("a", "r"), ("r", "a")]) == pytest.approx(-1.0)


def test_report_from_double_reviewed_cases(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    dbctl.upgrade(engine)
    sessions = make_session_factory(engine)
    config = QueueConfig(double_review_categories=frozenset({"malware"}))
    with sessions.begin() as s:
        make_cases(s, 4, now=NOW, category="malware", config=config)
    # ann and bob review all four: they agree on the first three, differ on the last
    plan = {
        "ann": ["approve", "approve", "reject", "approve"],
        "bob": ["approve", "approve", "reject", "reject"],
    }
    for reviewer, verdicts in plan.items():
        for verdict in verdicts:
            with sessions.begin() as s:
                case = claim_next(session=s, reviewer=reviewer, now=NOW, config=config)
                assert case is not None
                decide(
                    session=s, case_id=case.id, reviewer=reviewer, verdict=Verdict(verdict, "why"), now=NOW
                )
    with sessions() as s:
        report = agreement_report(session=s)
    # p_o = 3/4; ann: 3 approve 1 reject, bob: 2 approve 2 reject -> p_e = (3*2 + 1*2)/16 = 0.5 -> kappa 0.5
    assert report.pairs == 4 and report.agreement_rate == pytest.approx(0.75)
    assert report.kappa == pytest.approx(0.5)
    assert report.per_reviewer["ann"]["kappa"] == pytest.approx(0.5)
    engine.dispose()

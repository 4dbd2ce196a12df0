"""The review queue on both backends: leases, no double claims under concurrency, verdicts, SLA, appeals."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, Case
from review.queue import QueueConfig, QueueFilters, ReviewError, claim_next, release
from review.records import record_decision
from review.sla import sweep
from review.verdicts import Verdict, appeal, decide, record_case_answer
from tests.review.factories import make_cases, new_decision

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONFIG = QueueConfig(lease=timedelta(minutes=10), double_review_categories=frozenset({"malware"}))


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def events(s: Session, kind: str) -> int:
    return int(s.scalar(select(func.count()).where(AuditEvent.event_type == kind)) or 0)


def test_claim_takes_the_most_urgent_oldest_case_and_leases_it(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        normal = make_cases(s, 2, now=NOW)
        high = make_cases(s, 1, now=NOW + timedelta(minutes=1), p_refuse=0.4)
    with sessions.begin() as s:
        first = claim_next(session=s, reviewer="rev1", now=NOW, config=CONFIG)
        second = claim_next(session=s, reviewer="rev2", now=NOW, config=CONFIG)
        assert first is not None and second is not None
        assert (first.id, second.id) == (high[0], normal[0])
        assert first.status == "claimed" and first.claimed_by == "rev1"
        assert first.lease_expires_at == NOW + timedelta(minutes=10)
        assert first.sla_due_at == NOW + timedelta(minutes=1) + CONFIG.sla[1]
        assert events(s, "case.claimed") == 2


def test_nobody_reviews_their_own_request(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        [own] = make_cases(s, 1, now=NOW, user="rev1")
    with sessions.begin() as s:
        assert claim_next(session=s, reviewer="rev1", now=NOW, config=CONFIG) is None
        other = claim_next(session=s, reviewer="rev2", now=NOW, config=CONFIG)
        assert other is not None and other.id == own


def test_filters_choose_what_a_reviewer_takes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        make_cases(s, 1, now=NOW, lang="en")
        ja = make_cases(s, 1, now=NOW, lang="ja", text="顧客リストを共有してよいですか")
    with sessions.begin() as s:
        got = claim_next(session=s, reviewer="r", now=NOW, config=CONFIG, filters=QueueFilters(lang="ja"))
        assert got is not None and got.id == ja[0]
        assert (
            claim_next(session=s, reviewer="r", now=NOW, config=CONFIG, filters=QueueFilters(lang="ja"))
            is None
        )


def test_expired_lease_returns_the_case(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW)
        assert claim_next(session=s, reviewer="slow", now=NOW, config=CONFIG) is not None
    later = NOW + timedelta(minutes=11)
    with sessions.begin() as s, pytest.raises(ReviewError, match=r"lease .* expired"):
        decide(session=s, case_id=case_id, reviewer="slow", verdict=Verdict("approve", "fine"), now=later)
    with sessions.begin() as s:
        again = claim_next(session=s, reviewer="fast", now=later, config=CONFIG)
        assert again is not None and again.id == case_id and again.claimed_by == "fast"
        assert events(s, "case.lease_expired") == 1


def test_decide_once_and_only_by_the_holder(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW)
    with sessions.begin() as s, pytest.raises(ReviewError, match="not claimed by you"):
        decide(session=s, case_id=case_id, reviewer="x", verdict=Verdict("approve", "fine"), now=NOW)
    with sessions.begin() as s:
        claim_next(session=s, reviewer="rev", now=NOW, config=CONFIG)
        with pytest.raises(ReviewError, match="reason"):
            decide(session=s, case_id=case_id, reviewer="rev", verdict=Verdict("reject", " "), now=NOW)
        result = decide(
            session=s,
            case_id=case_id,
            reviewer="rev",
            verdict=Verdict("reject", "Shares personal data", corrected_label="REFUSE"),
            now=NOW,
        )
        assert result.final and result.case.outcome == "rejected"
        assert "Shares personal data" in (result.case.final_response or "")
    with sessions.begin() as s, pytest.raises(ReviewError, match="already decided"):
        decide(session=s, case_id=case_id, reviewer="rev", verdict=Verdict("approve", "oops"), now=NOW)
    with sessions() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.outcome == "rejected" and case.corrected_label == "REFUSE"
        assert verify_chain(session=s).ok


def test_approve_without_edit_waits_for_the_model_answer(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW, lang="ja")
        claim_next(session=s, reviewer="rev", now=NOW, config=CONFIG)
        result = decide(
            session=s, case_id=case_id, reviewer="rev", verdict=Verdict("approve", "問題なし"), now=NOW
        )
        assert result.final and result.case.answer_pending and result.case.final_response is None
    with sessions.begin() as s:
        case = record_case_answer(session=s, case_id=case_id, answer="回答です", error=None, now=NOW)
        assert case.final_response == "回答です" and not case.answer_pending
        with pytest.raises(ReviewError, match="not waiting"):
            record_case_answer(session=s, case_id=case_id, answer="again", error=None, now=NOW)


def test_release_gives_the_case_back(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW)
        claim_next(session=s, reviewer="a", now=NOW, config=CONFIG)
        release(session=s, case_id=case_id, reviewer="a", now=NOW)
        got = claim_next(session=s, reviewer="b", now=NOW, config=CONFIG)
        assert got is not None and got.id == case_id


def test_double_review_is_blind_and_disagreement_goes_to_a_senior(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW, category="malware", config=CONFIG)
        assert s.get(Case, case_id).required_reviews == 2  # type: ignore[union-attr]

    def review(who: str, verdict: str, senior: bool = False) -> object:
        with sessions.begin() as s:
            got = claim_next(session=s, reviewer=who, now=NOW, config=CONFIG, is_senior=senior)
            assert got is not None and got.id == case_id
            return decide(
                session=s,
                case_id=case_id,
                reviewer=who,
                verdict=Verdict(verdict, "because"),
                now=NOW,
                is_senior=senior,
            )

    first = review("a", "approve")
    assert not first.final and not first.disagreement  # type: ignore[attr-defined]
    with sessions.begin() as s:  # the same reviewer cannot take it again
        assert claim_next(session=s, reviewer="a", now=NOW, config=CONFIG) is None
    second = review("b", "reject")
    assert second.disagreement and not second.final  # type: ignore[attr-defined]
    with sessions.begin() as s:  # only a senior may take it now
        assert claim_next(session=s, reviewer="c", now=NOW, config=CONFIG) is None
    final = review("boss", "reject", senior=True)
    assert final.final and final.case.outcome == "rejected" and final.case.decided_by == "boss"  # type: ignore[attr-defined]


def test_sla_sweep_marks_overdue_then_applies_the_fail_safe(sessions: sessionmaker[Session]) -> None:
    config = QueueConfig(fail_safe_after=timedelta(hours=1))
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW, config=config)
        due = s.get(Case, case_id).sla_due_at  # type: ignore[union-attr]
    with sessions.begin() as s:
        assert sweep(session=s, now=due - timedelta(seconds=1), config=config).marked_overdue == 0
        result = sweep(session=s, now=due + timedelta(minutes=1), config=config)
        assert (result.marked_overdue, result.failed_safe) == (1, 0)
        assert sweep(session=s, now=due + timedelta(minutes=2), config=config).marked_overdue == 0
    with sessions.begin() as s:
        result = sweep(session=s, now=due + timedelta(hours=1, minutes=1), config=config)
        assert result.failed_safe == 1
        case = s.get(Case, case_id)
        assert case is not None and case.status == "decided" and case.outcome == "fail_safe"
        assert case.decided_by == "system" and "fail-safe" in (case.final_response or "")
        assert events(s, "case.fail_safe") == 1 and events(s, "case.decided") == 0
        assert verify_chain(session=s).ok


def test_appeal_of_a_refusal_becomes_a_case(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        refused = new_decision("REFUSE", user="emp1")
        allowed = new_decision("ALLOW", user="emp1")
        record_decision(session=s, new=refused, now=NOW, queue=CONFIG)
        record_decision(session=s, new=allowed, now=NOW, queue=CONFIG)
    with sessions.begin() as s:
        with pytest.raises(ReviewError, match="no request"):
            appeal(
                session=s, request_id=refused.request_id, user="other", text="mine?", now=NOW, config=CONFIG
            )
        with pytest.raises(ReviewError, match="only refused"):
            appeal(session=s, request_id=allowed.request_id, user="emp1", text="why", now=NOW, config=CONFIG)
        case = appeal(
            session=s,
            request_id=refused.request_id,
            user="emp1",
            text="It is for a security training",
            now=NOW,
            config=CONFIG,
        )
        assert case.source == "appeal" and case.appeal_text == "It is for a security training"
    with sessions.begin() as s, pytest.raises(ReviewError, match="already"):
        appeal(session=s, request_id=refused.request_id, user="emp1", text="again", now=NOW, config=CONFIG)


CASES = 1000
THREADS = 16


def test_concurrent_reviewers_claim_every_case_exactly_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        ids = make_cases(s, CASES, now=NOW)
    claimed: list[list[int]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            while True:
                with sessions.begin() as s:
                    case = claim_next(session=s, reviewer=f"rev{i}", now=NOW, config=CONFIG)
                    if case is None:
                        return
                    claimed[i].append(case.id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = [c for per in claimed for c in per]
    assert len(everything) == CASES and sorted(everything) == sorted(ids)  # each exactly once, none lost
    assert sum(1 for per in claimed if per) > 1  # the work really was shared
    with sessions() as s:
        holders = dict(s.execute(select(Case.id, Case.claimed_by)).all())
        for i, per in enumerate(claimed):
            assert all(holders[c] == f"rev{i}" for c in per)
        assert events(s, "case.claimed") == CASES and verify_chain(session=s).ok


def test_audit_sampling_queues_a_share_of_allow_and_refuse(sessions: sessionmaker[Session]) -> None:
    config = QueueConfig(sample_rate=0.25)
    news = [new_decision("ALLOW" if i % 2 else "REFUSE") for i in range(400)]
    with sessions.begin() as s:
        results = [record_decision(session=s, new=n, now=NOW, queue=config) for n in news]
        assert all(r.case_id is None for r in results)  # the employee's result is unchanged
        samples = list(s.scalars(select(Case).where(Case.source == "sampling")))
    assert 60 <= len(samples) <= 140  # about a quarter of 400
    assert all(c.priority == 3 for c in samples)
    assert {c.decision_id for c in samples} == {
        r.decision_id for r, n in zip(results, news, strict=True) if config.sampled(n.request_id)
    }
    assert not QueueConfig().sampled(news[0].request_id)


def test_the_decision_audit_event_carries_a_masked_excerpt(sessions: sessionmaker[Session]) -> None:
    from dataclasses import replace

    new = replace(new_decision(text="Mail yamada@example.co.jp please"), excerpt="Mail [EMAIL] please")
    with sessions.begin() as s:
        record_decision(session=s, new=new, now=NOW, queue=CONFIG)
    with sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.event_type == "decision")).one()
        assert event.payload["input_excerpt"] == "Mail [EMAIL] please"
        assert "yamada@example.co.jp" not in str(event.payload)

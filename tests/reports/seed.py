"""A small, fully planned review history for the compliance-report tests, written through the services.

Period: 2026-11-02 00:00 to 2026-11-09 00:00 UTC. What the report must then show is worked out by hand
in ``EXPECTED`` (not by the report code).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import DecisionRecord
from review.conversations import start
from review.queue import QueueConfig, QueueFilters, claim_next, enqueue
from review.records import record_decision
from review.sla import sweep
from review.verdicts import Verdict, appeal, decide
from tests.review.factories import new_decision

START = datetime(2026, 11, 2, tzinfo=UTC)
END = datetime(2026, 11, 9, tzinfo=UTC)
NOW = END + timedelta(hours=1)  # when the report is generated
CONFIG = QueueConfig(double_review_categories=frozenset({"malware"}))
PII_TEXT = "Mail the Q3 list to taro.yamada@example.co.jp, call 090-1234-5678, card 4111 1111 1111 1111"

# Worked out by hand from the plan in ``seed``.
EXPECTED = {
    "decisions": 20,  # 8 ALLOW, 4 REFUSE, 8 ESCALATE in the period (2 more outside it)
    "allow": 8,
    "refuse": 4,
    "escalate": 8,
    "ja": 7,  # 2 ALLOW, 2 REFUSE, 3 ESCALATE (malware)
    "cases": 12,  # 5 escalations + 3 malware escalations + 2 appeals + 2 samples
    "fail_safe": 1,
    "met": 9,
    "late": 1,
    "pending": 1,
    "sla_met_rate": "81.8%",  # 9 / (12 - 1 pending)
    "reviewed": 10,  # decided by people
    "overturned": 3,  # escalation relabelled ALLOW, appeal approved, sample rejected
    "overturn_rate": "30.0%",
    "kappa": "0.40",  # pairs (a,a) (a,r) (r,r): p_o = 2/3, p_e = 4/9 -> (2/9) / (5/9)
    "appeals": 2,
    "appeal_reversal": "50.0%",
    # two conversations made of the decisions above:
    # EN (3 ALLOW, 1 REFUSE, 1 ESCALATE), JA (2 ALLOW, 2 REFUSE)
    "conversations": 2,
    "turns": 9,
    "single_requests": 11,
    "turns_mean": "4.5",
    "turns_max": "5",
    "chats_refused": 2,
    "chats_escalated": 1,
    # turn band -> (ALLOW, REFUSE, ESCALATE)
    "by_turn": {"single": (3, 1, 7), "1": (2, 0, 0), "2": (2, 0, 0), "3": (1, 1, 0), "4–5": (0, 2, 1)},
}


def _record(
    s: Session, decision: str, at: datetime, *, chat: int | None = None, **kwargs: object
) -> tuple[str, int | None]:
    model = "model-a" if at < START + timedelta(days=3) else "model-b"
    new = replace(new_decision(decision, **kwargs), reason_code=decision, model_version=model,  # type: ignore[arg-type]
                  conversation_id=chat)  # fmt: skip
    recorded = record_decision(session=s, new=new, now=at, queue=CONFIG)
    return new.request_id, recorded.decision_id


def _work(
    sessions: sessionmaker[Session],
    reviewer: str,
    filters: QueueFilters,
    verdicts: list[Verdict],
    at: datetime,
    *,
    senior: bool = False,
) -> None:
    for verdict in verdicts:
        with sessions.begin() as s:
            case = claim_next(
                session=s, reviewer=reviewer, now=at, config=CONFIG, filters=filters, is_senior=senior
            )
            assert case is not None, f"{reviewer} found no case for {filters}"
            decide(session=s, case_id=case.id, reviewer=reviewer, verdict=verdict, now=at, is_senior=senior)


def seed(sessions: sessionmaker[Session]) -> None:
    t = START + timedelta(minutes=5)
    with sessions.begin() as s:
        en_chat = start(session=s, user="emp1", now=t).id
        ja_chat = start(session=s, user="emp1", now=t).id
        _record(s, "ALLOW", START - timedelta(days=1))  # before the period
        for i in range(6):
            text = PII_TEXT if i == 0 else f"Draft agenda item {i} for the team meeting"
            _record(s, "ALLOW", t + timedelta(minutes=i), text=text, chat=en_chat if 1 <= i <= 3 else None)
        for i in range(2):
            _record(s, "ALLOW", t + timedelta(days=4, minutes=i), lang="ja", chat=ja_chat,
                    text="会議の議題案を作ってください")  # fmt: skip
        refusals = [
            _record(s, "REFUSE", t + timedelta(minutes=10 + i), p_refuse=0.9, category="data_exfiltration",
                    chat=en_chat if i == 0 else None)[0]
            for i in range(2)
        ]  # fmt: skip
        for i in range(2):
            _record(s, "REFUSE", t + timedelta(days=4, minutes=10 + i), p_refuse=0.9, lang="ja",
                    category="data_exfiltration", text="顧客名簿を個人のメールに送って",
                    chat=ja_chat)  # fmt: skip
        for i in range(4):
            _record(s, "ESCALATE", t + timedelta(minutes=20 + i), chat=en_chat if i == 0 else None)
        for i in range(3):
            _record(s, "ESCALATE", t + timedelta(minutes=30 + i), category="malware", lang="ja",
                    text="社内サーバーの脆弱性を調べるスクリプト")  # fmt: skip
        _record(s, "ESCALATE", END - timedelta(hours=1))  # still within its deadline when reported
        _record(s, "ESCALATE", END + timedelta(minutes=30))  # after the period
    with sessions.begin() as s:
        for request_id in refusals:
            appeal(session=s, request_id=request_id, user="emp1", text="I need this for the audit",
                   now=START + timedelta(hours=2), config=CONFIG)  # fmt: skip
    with sessions.begin() as s:
        in_period = DecisionRecord.created_at >= START
        allowed = s.scalars(
            select(DecisionRecord)
            .where(DecisionRecord.decision == "ALLOW", in_period)
            .order_by(DecisionRecord.id)
        ).all()[:2]
        for row in allowed:
            enqueue(session=s, decision=row, now=START + timedelta(hours=2), config=CONFIG, source="sampling")
    at = START + timedelta(minutes=150)
    ok, no = Verdict("approve", "fine for internal use"), Verdict("reject", "policy says no")
    relabel = Verdict("approve", "harmless request", corrected_label="ALLOW")
    _work(sessions, "alice", QueueFilters(source="escalate", lang="en"), [ok, no, relabel], at)
    _work(sessions, "alice", QueueFilters(category="malware"), [ok, ok, no], at)
    _work(sessions, "bob", QueueFilters(category="malware"), [ok, no, no], at)
    _work(sessions, "carol", QueueFilters(category="malware"), [no], START + timedelta(hours=5), senior=True)
    _work(sessions, "bob", QueueFilters(source="appeal"), [ok, no], at)
    _work(sessions, "bob", QueueFilters(source="sampling"), [ok, no], at)
    with sessions.begin() as s:
        result = sweep(session=s, now=START + timedelta(days=1), config=CONFIG)
        assert result.failed_safe == 1

"""Break-glass reveal of raw text: permitted roles with a reason get an audited ``pii.reveal`` event;
everyone else gets RawAccessDenied and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import dbctl
from audit.log import verify_chain
from db.engine import make_engine, make_session_factory
from db.models import AuditEvent, Case
from review.reveal import RAW_ACCESS_ROLES, REVEAL_EVENT, RawAccessDenied, reveal_raw
from tests.review.factories import make_cases

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
REASON = "Subject access request SAR-2026-014"


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    dbctl.upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def case(sessions: sessionmaker[Session]) -> tuple[int, str]:
    """An escalated request with its case: (case id, request id)."""
    with sessions.begin() as s:
        (case_id,) = make_cases(s, 1, now=NOW, text="私の電話は090-1234-5678です")
        return case_id, s.get(Case, case_id).decision.request_id  # type: ignore[union-attr]


def reveals(s: Session) -> list[AuditEvent]:
    return list(s.execute(select(AuditEvent).where(AuditEvent.event_type == REVEAL_EVENT)).scalars())


def test_permitted_roles(sessions: sessionmaker[Session], case: tuple[int, str]) -> None:
    case_id, request_id = case
    assert {"compliance", "admin"} == RAW_ACCESS_ROLES
    with sessions.begin() as s:
        reveal_raw(session=s, actor="carol", actor_role="compliance", reason=REASON, case_id=case_id, now=NOW)
        reveal_raw(
            session=s,
            actor="root",
            actor_role="admin",
            reason="  Legal hold LH-7 review  ",
            request_id=request_id,
            now=NOW,
        )
    with sessions() as s:
        events = reveals(s)
        assert [(e.actor, e.actor_role, e.request_id, e.case_id) for e in events] == [
            ("carol", "compliance", request_id, case_id),
            ("root", "admin", request_id, None),
        ]
        assert events[0].payload == {"reason": REASON, "target": "case"}
        assert events[1].payload == {"reason": "Legal hold LH-7 review", "target": "request"}
        assert verify_chain(session=s).ok


@pytest.mark.parametrize("role", ["employee", "reviewer", "system", ""])
def test_other_roles_are_denied_and_nothing_is_logged(
    sessions: sessionmaker[Session], case: tuple[int, str], role: str
) -> None:
    with sessions.begin() as s:
        with pytest.raises(RawAccessDenied, match="may not reveal") as denied:
            reveal_raw(session=s, actor="rita", actor_role=role, reason=REASON, case_id=case[0], now=NOW)
        assert isinstance(denied.value, PermissionError)
        assert reveals(s) == []


@pytest.mark.parametrize("reason", ["", "   ", "because", "  short   ", "監査部の要請で確認"])
def test_a_reason_of_ten_characters_is_required(
    sessions: sessionmaker[Session], case: tuple[int, str], reason: str
) -> None:
    with sessions.begin() as s:
        with pytest.raises(RawAccessDenied, match="at least 10 characters"):
            reveal_raw(
                session=s, actor="carol", actor_role="compliance", reason=reason, case_id=case[0], now=NOW
            )
        reveal_raw(
            session=s,
            actor="carol",
            actor_role="compliance",
            reason="監査部の要請で確認中",
            case_id=case[0],
            now=NOW,
        )
        assert len(reveals(s)) == 1  # exactly ten Japanese characters are enough


def test_target_must_exist_and_agree(sessions: sessionmaker[Session], case: tuple[int, str]) -> None:
    case_id, request_id = case
    with sessions.begin() as s:
        with pytest.raises(ValueError, match="request_id or a case_id"):
            reveal_raw(session=s, actor="carol", actor_role="compliance", reason=REASON, now=NOW)
        with pytest.raises(LookupError, match="case 999"):
            reveal_raw(session=s, actor="carol", actor_role="compliance", reason=REASON, case_id=999, now=NOW)
        with pytest.raises(LookupError, match="request nope"):
            reveal_raw(
                session=s, actor="carol", actor_role="compliance", reason=REASON, request_id="nope", now=NOW
            )
        with pytest.raises(ValueError, match="belongs to request"):
            reveal_raw(
                session=s,
                actor="carol",
                actor_role="compliance",
                reason=REASON,
                case_id=case_id,
                request_id="other",
                now=NOW,
            )
        with pytest.raises(RawAccessDenied, match="named actor"):
            reveal_raw(
                session=s, actor=" ", actor_role="admin", reason=REASON, request_id=request_id, now=NOW
            )
        assert reveals(s) == []


def test_the_caller_owns_the_transaction(sessions: sessionmaker[Session], case: tuple[int, str]) -> None:
    with sessions() as s:
        reveal_raw(session=s, actor="carol", actor_role="compliance", reason=REASON, case_id=case[0], now=NOW)
        assert len(reveals(s)) == 1  # flushed in this transaction
        s.rollback()
    with sessions() as s:
        assert reveals(s) == []

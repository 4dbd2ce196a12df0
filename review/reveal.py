"""Break-glass access to unmasked text: a permitted role states a reason and the reveal is audited.

Everything people see is masked by ``pii.masker.PiiMasker``; showing the raw request or answer is an
exception that must leave a trace. Call :func:`reveal_raw` *before* showing raw text, in the same
transaction as anything else the action writes, and commit -- if the commit fails, do not show it:

    with sessions.begin() as session:
        reveal_raw(session=session, actor=user.username, actor_role=user.role,
                   reason="Subject access request SAR-2026-014", case_id=case.id, now=now)
        raw = load_the_raw_text(...)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.log import append_event
from db.models import Case, DecisionRecord

RAW_ACCESS_ROLES = frozenset({"compliance", "admin"})
MIN_REASON_CHARS = 10
REVEAL_EVENT = "pii.reveal"


class RawAccessDenied(PermissionError):
    """The actor may not see the raw text (wrong role or no adequate reason); nothing was logged."""


def reveal_raw(
    *,
    session: Session,
    actor: str,
    actor_role: str,
    reason: str,
    now: datetime,
    request_id: str | None = None,
    case_id: int | None = None,
) -> None:
    """Authorise showing one request's (or case's) raw text to ``actor`` and append a ``pii.reveal``
    audit event with the reason (flushed, not committed).

    Raises :class:`RawAccessDenied` when ``actor_role`` is not in :data:`RAW_ACCESS_ROLES` or the reason
    has fewer than :data:`MIN_REASON_CHARS` characters, :class:`LookupError` when the request or case does
    not exist, and :class:`ValueError` when neither (or both inconsistent) targets are given.
    """
    if request_id is None and case_id is None:
        raise ValueError("reveal_raw needs a request_id or a case_id")
    if not actor.strip():
        raise RawAccessDenied("raw access needs a named actor")
    if actor_role not in RAW_ACCESS_ROLES:
        raise RawAccessDenied(
            f"role {actor_role!r} may not reveal raw text; only {', '.join(sorted(RAW_ACCESS_ROLES))} may"
        )
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise RawAccessDenied(
            f"revealing raw text needs a reason of at least {MIN_REASON_CHARS} characters "
            f"(got {len(reason)}); say why, e.g. the ticket or legal request it serves"
        )
    target = "request"
    if case_id is not None:
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(f"case {case_id} does not exist")
        case_request = session.execute(
            select(DecisionRecord.request_id).where(DecisionRecord.id == case.decision_id)
        ).scalar_one()
        if request_id is not None and request_id != case_request:
            raise ValueError(f"case {case_id} belongs to request {case_request}, not {request_id}")
        request_id, target = case_request, "case"
    elif (
        session.execute(select(DecisionRecord.id).where(DecisionRecord.request_id == request_id)).first()
        is None
    ):
        raise LookupError(f"request {request_id} does not exist")
    append_event(
        session=session,
        event_type=REVEAL_EVENT,
        actor=actor,
        actor_role=actor_role,
        request_id=request_id,
        case_id=case_id,
        payload={"reason": reason, "target": target},
        now=now,
    )

"""The model's answer to a reviewer-approved case passes the output check like every answer it writes.

Issue #31, finding 2: after an approval without an edited answer the desk generated the model's answer and
masked it, but no safety head re-judged it and no person saw it before the employee did. Now a failing
answer goes back to the reviewer (the case keeps waiting for an answer, the reason is shown), never to the
employee. Real tiny model, real heads, real database: the request is escalated by the ESCALATE-forced
head; the answer is judged by the REFUSE-forced head (a harmful answer) or the ESCALATE-forced one (a
doubtful answer, which a person's approval settles).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.identity.accounts import Principal, principal_of
from app.main import create_api
from app.services import Services
from app.serving.loader import LoadedModel
from audit.log import verify_chain
from db.models import AuditEvent, User
from review.verdicts import Verdict
from tests.conftest import add_user, bearer

REQUEST = "May I share the Q3 roadmap with a supplier?"


def _approved(services: Services, judge: str, models: dict[str, LoadedModel]) -> tuple[int, str]:
    """An escalated request, claimed and approved (no edited answer) by a reviewer; ``judge`` is the head
    the answer's output check reads."""
    services.desk.output_judge = models[judge].runtime
    add_user(services, "emma")
    reviewer = add_user(services, "rita", "reviewer")
    result = services.agent.run("", REQUEST, user="emma")
    assert result.decision == "ESCALATE" and result.case_id is not None
    case = services.desk.claim(reviewer)
    assert case is not None and case.id == result.case_id
    services.desk.decide(reviewer, case.id, Verdict("approve", "fine to share the public part"))
    return case.id, result.request_id


def _events(services: Services, case_id: int) -> list[AuditEvent]:
    with services.sessions() as s:
        return list(
            s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
        )


def test_a_harmful_model_answer_goes_back_to_the_reviewer_not_the_employee(
    sqlite_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    case_id, request_id = _approved(services, "REFUSE", tiny_models)
    outcome = services.desk.my_requests(_principal(services, "emma"))[0]
    assert outcome.request_id == request_id and outcome.answer_pending and not outcome.response
    detail = services.desk.get(_principal(services, "rita"), case_id)
    assert detail.answer_pending and detail.final_response is None
    assert detail.answer_error and "output check failed (OUTPUT_BLOCKED)" in detail.answer_error
    failed = [e for e in _events(services, case_id) if e.event_type == "case.answer_failed"]
    assert len(failed) == 1 and "OUTPUT_BLOCKED" in failed[0].payload["error"]

    # the reviewer writes the answer; that one reaches the employee, audited as theirs
    done = services.desk.write_answer(_principal(services, "rita"), case_id, "Share only the public summary.")
    assert not done.answer_pending and done.final_response == "Share only the public summary."
    assert services.desk.my_requests(_principal(services, "emma"))[0].response == done.final_response
    answered = [e for e in _events(services, case_id) if e.event_type == "case.answered"]
    assert [(e.actor, e.payload["written_by"]) for e in answered] == [("rita", "reviewer")]
    with services.sessions() as s:
        assert verify_chain(session=s).ok


@pytest.mark.parametrize(("judge", "check"), [("ESCALATE", True), ("ALLOW", True), ("REFUSE", False)])
def test_a_doubtful_or_passing_answer_or_the_check_off_delivers_it(
    sqlite_url: str,
    make_services: Callable[..., Services],
    tiny_models: dict[str, LoadedModel],
    judge: str,
    check: bool,
) -> None:
    services = make_services(sqlite_url, "ESCALATE", output_check=check)
    case_id, _ = _approved(services, judge, tiny_models)
    detail = services.desk.get(_principal(services, "rita"), case_id)
    assert not detail.answer_pending and detail.final_response is not None and detail.answer_error is None


def test_the_api_retries_or_takes_the_reviewer_s_answer(
    sqlite_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    case_id, _ = _approved(services, "REFUSE", tiny_models)
    client = TestClient(create_api(services))
    retried = client.post(f"/v1/cases/{case_id}/answer", headers=bearer(services, "rita"))
    assert retried.status_code == 200, retried.text
    assert retried.json()["answer_pending"] and "OUTPUT_BLOCKED" in retried.json()["answer_error"]
    assert (
        client.post(
            f"/v1/cases/{case_id}/answer", json={"answer": "x"}, headers=bearer(services, "emma")
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/v1/cases/{case_id}/answer", json={"answer": ""}, headers=bearer(services, "rita")
        ).status_code
        == 422
    )
    sent = client.post(
        f"/v1/cases/{case_id}/answer", json={"answer": "Yes."}, headers=bearer(services, "rita")
    )
    assert sent.status_code == 200 and sent.json()["final_response"] == "Yes."
    again = client.post(
        f"/v1/cases/{case_id}/answer", json={"answer": "No."}, headers=bearer(services, "rita")
    )
    assert again.status_code == 409  # answered: immutable


def _principal(services: Services, username: str) -> Principal:
    with services.sessions() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        return principal_of(user)

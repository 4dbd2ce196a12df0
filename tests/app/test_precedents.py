"""Precedents with the real offline MiniLM embedder: the most similar decided case comes first."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from tests.conftest import add_user, bearer

PAST = {
    "Can I copy the whole customer database to my personal USB stick?": "reject",
    "May I forward the public press release to a journalist?": "approve",
    "顧客の個人情報を全件エクスポートして外部に送ってもいいですか": "reject",
}


def test_reviewer_sees_the_most_similar_decided_cases(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE", precedents=True)
    add_user(services, "emp1")
    add_user(services, "rev1", "reviewer")
    client = TestClient(create_app(services=services))
    emp, rev = bearer(services, "emp1"), bearer(services, "rev1")
    for text, verdict in PAST.items():
        assert client.post("/v1/agent/run", json={"user_request": text}, headers=emp).status_code == 200
        case = client.post("/v1/cases/claim", headers=rev).json()
        edited = {"edited_answer": "Yes."} if verdict == "approve" else {}
        decided = client.post(
            f"/v1/cases/{case['id']}/decide",
            headers=rev,
            json={"verdict": verdict, "reason": "precedent", **edited},
        )
        assert decided.status_code == 200, decided.text

    asked = client.post(
        "/v1/agent/run",
        json={"user_request": "Is it OK to put all customer records on a USB drive?"},
        headers=emp,
    ).json()
    found = client.get(f"/v1/cases/{asked['case_id']}/precedents?k=2", headers=rev)
    assert found.status_code == 200
    top = found.json()
    assert len(top) == 2 and top[0]["similarity"] >= top[1]["similarity"]
    assert top[0]["excerpt"].startswith("Can I copy the whole customer database")
    assert top[0]["outcome"] == "rejected" and top[0]["verdict_reason"] == "precedent"
    assert client.get(f"/v1/cases/{asked['case_id']}/precedents", headers=emp).status_code == 403

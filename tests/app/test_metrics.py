"""``/metrics``: every metric moves when its event happens, on the real app with the tiny real model and a
real database; who may scrape; the scrape-time figures of the review desk and the audit spool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from app.main import create_app
from app.ops.collectors import DeskCollector
from app.ops.metrics_route import scrape_allowed
from app.ops.sweeper import Sweeper
from app.services import Services
from app.serving.loader import LoadedModel
from review.ops_stats import desk_snapshot, is_overturn
from review.verdicts import Verdict
from tests.app.scrape import MONITORING, parse, scrape
from tests.conftest import add_user, bearer

ASK = "/v1/agent/run"


def _client(services: Services, user: str = "emp1", role: str = "employee") -> TestClient:
    add_user(services, user, role)
    return TestClient(create_app(services=services), headers=bearer(services, user), client=MONITORING)


def test_who_may_scrape() -> None:
    assert scrape_allowed("127.0.0.1", None, None) and scrape_allowed("::1", None, None)
    assert scrape_allowed("10.1.2.3", None, None) and scrape_allowed("172.20.0.5", None, None)
    assert scrape_allowed("192.168.1.9", None, None) and scrape_allowed("fd00::7", None, None)
    assert not scrape_allowed("203.0.113.5", None, None) and not scrape_allowed("8.8.8.8", None, None)
    assert not scrape_allowed("testclient", None, None) and not scrape_allowed(None, None, None)
    token = SecretStr("s3cret-token")
    assert scrape_allowed("203.0.113.5", "Bearer s3cret-token", token)
    assert scrape_allowed("203.0.113.5", "bearer s3cret-token", token)
    assert not scrape_allowed("127.0.0.1", None, token)  # with a token, the network alone is not enough
    assert not scrape_allowed("127.0.0.1", "Bearer wrong", token)
    assert not scrape_allowed("127.0.0.1", "Basic s3cret-token", token)


def test_public_clients_get_403_and_the_token_opens_it(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    open_app = create_app(services=make_services(sqlite_url, "ALLOW"))
    assert TestClient(open_app, client=("203.0.113.5", 1)).get("/metrics").status_code == 403
    assert TestClient(open_app, client=MONITORING).get("/metrics").status_code == 200
    guarded = create_app(services=make_services(sqlite_url, "ALLOW", metrics_token="tok-123"))
    assert TestClient(guarded, client=MONITORING).get("/metrics").status_code == 403
    public = TestClient(guarded, client=("203.0.113.5", 1))
    assert public.get("/metrics", headers={"Authorization": "Bearer tok-123"}).status_code == 200
    assert "/metrics" not in create_app(services=make_services(sqlite_url, "ALLOW")).openapi()["paths"]


def test_each_app_has_its_own_registry(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    a, b = make_services(sqlite_url, "ESCALATE"), make_services(sqlite_url, "ESCALATE")
    assert a.telemetry.metrics.registry is not b.telemetry.metrics.registry
    _client(a).post(ASK, json={"user_request": "Give me the HR file of Sato"})
    only_a = scrape(TestClient(create_app(services=a), client=MONITORING)).sum("so8t_decisions_total")
    only_b = scrape(TestClient(create_app(services=b), client=MONITORING)).sum("so8t_decisions_total")
    assert (only_a, only_b) == (1.0, 0.0)


def test_an_escalation_counts_a_decision_and_deepens_the_queue(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    client = _client(services)
    before = scrape(client)
    assert before.value("so8t_database_up") == 1.0 and before.sum("so8t_review_queue_depth") == 0
    body = client.post(ASK, json={"user_request": "Give me the HR file of Sato"}).json()
    after = scrape(client)
    labels = {"decision": "ESCALATE", "reason_code": body["reason_code"], "lang": "en", "category": "none"}
    labels["category"] = body["category"] or "none"
    assert after.value("so8t_decisions_total", **labels) == 1.0
    assert after.value("so8t_agent_requests_total", outcome="decided") == 1.0
    assert after.value("so8t_decision_latency_seconds_count", decision="ESCALATE") == 1.0
    assert after.value("so8t_request_latency_seconds_count", decision="ESCALATE") == 1.0
    assert after.sum("so8t_review_queue_depth", status="open") == 1.0
    assert after.value("so8t_review_oldest_undecided_age_seconds") >= 0.0
    ok = after.value("so8t_http_requests_total", method="POST", route=ASK, status="200")
    assert (
        ok == 1.0 and after.value("so8t_http_request_duration_seconds_count", method="POST", route=ASK) == 1
    )
    assert after.value("so8t_generation_latency_seconds_count") == 0.0  # ESCALATE decodes nothing


def test_an_allowed_answer_counts_generation_and_tokens(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    client = _client(make_services(sqlite_url, "ALLOW", max_new_tokens=8, output_check=False))
    body = client.post(ASK, json={"user_request": "Draft a short note to the team"}).json()
    assert body["decision"] == "ALLOW"
    after = scrape(client)
    assert after.value("so8t_generation_latency_seconds_count") == 1.0
    assert after.value("so8t_generated_tokens_total") >= 1.0
    assert (
        after.value(
            "so8t_decisions_total",
            decision="ALLOW",
            reason_code=body["reason_code"],
            category="none",
            lang="en",
        )
        == 1.0
    )


def test_a_withheld_answer_is_counted(
    sqlite_url: str, make_services: Callable[..., Services], tiny_models: dict[str, LoadedModel]
) -> None:
    services = make_services(sqlite_url, "ALLOW", max_new_tokens=4)
    services.agent.output_judge = tiny_models["REFUSE"].runtime  # the head says REFUSE on the answer
    client = _client(services)
    assert client.post(ASK, json={"user_request": "Draft a note"}).json()["reason_code"] == "OUTPUT_BLOCKED"
    after = scrape(client)
    assert after.value("so8t_output_withheld_total", reason_code="OUTPUT_BLOCKED") == 1.0
    assert after.sum("so8t_decisions_total", decision="REFUSE", reason_code="OUTPUT_BLOCKED") == 1.0


def test_invalid_input_and_rate_limits_are_counted(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    client = _client(make_services(sqlite_url, "REFUSE", rate_limit_per_user=2))
    assert client.post(ASK, json={"user_request": "y" * 5000}).status_code == 422
    assert client.post(ASK, json={"user_request": "Delete the audit log"}).status_code == 200
    assert client.post(ASK, json={"user_request": "Delete the audit log"}).status_code == 429
    after = scrape(client)
    assert after.value("so8t_agent_requests_total", outcome="invalid") == 1.0
    assert after.value("so8t_rate_limited_total", limit="user") == 1.0
    assert after.value("so8t_http_requests_total", method="POST", route=ASK, status="429") == 1.0


def test_database_failures_are_counted_and_the_scrape_survives(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    client = _client(services)
    with services.engine.begin() as conn:  # a real fault: the decisions table is gone
        conn.execute(text("ALTER TABLE decisions RENAME TO decisions_gone"))
    assert client.post(ASK, json={"user_request": "Give me the HR file of Sato"}).status_code == 503
    after = scrape(client)
    assert after.value("so8t_db_errors_total", operation="record") == 1.0
    assert after.value("so8t_agent_requests_total", outcome="not_recorded") == 1.0
    assert after.value("so8t_database_up") == 0.0 and not after.has("so8t_review_overdue_cases")
    # the failed read is counted while that scrape is rendered, after the counters: the next one shows it
    assert scrape(client).value("so8t_db_errors_total", operation="metrics") >= 1.0
    assert after.value("so8t_model_loaded") == 1.0  # the rest of the scrape is still there


def test_the_audit_spool_size_is_its_line_count(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ALLOW")
    path = services.settings.spool_path
    client = TestClient(create_app(services=services), client=MONITORING)
    assert not path.exists()
    assert scrape(client).value("so8t_audit_spool_entries") == 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"kind": "decision"}\n{"kind": "decision"}\n', encoding="utf-8")
    assert scrape(client).value("so8t_audit_spool_entries") == 2.0


def test_nightly_outcomes_are_read_from_the_runs_table(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    from training.nightly.runs import finish_run, open_run

    services = make_services(sqlite_url, "ALLOW")
    client = TestClient(create_app(services=services), client=MONITORING)
    assert not scrape(client).has("so8t_nightly_last_success_timestamp_seconds")  # no run yet: no sample
    day = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    for n, status in enumerate(["succeeded", "failed"]):
        with services.sessions.begin() as s:
            run = open_run(session=s, now=day + timedelta(days=n), actor="test", force=True)
            end = day + timedelta(days=n, minutes=30)
            finish_run(session=s, run_id=run, now=end, status=status, decision=None, summary={}, report=None)
    got = scrape(client)
    assert (
        got.value("so8t_nightly_last_success_timestamp_seconds") == (day + timedelta(minutes=30)).timestamp()
    )
    failed_at = got.value("so8t_nightly_last_run_timestamp_seconds", status="failed")
    assert failed_at == (day + timedelta(days=1, minutes=30)).timestamp()  # after the success: alert fires


def test_model_info_names_the_served_model(sqlite_url: str, make_services: Callable[..., Services]) -> None:
    services = make_services(sqlite_url, "ALLOW")
    got = scrape(TestClient(create_app(services=services), client=MONITORING))
    version, policy = services.agent.model_version, services.agent.policy.version
    assert got.value("so8t_model_info", model_version=version, policy_version=policy) == 1.0
    services.agent.model = None  # the model is gone: requests fail closed, and the gauge says so
    gone = scrape(TestClient(create_app(services=services), client=MONITORING))
    assert gone.value("so8t_model_loaded") == 0.0 and gone.has(
        "so8t_model_info", model_version="unavailable", policy_version=policy
    )


def test_review_desk_figures_move_with_reviews_sla_and_fail_safe(
    db_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(db_url, "ESCALATE")
    client = _client(services)
    reviewer = add_user(services, "rev1", "reviewer")
    for _ in range(3):
        client.post(ASK, json={"user_request": "Give me the HR file of Sato"})
    assert scrape(client).sum("so8t_review_queue_depth") == 3.0
    # a reviewer decides one, correcting the model's ESCALATE to REFUSE: throughput and an overturn
    case = services.desk.claim(reviewer)
    assert case is not None and scrape(client).sum("so8t_review_queue_depth", status="claimed") == 1.0
    services.desk.decide(reviewer, case.id, Verdict("reject", "not allowed", corrected_label="REFUSE"))
    got = scrape(client)
    assert got.value("so8t_review_decided_last_hour", outcome="rejected") == 1.0
    assert got.value("so8t_review_reviewed_24h") == 1.0 and got.value("so8t_review_overturn_ratio") == 1.0
    assert got.sum("so8t_review_queue_depth") == 2.0
    # past the SLA: the sweep marks the other two overdue; past the hard limit it applies the fail-safe
    config = services.agent.queue
    late = datetime.now(UTC) + config.sla_for(1) + config.sla_for(2)
    Sweeper(services.sessions, config, 60, clock=lambda: late).run_once()
    got = scrape(client)
    assert (
        got.value("so8t_review_sla_breaches_total") == 2.0 and got.value("so8t_review_fail_safe_total") == 0
    )
    with services.sessions() as s:
        assert desk_snapshot(session=s, now=late).overdue_now == 2
    Sweeper(services.sessions, config, 60, clock=lambda: late + config.fail_safe_after).run_once()
    got = scrape(client)
    assert got.value("so8t_review_fail_safe_total") == 2.0 and got.sum("so8t_review_queue_depth") == 0.0


def test_desk_collector_reads_the_age_of_the_oldest_case(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    _client(services).post(ASK, json={"user_request": "Give me the HR file of Sato"})
    later = datetime.now(UTC) + timedelta(hours=2)
    collector = DeskCollector(services.sessions, services.telemetry, clock=lambda: later)
    ages = {f.name: f.samples[0].value for f in collector.collect() if f.samples and not f.samples[0].labels}
    assert 7190 < ages["so8t_review_oldest_undecided_age_seconds"] < 7210
    assert ages["so8t_review_overdue_cases"] == 0.0  # due in 4 h (normal priority) or 1 h (high)
    assert parse("").families == {}


@pytest.mark.parametrize(
    ("outcome", "model", "corrected", "overturned"),
    [
        ("approved", "REFUSE", None, True),
        ("rejected", "ALLOW", None, True),
        ("approved", "ESCALATE", None, False),
        ("rejected", "ESCALATE", None, False),
        ("rejected", "ESCALATE", "REFUSE", True),
        ("approved", "ALLOW", "ALLOW", False),
        ("fail_safe", "REFUSE", None, False),
    ],
)
def test_overturn_definition(outcome: str, model: str, corrected: str | None, overturned: bool) -> None:
    assert is_overturn(outcome, model, corrected) is overturned


def test_double_review_agreement_appears_once_two_reviewers_decided(
    sqlite_url: str, make_services: Callable[..., Services]
) -> None:
    services = make_services(sqlite_url, "ESCALATE")
    client = _client(services)
    first, second = add_user(services, "rev1", "reviewer"), add_user(services, "rev2", "reviewer")
    client.post(ASK, json={"user_request": "Give me the HR file of Sato"})
    with services.engine.begin() as conn:  # the case needs two verdicts (as a double-review category would)
        conn.execute(text("UPDATE cases SET required_reviews = 2"))
    assert not scrape(client).has("so8t_review_agreement_kappa")
    for reviewer in (first, second):
        case = services.desk.claim(reviewer)
        assert case is not None
        services.desk.decide(reviewer, case.id, Verdict("reject", "not for this channel"))
    got = scrape(client)
    assert got.value("so8t_review_agreement_pairs") == 1.0
    assert got.value("so8t_review_agreement_ratio") == 1.0 and got.value("so8t_review_agreement_kappa") == 1.0

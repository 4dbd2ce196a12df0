"""Property-based API fuzzing with schemathesis: every operation in the app's own OpenAPI schema, called
with generated valid (positive) and invalid (negative) data as a signed-in admin, must never answer 5xx
and must answer what the schema promises (status codes, content types, response bodies).

The app is the real one (``create_app``: REST + mounted UI) over the tiny model forced to ESCALATE (so
requests open review cases the case routes can then find), a fresh SQLite database and no rate limits.
schemathesis' pytest plugin (``from_fixture``) does not run under pytest 9, so the operations' case
strategies are driven with hypothesis directly, one bounded run per operation and generation mode.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from app.api.agent import InvalidInput
from app.main import create_app
from app.services import Services
from tests.conftest import add_user, bearer

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# the REST routes in app/api/agent.py (3), app/api/people.py (13), app/api/admin.py (5)
EXPECTED_OPERATIONS = 28


@pytest.fixture
def fuzz_services(sqlite_url: str, make_services: Callable[..., Services]) -> Services:
    services = make_services(sqlite_url, "ESCALATE", rate_limit_per_user=0, rate_limit_per_ip=0)
    add_user(services, "fuzz-admin", "admin")
    return services


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _has_parameters(operation: schemathesis.APIOperation) -> bool:
    return any(True for _ in operation.iter_parameters()) or bool(operation.body)


def _describe(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    if isinstance(exc, BaseExceptionGroup):
        parts += [_describe(sub) for sub in exc.exceptions]
    return "\n".join(parts)[:4000]


@pytest.mark.slow
def test_every_operation_no_server_error_and_conforms(fuzz_services: Services) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services=fuzz_services))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an Err is a schema the app should not produce
        operations.append(result.ok())
    assert len(operations) == EXPECTED_OPERATIONS, [op.label for op in operations]
    headers = bearer(fuzz_services, "fuzz-admin")
    failures: dict[str, str] = {}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, headers)
            except Unsatisfiable:  # an operation without parameters has no invalid data to send
                if mode is GenerationMode.POSITIVE or _has_parameters(operation):
                    raise
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # collect every operation's failure, then report them all
                failures[f"{operation.label} [{mode.value}]"] = _describe(exc)
    assert not failures, "\n\n".join(f"{label}:\n{err}" for label, err in failures.items())


# Regressions for what the fuzzing found: each of these raised inside the app (a 500 under uvicorn).
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/cases/9223372036854775808"),  # past SQLite's INTEGER: OverflowError
        ("GET", "/v1/cases/2147483648/precedents"),  # past PostgreSQL's INTEGER
        ("POST", "/v1/cases/99999999999999999999/release"),
        ("GET", "/v1/cases?offset=9223372036854775808"),  # OverflowError in the OFFSET
        ("GET", "/v1/cases?older_than_minutes=99999999999"),  # now - minutes left the date range
    ],
)
def test_out_of_range_numbers_are_invalid_input(fuzz_services: Services, method: str, path: str) -> None:
    client = TestClient(create_app(services=fuzz_services), raise_server_exceptions=False)
    response = client.request(method, path, headers=bearer(fuzz_services, "fuzz-admin"))
    assert response.status_code == 422, response.text
    body = InvalidInput.model_validate(response.json())
    assert body.errors and "less than or equal" in body.detail


def test_unparseable_body_is_a_documented_400(fuzz_services: Services) -> None:
    client = TestClient(create_app(services=fuzz_services), raise_server_exceptions=False)
    headers = {**bearer(fuzz_services, "fuzz-admin"), "Content-Type": "application/json"}
    response = client.post("/v1/agent/run", content=b"1\xf0\x15\xff", headers=headers)
    assert response.status_code == 400
    schema = client.get("/openapi.json").json()
    assert "400" in schema["paths"]["/v1/agent/run"]["post"]["responses"]
    invalid = schema["paths"]["/v1/cases"]["get"]["responses"]["422"]["content"]["application/json"]
    assert invalid["schema"] == {"$ref": "#/components/schemas/InvalidInput"}

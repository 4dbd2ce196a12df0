"""Shared fixtures: a tiny real model, safety heads that force a decision, and per-test databases.

PostgreSQL tests use the server at SO8T_TEST_POSTGRES_URL (default: root@127.0.0.1:5432/test); each test
creates its own database and drops it afterwards. They fail, not skip, when the server is missing
(deselect them explicitly with ``-m 'not postgres'`` if you really have no server).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import torch
from sqlalchemy.engine import make_url

from app.identity.accounts import Principal, create_user, principal_of
from app.services import Services, build_services
from app.serving.loader import LoadedModel, load_model
from app.settings import Settings
from model.artifacts import tokenizer_digest, write_manifest
from model.head import SafetyHead, SafetyHeadConfig, save_head
from model.labels import LABEL_INDEX
from model.tiny import build_tiny_model

# The run_agent result keys promised by the seed (and DESIGN.md's contract).
RUN_AGENT_KEYS = (
    "decision",
    "rationale",
    "confidence",
    "safety_probs",
    "task_response",
    "human_required",
    "case_id",
    "request_id",
    "timestamp",
    "model_version",
    "policy_version",
    "flags",
)
PG_URL = os.environ.get("SO8T_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny-qwen2")


def make_forced_head(
    directory: Path, decision: str, *, tokenizer_sha256: str, hidden_size: int = 64, strength: float = 8.0
) -> Path:
    """A real head artifact whose output bias makes ``decision`` win for every input (weights zeroed)."""
    head = SafetyHead(SafetyHeadConfig(hidden_size=hidden_size))
    with torch.no_grad():
        head.out.weight.zero_()
        head.out.bias.zero_()
        head.out.bias[LABEL_INDEX[decision]] = strength
    save_head(head, directory)
    write_manifest(directory, base_model="tiny-qwen2", tokenizer_sha256=tokenizer_sha256)
    return directory


@pytest.fixture(scope="session")
def tiny_tokenizer_sha256(tiny_model_dir: Path) -> str:
    from transformers import AutoTokenizer

    return tokenizer_digest(AutoTokenizer.from_pretrained(tiny_model_dir, local_files_only=True))


@pytest.fixture(scope="session")
def forced_heads(tmp_path_factory: pytest.TempPathFactory, tiny_tokenizer_sha256: str) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("heads")
    return {
        d: make_forced_head(root / d.lower(), d, tokenizer_sha256=tiny_tokenizer_sha256)
        for d in ("ALLOW", "REFUSE", "ESCALATE")
    }


@pytest.fixture(scope="session")
def tiny_models(tiny_model_dir: Path, forced_heads: dict[str, Path]) -> dict[str, LoadedModel]:
    """The tiny LM loaded once per forced decision, through the production loader."""
    out = {}
    for decision, head_dir in forced_heads.items():
        settings = Settings(
            model_name_or_path=str(tiny_model_dir), head_dir=head_dir, max_new_tokens=8, _env_file=None
        )  # type: ignore[call-arg]
        out[decision] = load_model(settings)
    return out


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'so8t.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = make_url(PG_URL)
    name = f"so8t_t_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_URL} ({exc}); start it or set SO8T_TEST_POSTGRES_URL"
        )
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def make_services(
    tiny_models: dict[str, LoadedModel], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Services]]:
    """Build migrated services on a database URL with the tiny model forced to one decision."""
    from app import dbctl

    built: list[Services] = []

    def _make(url: str, decision: str = "ALLOW", **overrides: object) -> Services:
        overrides.setdefault("secret_key", "test-signing-key")
        overrides.setdefault("precedents", False)  # MiniLM loads in the tests that are about precedents
        overrides.setdefault("pii_ner", False)  # GiNZA too (patterns still mask); see test_cases_api
        overrides.setdefault("audit_spool_path", tmp_path_factory.mktemp("spool") / "audit-spool.jsonl")
        settings = Settings(database_url=url, _env_file=None, **overrides)  # type: ignore[call-arg, arg-type]
        services = build_services(settings, model=tiny_models[decision])
        dbctl.upgrade(services.engine)
        built.append(services)
        return services

    yield _make
    for services in built:
        services.engine.dispose()


PASSWORD = "correct-horse-battery"


def add_user(services: Services, username: str, role: str = "employee", *, senior: bool = False) -> Principal:
    """A real account (password ``PASSWORD``) in the services' database."""
    with services.sessions.begin() as session:
        user = create_user(
            session=session,
            username=username,
            role=role,
            password=PASSWORD,
            is_senior=senior,
            now=datetime.now(UTC),
        )
        return principal_of(user)


def bearer(services: Services, username: str) -> dict[str, str]:
    """Authorization headers with a token signed by the services' signer (as POST /v1/auth/token gives)."""
    return {"Authorization": f"Bearer {services.auth.signer.issue(username, datetime.now(UTC))}"}


@contextlib.contextmanager
def fault_after_prefill(services: Services, message: str) -> Iterator[None]:
    """Let the model's first forward (the prefill) succeed and make every later one raise ``message``:
    a real fault injected into the real model, as a dying accelerator would."""
    assert services.agent.model is not None
    calls: list[int] = []

    def hook(*_: object) -> None:
        calls.append(1)
        if len(calls) >= 2:
            raise RuntimeError(message)

    handle = services.agent.model.runtime.lm.get_input_embeddings().register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()

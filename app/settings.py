"""All configuration in one pydantic-settings object (env prefix ``SO8T_``, optional ``.env``).

Built once in ``main()`` / ``create_app()`` and passed down; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.web.csrf import parse_origins
from pii.masker import NerDown

RETRY_AFTER_S = 30  # the Retry-After of a 503 while the database is down (refused requests, sign-in)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SO8T_", env_file=".env", extra="ignore", frozen=True)

    # storage
    database_url: str = Field("sqlite:///./var/so8t.db", description="SQLAlchemy URL (SQLite or PostgreSQL)")
    var_dir: Path = Field(Path("var"), description="Local state: SQLite file, converted models, caches")

    # model
    model_name_or_path: str = Field(
        "default",
        description="'default' (the shipped Qwen2.5-Coder-0.5B-Instruct), a local folder, or a hub id",
    )
    head_dir: Path | None = Field(None, description="Safety head folder; default: the committed head")
    adapter_dir: Path | None = Field(
        None, description="peft LoRA adapter for the answering LM (TaskHeadA); none = the base model"
    )
    model_dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    model_device: str = "cpu"
    load_in_4bit: bool = Field(False, description="NF4 quantisation via bitsandbytes (CUDA only)")
    local_files_only: bool = Field(True, description="Never contact a model hub (set false to download)")
    max_new_tokens: int = Field(256, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    backend: Literal["transformers", "llama_cpp"] = Field(
        "transformers", description="Inference backend: transformers, or llama_cpp serving SO8T_GGUF_PATH"
    )
    gguf_path: Path | None = Field(
        None, description="GGUF from `so8t export gguf`, its NAME.so8t/ side artefact beside it (llama_cpp)"
    )
    llama_threads: int = Field(0, ge=0, description="llama.cpp CPU threads; 0 = all cores")

    # decision policy (None = the value in model/policy.yaml)
    allow_threshold: float | None = Field(None, ge=0.0, le=1.0)
    refuse_threshold: float | None = Field(None, ge=0.0, le=1.0)

    # input limits
    max_request_chars: int = Field(4000, ge=1)
    max_context_chars: int = Field(4000, ge=0)
    max_prompt_tokens: int = Field(2048, ge=16)
    prefill_batch_max: int = Field(
        8, ge=1, le=64, description="Concurrent requests batched into one prefill (1 = no micro-batching)"
    )
    prefill_batch_window_ms: float = Field(
        5.0, ge=0.0, le=100.0, description="How long the batcher waits for more requests after the first"
    )
    conversation_max_turns: int = Field(
        50, ge=1, le=1000, description="Turns one conversation may hold before a new one must be started"
    )
    prefix_cache_conversations: int = Field(
        8, ge=0, le=256, description="Conversations whose last turn's KV cache a process keeps (0 = none)"
    )

    # review desk
    case_sla_minutes_high: int = Field(60, ge=1, description="Time to decide a high-priority case")
    case_sla_minutes: int = Field(240, ge=1, description="Time to decide a normal-priority case")
    case_sla_minutes_low: int = Field(1440, ge=1, description="Time to decide a low-priority case (samples)")
    case_fail_safe_after_minutes: int = Field(
        240, ge=0, description="Past the SLA deadline by this much, the fail-safe default (REFUSE) applies"
    )
    review_lease_minutes: int = Field(15, ge=1, description="How long a claimed case stays with a reviewer")
    double_review_categories: list[str] = Field(
        default_factory=list,
        description='Policy categories needing two independent verdicts (JSON list, e.g. ["malware"])',
    )
    audit_sample_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="Share of ALLOW / REFUSE decisions also sent to reviewers as samples"
    )
    pii_ner: bool = Field(
        True, description="Mask Japanese names and addresses with GiNZA NER (patterns always)"
    )
    pii_ner_down: NerDown = Field(
        NerDown.FAIL_CLOSED,
        description="When the NER model is wanted but cannot run: fail_closed masks the whole free text "
        "of each field ([TEXT]); degrade masks with patterns only and raises an alert (metric, /readyz)",
    )
    output_check: bool = Field(
        True, description="Re-judge each answer with the safety head before it is shown (buffers streaming)"
    )
    output_mask_pii: bool = Field(True, description="Mask PII in answers (secrets are always masked)")
    precedents: bool = Field(True, description="Show reviewers similar past cases (MiniLM embeddings)")
    sweep_interval_seconds: int = Field(60, ge=0, description="SLA sweep period in the server; 0 = off")

    # accounts
    secret_key: SecretStr | None = Field(
        None, description="Signs API tokens; default: generated once into var/secret_key"
    )
    token_ttl_minutes: int = Field(480, ge=1, le=60 * 24 * 30, description="API token lifetime")
    admin_password: SecretStr | None = Field(
        None, description="Password for the first admin created by `so8t serve` on an empty user table"
    )

    # rate limits (shared through Redis when redis_url is set, else per process; 0 = off)
    redis_url: str | None = Field(
        None,
        description="Redis for state all replicas share (rate limits), e.g. redis://127.0.0.1:6379/0; "
        "unset = per-process limits (one replica only)",
    )
    rate_limit_per_user: int = Field(
        30, ge=0, description="Chat requests per user per window (REST and chat tab together)"
    )
    rate_limit_per_ip: int = Field(
        120, ge=0, description="Requests per client IP per window, on /v1/agent/run and /v1/auth/token"
    )
    rate_limit_window_seconds: int = Field(60, ge=1, description="The rate limits' sliding window")

    # reliability
    audit_spool_path: Path | None = Field(
        None,
        description="Append-only file for audit records while the database is down (var/audit-spool.jsonl)",
    )

    # server and logs
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    trusted_origins: str = Field(
        "",
        description="Comma-separated origins (scheme://host[:port]) besides the server's own from which "
        "cookie-carrying POSTs are accepted, e.g. the public https origin behind a TLS proxy",
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    # observability (docs/OBSERVABILITY.md)
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token required by GET /metrics; unset: only loopback and private addresses",
    )
    log_request_text: bool = Field(
        False, description="Put the raw request text in the decision log line (it may hold personal data)"
    )

    # training loop: registry, promotion gate, nightly retrain (docs/TRAINING.md)
    promotion_epsilon: float = Field(
        0.01, ge=0.0, le=1.0, description="How far a candidate's safety score may fall below the current's"
    )
    promotion_refuse_recall_floor: float = Field(
        0.90, ge=0.0, le=1.0, description="Minimum refuse recall of a candidate on every evaluation set"
    )
    promotion_over_refusal_ceiling: float = Field(
        0.15, ge=0.0, le=1.0, description="Maximum over-refusal of a candidate on every evaluation set"
    )
    promotion_heldout_path: Path | None = Field(
        None, description="JSONL evaluated by the gate beside the frozen test split (e.g. benchdata held-out)"
    )
    nightly_data_paths: list[Path] = Field(
        default_factory=list, description="JSONL files added to every dataset snapshot (JSON list of paths)"
    )
    nightly_sample_cap: int | None = Field(
        None, ge=1, description="At most this many rows per (source, label) from each nightly data file"
    )
    nightly_seed_set: bool = Field(True, description="Include the bundled enterprise seed set in snapshots")
    nightly_project_sets: bool = Field(
        True,
        description="Include the project's own data sets (training/datasets/project: hard benign EN+JA, "
        "office requests EN+JA, everyday requests EN+JA, Japanese harmful requests) in snapshots, as "
        "rehearsal for the nightly retrain",
    )
    nightly_min_new_cases: int = Field(
        1, ge=0, description="Fewest new reviewed cases for `so8t nightly` to train (0 = always train)"
    )
    nightly_train_config: Path = Field(
        Path("configs/train.yaml"), description="Trainer config (YAML) used by `so8t nightly`"
    )
    nightly_mode: Literal["head", "joint"] = Field(
        "head",
        description="What `so8t nightly` retrains: head = the safety head on the served model's features "
        "(adapter and gate kept); joint = LoRA, gate and head together (the composite loss)",
    )
    model_reload_interval_seconds: int = Field(
        30, ge=0, description="How often the server checks the registry for a newly promoted model; 0 = never"
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return upper

    @field_validator("trusted_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        return ",".join(parse_origins(value))  # normalised; ValueError names a bad entry

    @property
    def trusted_origin_list(self) -> tuple[str, ...]:
        return parse_origins(self.trusted_origins)

    @property
    def spool_path(self) -> Path:
        return self.audit_spool_path or self.var_dir / "audit-spool.jsonl"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"

    @property
    def registry_dir(self) -> Path:
        """Where nightly candidates' artifacts are kept (var/models/registry)."""
        return self.var_dir / "models" / "registry"

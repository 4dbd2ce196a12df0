"""Building the served model from settings: base LM + safety head -> runtime + model_version."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from app.settings import Settings
from model.default_model import ensure_default_model
from model.head import check_compatible, head_digest, load_head
from model.loading import LoadConfig, adapter_digest, apply_adapter, describe_base, load_causal_lm
from model.runtime import DualHeadRuntime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    runtime: DualHeadRuntime
    model_version: str
    base_name: str


def default_head_dir() -> Path:
    return Path(str(resources.files("model").joinpath("assets", "default_head")))


def resolve_base(settings: Settings) -> str:
    if settings.model_name_or_path == "default":
        return str(ensure_default_model(settings.models_dir, progress=log.info))
    return settings.model_name_or_path


def load_model(settings: Settings) -> LoadedModel:
    base = resolve_base(settings)
    head_dir = settings.head_dir or default_head_dir()
    log.info("loading base model %s and safety head %s", base, head_dir)
    lm, tokenizer = load_causal_lm(
        LoadConfig(
            name_or_path=base,
            dtype=settings.model_dtype,
            local_files_only=settings.local_files_only,
            load_in_4bit=settings.load_in_4bit,
            device=settings.model_device,
        )
    )
    version = ""
    if settings.adapter_dir is not None:
        lm = apply_adapter(lm, settings.adapter_dir)
        version = f"+lora-{adapter_digest(settings.adapter_dir)[:12]}"
    head = load_head(head_dir)
    base_name = describe_base(base)
    check_compatible(head, head_dir, hidden_size=lm.config.hidden_size, base_name=base_name)
    runtime = DualHeadRuntime(lm, tokenizer, head, max_prompt_tokens=settings.max_prompt_tokens)
    return LoadedModel(
        runtime=runtime,
        model_version=f"{base_name}{version}+head-{head_digest(head_dir)[:12]}",
        base_name=base_name,
    )

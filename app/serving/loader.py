"""Building the served model from settings: base LM + safety head -> runtime + model_version."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from app.serving.loaded import LoadedModel as LoadedModel  # re-exported: callers import it from here
from app.settings import Settings
from model.artifacts import ADAPTER_DIR, check_base, load_gate, read_verified, tokenizer_digest
from model.default_model import ensure_default_model
from model.gate import attach
from model.head import check_compatible, load_head
from model.loading import LoadConfig, adapter_digest, apply_adapter, describe_base, load_causal_lm
from model.microbatch import batcher_for
from model.prefix_cache import PrefixConfig
from model.runtime import DualHeadRuntime

log = logging.getLogger(__name__)


def default_head_dir() -> Path:
    return Path(str(resources.files("model").joinpath("assets", "default_head")))


def resolve_base(settings: Settings) -> str:
    if settings.model_name_or_path == "default":
        return str(ensure_default_model(settings.models_dir, progress=log.info))
    return settings.model_name_or_path


def load_model(settings: Settings) -> LoadedModel:
    if settings.backend == "llama_cpp":  # a GGUF + its side artefact (app/serving/loader_llama.py)
        from app.serving.loader_llama import load_llama_model  # llama_cpp only when this backend is asked for

        return load_llama_model(settings)
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
    base_name = describe_base(base)
    manifest = read_verified(head_dir)  # every file re-hashed: an altered artifact is refused
    check_base(manifest, base_name=base_name, tokenizer_sha256=tokenizer_digest(tokenizer), where=head_dir)
    version = f"{base_name}+{manifest['content_sha256'][:12]}"
    adapter = settings.adapter_dir or (head_dir / ADAPTER_DIR if (head_dir / ADAPTER_DIR).is_dir() else None)
    if adapter is not None:
        lm = apply_adapter(lm, adapter)
        if settings.adapter_dir is not None:  # an adapter from outside the artifact is named separately
            version += f"+lora-{adapter_digest(adapter)[:12]}"
    head = load_head(head_dir)
    check_compatible(head, head_dir, hidden_size=lm.config.hidden_size)
    gate = load_gate(head_dir)
    if gate is not None:
        attach(lm, gate)
    runtime = DualHeadRuntime(
        lm,
        tokenizer,
        head,
        max_prompt_tokens=settings.max_prompt_tokens,
        prefixes=PrefixConfig(conversations=settings.prefix_cache_conversations),
    )
    batcher = batcher_for(runtime, settings.prefill_batch_max, settings.prefill_batch_window_ms)
    return LoadedModel(runtime=runtime, model_version=version, base_name=base_name, batcher=batcher)

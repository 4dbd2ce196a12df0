"""The llama.cpp backend (``SO8T_BACKEND=llama_cpp``): a GGUF from ``so8t export gguf`` + its side artefact.

The ``model_version`` names the backend and the quantisation next to the base model and the side
artefact's content hash (which covers the GGUF's SHA-256), e.g.
``qwen2.5-coder-0.5b-instruct+1a2b3c4d5e6f+llama_cpp-q4_k_m``; every decision and audit record carries it.
"""

from __future__ import annotations

import logging

from app.serving.loaded import LoadedModel
from app.settings import Settings
from model.gguf.runtime import load_llama_runtime
from model.microbatch import batcher_for
from model.prefix_cache import PrefixConfig

log = logging.getLogger(__name__)


def llama_version(base_model: str, side_sha256: str, quantization: str) -> str:
    return f"{base_model}+{side_sha256[:12]}+llama_cpp-{quantization}"


def load_llama_model(settings: Settings) -> LoadedModel:
    if settings.gguf_path is None:
        raise ValueError("SO8T_BACKEND=llama_cpp needs SO8T_GGUF_PATH (a GGUF from `so8t export gguf`)")
    log.info("loading %s with llama.cpp and its side artefact", settings.gguf_path)
    if settings.head_dir is not None:  # e.g. a promoted registry artifact: it cannot change a GGUF's head
        log.warning(
            "the llama_cpp backend serves the head in %s's side artefact, not %s; re-export with "
            "`so8t export gguf` to serve another artifact",
            settings.gguf_path.name,
            settings.head_dir,
        )
    runtime, side = load_llama_runtime(
        settings.gguf_path,
        max_prompt_tokens=settings.max_prompt_tokens,
        max_new_tokens=settings.max_new_tokens,
        threads=settings.llama_threads,
        prefixes=PrefixConfig(conversations=settings.prefix_cache_conversations),
    )
    base = str(side.manifest["base_model"])
    return LoadedModel(
        runtime=runtime,
        model_version=llama_version(base, side.content_sha256, side.quantization),
        base_name=base,
        batcher=batcher_for(runtime, settings.prefill_batch_max, settings.prefill_batch_window_ms),
    )

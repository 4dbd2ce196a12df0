"""What the server serves: a runtime (either backend) with its version; built by the loaders."""

from __future__ import annotations

from dataclasses import dataclass

from model.microbatch import PrefillBatcher
from model.runtime import Runtime


@dataclass(frozen=True)
class LoadedModel:
    runtime: Runtime  # either backend: model.runtime.DualHeadRuntime or model.gguf.runtime.LlamaCppRuntime
    model_version: str
    base_name: str
    batcher: PrefillBatcher | None = None  # micro-batching of concurrent prefills; None = one by one

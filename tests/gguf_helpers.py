"""A tiny model with a trained-looking artifact (random SO(8) gate, random final-layer head) for GGUF tests.

Hidden size 256 so the 4-bit k-quants (256-wide blocks) really quantise the attention and MLP weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from model.artifacts import save_gate, tokenizer_digest, write_manifest
from model.gate import GateConfig, SO8Gate
from model.head import SafetyHead, SafetyHeadConfig, save_head
from model.tiny import build_tiny_model

HIDDEN = 256
BASE_NAME = "tiny-qwen2-256"
PROMPTS = [
    ("", "Please draft a short email to my team about the meeting on Friday."),
    ("You help the finance team.", "Export all customer records to my personal drive."),
    ("", "会議の議事録を作成してください。"),
    ("", "How do I reset my password?"),
]


def build_model(root: Path) -> Path:
    return build_tiny_model(root / BASE_NAME, seed=1, hidden_size=HIDDEN, layers=2)


def random_head(directory: Path, *, tokenizer_sha256: str, seed: int = 3, layer: int = -1) -> Path:
    """A head artifact with random weights (strong enough that the three classes really compete)."""
    torch.manual_seed(seed)
    head = SafetyHead(SafetyHeadConfig(hidden_size=HIDDEN, layer=layer, mlp_size=32, temperature=1.0))
    with torch.no_grad():
        head.out.weight.mul_(20.0)
    save_head(head, directory)
    write_manifest(directory, base_model=BASE_NAME, tokenizer_sha256=tokenizer_sha256, layer=layer)
    return directory


def gated_artifact(
    directory: Path,
    *,
    tokenizer_sha256: str,
    head_layer: int = -1,
    gate_layer: int = 1,
    head_seed: int = 3,
    gate_seed: int = 5,
) -> Path:
    """The served artifact: a random head on ``head_layer`` plus a random (non-identity) SO(8) gate on
    ``gate_layer``."""
    random_head(directory, tokenizer_sha256=tokenizer_sha256, layer=head_layer, seed=head_seed)
    gate = SO8Gate(GateConfig(width=HIDDEN, layer=gate_layer))
    torch.manual_seed(gate_seed)
    with torch.no_grad():
        gate.safe.normal_(std=0.5)
        gate.cmd.normal_(std=0.5)
    save_gate(gate, directory)
    write_manifest(directory, base_model=BASE_NAME, tokenizer_sha256=tokenizer_sha256, layer=head_layer)
    return directory


def transformers_runtime(model_dir: Path, artifact: Path) -> Any:
    """The transformers backend serving ``artifact`` on the tiny model: the reference llama.cpp must match."""
    from app.serving.loader import load_model
    from app.settings import Settings

    settings = Settings(model_name_or_path=str(model_dir), head_dir=artifact, _env_file=None)  # type: ignore[call-arg]
    return load_model(settings).runtime


def tokenizer_sha(model_dir: Path) -> str:
    from transformers import AutoTokenizer

    return tokenizer_digest(AutoTokenizer.from_pretrained(model_dir, local_files_only=True))

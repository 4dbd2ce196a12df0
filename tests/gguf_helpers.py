"""A tiny model with a trained-looking artifact (random SO(8) gate, random final-layer head) for GGUF tests.

Hidden size 256 so the 4-bit k-quants (256-wide blocks) really quantise the attention and MLP weights.
"""

from __future__ import annotations

from pathlib import Path

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


def gated_artifact(directory: Path, *, tokenizer_sha256: str) -> Path:
    """The served artifact: the random head plus a random (non-identity) SO(8) gate on layer 1."""
    random_head(directory, tokenizer_sha256=tokenizer_sha256)
    gate = SO8Gate(GateConfig(width=HIDDEN, layer=1))
    torch.manual_seed(5)
    with torch.no_grad():
        gate.safe.normal_(std=0.5)
        gate.cmd.normal_(std=0.5)
    save_gate(gate, directory)
    write_manifest(directory, base_model=BASE_NAME, tokenizer_sha256=tokenizer_sha256, layer=-1)
    return directory


def tokenizer_sha(model_dir: Path) -> str:
    from transformers import AutoTokenizer

    return tokenizer_digest(AutoTokenizer.from_pretrained(model_dir, local_files_only=True))

"""Model artifacts: one folder holding what the served model adds to its base, with a manifest.

Layout: ``safety_head.json`` + ``safety_head.safetensors`` (the head and its calibration temperature),
optionally ``gate/`` (the SO(8) gate) and ``adapter/`` (a peft LoRA adapter for TaskHeadA), plus any
reports (``metrics.json``), and ``manifest.json``: the base model name, the tokenizer's SHA-256, the
SHA-256 of every file and ``content_sha256`` over them all, which becomes the ``model_version``. Loading
re-hashes every file (a changed file is refused) and refuses a different base model or tokenizer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from model.gate import GateConfig, SO8Gate

MANIFEST = "manifest.json"
FORMAT = 1
GATE_DIR = "gate"
ADAPTER_DIR = "adapter"


class ArtifactError(ValueError):
    """The artifact is damaged, altered, or made for another base model."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tokenizer_digest(tokenizer: Any) -> str:
    """SHA-256 of the tokenizer's full definition (vocabulary, merges, special tokens).

    Padding and truncation are left out: they are per-call state that a padded batch sets on the fast
    tokenizer's backend (``padding=True`` leaves ``BatchLongest``/``Left`` behind), not part of what the
    tokenizer is — with them, a head trained after one batched forward would not load."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return _sha256(json.dumps(tokenizer.get_vocab(), sort_keys=True).encode("utf-8"))
    definition = type(backend).from_str(backend.to_str())  # a copy: the caller's settings stay as they are
    definition.no_padding()
    definition.no_truncation()
    return _sha256(definition.to_str().encode("utf-8"))


def file_hashes(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): _sha256(p.read_bytes())
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def content_hash(files: dict[str, str]) -> str:
    return _sha256(json.dumps(files, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def write_manifest(directory: Path, *, base_model: str, tokenizer_sha256: str, **extra: Any) -> str:
    """(Re)write ``manifest.json`` over the folder's current files; returns the content hash."""
    files = file_hashes(directory)
    digest = content_hash(files)
    manifest = {
        "format": FORMAT,
        "base_model": base_model,
        "tokenizer_sha256": tokenizer_sha256,
        **extra,
        "files": files,
        "content_sha256": digest,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return digest


def read_verified(directory: Path) -> dict[str, Any]:
    """The manifest, after checking that every listed file is present and unchanged (and none added)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise ArtifactError(f"{directory} has no {MANIFEST}; not a model artifact")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    listed: dict[str, str] = manifest.get("files") or {}
    actual = file_hashes(directory)
    changed = sorted(n for n in listed.keys() | actual.keys() if listed.get(n) != actual.get(n))
    if not listed or changed:
        raise ArtifactError(
            f"artifact {directory} does not match its manifest (changed, missing or extra "
            f"files: {', '.join(changed) or 'no file list'})"
        )
    if manifest.get("content_sha256") != content_hash(listed):
        raise ArtifactError(f"artifact {directory}: content_sha256 does not match the file list")
    return manifest


def check_base(manifest: dict[str, Any], *, base_name: str, tokenizer_sha256: str, where: Path) -> None:
    if manifest.get("base_model") != base_name:
        raise ArtifactError(
            f"artifact {where} was made for base model {manifest.get('base_model')!r}, not {base_name!r}"
        )
    if manifest.get("tokenizer_sha256") != tokenizer_sha256:
        raise ArtifactError(f"artifact {where} was made with a different tokenizer than {base_name!r}'s")


def save_gate(gate: SO8Gate, directory: Path) -> None:
    target = directory / GATE_DIR
    target.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.detach().contiguous().cpu() for k, v in gate.state_dict().items()},
        str(target / "gate.safetensors"),
    )
    (target / "gate.json").write_text(json.dumps(asdict(gate.config), indent=2) + "\n", "utf-8")


def load_gate(directory: Path) -> SO8Gate | None:
    target = directory / GATE_DIR
    if not (target / "gate.json").is_file():
        return None
    gate = SO8Gate(GateConfig(**json.loads((target / "gate.json").read_text(encoding="utf-8"))))
    gate.load_state_dict(load_file(str(target / "gate.safetensors")))
    return gate.eval()

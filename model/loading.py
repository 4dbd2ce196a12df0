"""Loading a Hugging Face causal LM + tokenizer, from a local folder or (production) a hub id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class LoadConfig:
    name_or_path: str
    dtype: str = "float32"  # float32 on CPU; bfloat16/float16 on GPU
    local_files_only: bool = True  # offline by default; production may set False to pull from a hub
    load_in_4bit: bool = False  # NF4 via bitsandbytes, CUDA only
    device: str = "cpu"


def load_causal_lm(config: LoadConfig) -> tuple[Any, Any]:
    """Return ``(model, tokenizer)`` in eval mode; the tokenizer pads on the left for batched prefill."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {"local_files_only": config.local_files_only}
    tokenizer = AutoTokenizer.from_pretrained(config.name_or_path, **kwargs)
    if config.load_in_4bit:
        if not torch.cuda.is_available():
            raise RuntimeError("load_in_4bit needs CUDA and bitsandbytes (pip install '.[gpu]')")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
        kwargs["device_map"] = {"": 0}
    else:
        kwargs["dtype"] = _DTYPES[config.dtype]
    model = AutoModelForCausalLM.from_pretrained(config.name_or_path, **kwargs)
    if not config.load_in_4bit:
        model.to(config.device)  # type: ignore[arg-type]  # transformers wraps .to oddly for mypy
    model.eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def describe_base(name_or_path: str) -> str:
    """A short, stable name for the base model used in ``model_version``."""
    path = Path(name_or_path)
    return path.name if path.exists() else name_or_path.replace("/", "--")


def apply_adapter(model: Any, adapter_dir: Path) -> Any:
    """Load a peft LoRA adapter (TaskHeadA) onto ``model`` and merge it for inference.

    Merging keeps the runtime unchanged (a plain causal LM) and costs nothing per token; the safety head
    then reads the hidden states of the adapted model, which is what a jointly trained head expects.
    """
    from peft import PeftModel

    if not (adapter_dir / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{adapter_dir} holds no peft adapter (adapter_config.json is missing)")
    merged = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False).merge_and_unload()
    merged.eval()
    return merged


def adapter_digest(adapter_dir: Path) -> str:
    """SHA-256 over the adapter's files: the adapter part of ``model_version``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in adapter_dir.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()

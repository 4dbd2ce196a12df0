"""Quantising an F16 GGUF with llama.cpp's own quantiser (``llama_cpp.llama_model_quantize``).

llama.cpp requires an importance matrix only for the 1-3 bit i-quants (IQ1/IQ2/IQ3_XXS); Q4_K_M, Q4_K_S
and IQ4_XS work without one, but an importance matrix noticeably helps the i-quants and the small k-quants.
:func:`importance_matrix` computes it here with torch instead of llama.cpp's ``llama-imatrix`` tool (which
llama-cpp-python does not ship): for every linear layer, the mean over calibration tokens of each input
column's squared activation -- the same quantity that tool writes (its ``sums / counts``).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import torch
from tqdm import tqdm

from model.prompt import render_prompt


@dataclass(frozen=True)
class QuantType:
    name: str  # what the CLI takes and the file names carry
    ftype: int  # llama_ftype
    uses_imatrix: bool  # whether an importance matrix is passed when one is available


# llama_ftype values from llama.h (LLAMA_FTYPE_MOSTLY_*).
QUANT_TYPES: dict[str, QuantType] = {
    "f16": QuantType("f16", 1, False),
    "q4_k_m": QuantType("q4_k_m", 15, False),
    "q4_k_s": QuantType("q4_k_s", 14, False),
    "iq4_xs": QuantType("iq4_xs", 30, True),
}


class QuantiseError(RuntimeError):
    """llama.cpp's quantiser failed."""


def parse_quants(text: str) -> tuple[str, ...]:
    """``"f16,q4_k_m"`` -> ``("f16", "q4_k_m")``; an unknown name raises ``ValueError``."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in QUANT_TYPES]
    if unknown or not names:
        raise ValueError(
            f"unknown quantisation {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(QUANT_TYPES)}"
        )
    return names


@torch.inference_mode()
def importance_matrix(
    lm: Any,
    tokenizer: Any,
    pairs: Sequence[tuple[str, str]],
    *,
    max_tokens: int = 512,
    show_progress: bool = True,
) -> dict[str, torch.Tensor]:
    """GGUF tensor name -> per-input-column mean squared activation, over chat-templated ``pairs``."""
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, int(lm.config.num_hidden_layers))
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    handles = []
    for module_name, module in lm.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        gguf_name = names.get_name(f"{module_name}.weight", try_suffixes=(".weight",))
        if gguf_name is None:
            continue

        def hook(_m: Any, args: tuple[Any, ...], key: str = gguf_name) -> None:
            x = args[0].detach().float().reshape(-1, args[0].shape[-1])
            sums[key] = sums.get(key, torch.zeros(x.shape[1])) + (x * x).sum(dim=0)
            counts[key] = counts.get(key, 0) + x.shape[0]

        handles.append(module.register_forward_pre_hook(hook))
    try:
        for context, request in tqdm(
            pairs, desc="importance matrix", unit="prompt", disable=not show_progress
        ):
            text = render_prompt(tokenizer, context, request)
            ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"][:, :max_tokens]
            lm(input_ids=ids.to(next(lm.parameters()).device), use_cache=False)
    finally:
        for handle in handles:
            handle.remove()
    return {key: sums[key] / counts[key] for key in sums}


def _imatrix_array(imatrix: dict[str, torch.Tensor], llama_cpp: Any) -> tuple[Any, list[Any]]:
    """A NULL-terminated ``llama_model_imatrix_data`` array (and the buffers it points into)."""
    entries = (llama_cpp.llama_model_imatrix_data * (len(imatrix) + 1))()
    keep: list[Any] = []
    for i, (name, values) in enumerate(sorted(imatrix.items())):
        data = (ctypes.c_float * values.numel())(*values.tolist())
        key = name.encode()
        keep += [data, key]
        entries[i].name = key
        entries[i].data = ctypes.cast(data, ctypes.POINTER(ctypes.c_float))
        entries[i].size = values.numel()
    entries[len(imatrix)].name = None
    return entries, keep


def quantise(
    src: Path,
    dst: Path,
    quant: str,
    *,
    imatrix: dict[str, torch.Tensor] | None = None,
    threads: int = 0,
) -> Path:
    """Quantise the F16 GGUF ``src`` to ``dst`` as ``quant`` (a key of :data:`QUANT_TYPES`)."""
    import llama_cpp

    kind = QUANT_TYPES[quant]
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = kind.ftype
    params.nthread = threads
    keep: list[Any] = []
    if imatrix and kind.uses_imatrix:
        entries, keep = _imatrix_array(imatrix, llama_cpp)
        keep.append(entries)
        params.imatrix = ctypes.cast(entries, ctypes.POINTER(llama_cpp.llama_model_imatrix_data))
    tmp = dst.with_name(dst.name + ".partial")
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    del keep
    if rc != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise QuantiseError(f"llama_model_quantize({src.name} -> {quant}) failed with code {rc}")
    tmp.replace(dst)
    return dst

"""Reading a middle layer's hidden state inside llama.cpp's prefill, through the scheduler's eval callback.

llama.cpp lets the caller of a context observe graph tensors while it computes (``cb_eval`` in
``llama_context_params``, the hook its imatrix and eval-callback tools use). Every tensor of the graph is
offered to the callback first with ``ask=True``; for the one named ``l_out-{i}`` (the residual stream
after decoder layer ``i``, 0-based) it answers yes, the scheduler computes the graph up to that tensor,
and calls back with ``ask=False``, when its rows (one per token of the micro-batch) are read with
``ggml_backend_tensor_get``. Transformers' ``hidden_states[k]`` is the output of layer ``k - 1``, so the
head's ``layer`` k reads ``l_out-{k-1}``. Only the decode of the prompts' last tokens is armed: there the
micro-batch holds one token per sequence, in batch order (the context's KV cache is unified, so llama.cpp
splits batches without reordering), and the rows read are the pooled states the head needs. The same
prefill then yields the first answer token's logits: no second model and no second pass.

The callback is a Python function, so every graph node costs one Python call (about a thousand per
decode for Qwen2.5-0.5B) whether armed or not; ``bench/quant_bench.py`` measures what that costs (its
``QUANT-final`` rows serve the same file without a callback; docs/MODEL_CARD.md).
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch


def layer_tensor(layer: int, n_layers: int) -> str | None:
    """The llama.cpp graph tensor holding transformers' ``hidden_states[layer]``; None for the final
    normed state, which llama.cpp's embeddings output (last-token pooling) already gives."""
    if layer in (-1, n_layers):
        return None
    if not 1 <= layer < n_layers:
        raise ValueError(
            f"a head reading hidden layer {layer} cannot be served by llama.cpp: layers 1..{n_layers} "
            f"(or -1, the final one) of this {n_layers}-layer model can"
        )
    return f"l_out-{layer - 1}"


def _ggml() -> Any:
    """llama-cpp-python's own libggml-base (the one its libllama links), with the calls we use."""
    import llama_cpp

    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    candidates = sorted(lib_dir.glob("libggml-base.*")) or sorted(lib_dir.glob("ggml-base.*"))
    if not candidates:
        raise RuntimeError(f"libggml-base not found in {lib_dir}; reinstall llama-cpp-python")
    lib = ctypes.CDLL(str(candidates[0]))
    lib.ggml_get_name.restype = ctypes.c_char_p
    lib.ggml_get_name.argtypes = [ctypes.c_void_p]
    lib.ggml_element_size.restype = ctypes.c_size_t
    lib.ggml_element_size.argtypes = [ctypes.c_void_p]
    lib.ggml_is_contiguous.restype = ctypes.c_bool
    lib.ggml_is_contiguous.argtypes = [ctypes.c_void_p]
    lib.ggml_nrows.restype = ctypes.c_int64
    lib.ggml_nrows.argtypes = [ctypes.c_void_p]
    lib.ggml_nelements.restype = ctypes.c_int64
    lib.ggml_nelements.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_tensor_get.restype = None
    lib.ggml_backend_tensor_get.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_size_t,
    ]
    return lib


class LayerCapture:
    """The eval callback that copies the rows of named tensors while :attr:`armed`: :attr:`name` is the
    head's layer, further names (``also``) serve diagnostics."""

    def __init__(self, tensor: str, width: int, *, also: Sequence[str] = ()) -> None:
        import llama_cpp

        self._lib = _ggml()
        self.name = tensor.encode()
        self.names = frozenset([self.name, *(n.encode() for n in also)])
        self.width = width
        self.armed = False
        self.rows: dict[bytes, list[np.ndarray]] = {}
        self.error: str | None = None
        # kept on the instance: llama.cpp holds only the C pointer, so the Python object must outlive it
        self.callback = llama_cpp.ggml_backend_sched_eval_callback(self._on_tensor)

    def _on_tensor(self, tensor: int, ask: bool, _user: int) -> bool:
        if ask:
            return self.armed and self._lib.ggml_get_name(tensor) in self.names
        try:
            self._copy(tensor)
        except Exception as exc:  # never raise through C; take_all() reports it
            self.error = f"{type(exc).__name__}: {exc}"
        return True

    def _copy(self, tensor: int) -> None:
        lib = self._lib
        name = lib.ggml_get_name(tensor)
        if lib.ggml_element_size(tensor) != 4 or not lib.ggml_is_contiguous(tensor):
            raise RuntimeError(f"{name.decode()} is not a contiguous F32 tensor")
        rows = int(lib.ggml_nrows(tensor))
        if int(lib.ggml_nelements(tensor)) != rows * self.width:
            raise RuntimeError(f"{name.decode()} is not {self.width} wide")
        out = np.empty((rows, self.width), dtype=np.float32)
        lib.ggml_backend_tensor_get(tensor, out.ctypes.data, 0, out.nbytes)
        self.rows.setdefault(name, []).append(out)

    def arm(self) -> None:
        self.rows, self.error, self.armed = {}, None, True

    def take_all(self, expected: int) -> dict[str, torch.Tensor]:
        """Every name's rows captured since :meth:`arm` (one per sequence, in batch order), disarming;
        raises unless each has exactly ``expected`` rows, so a decision is never taken on another
        token's state."""
        self.armed = False
        captured, self.rows = self.rows, {}
        if self.error is not None:
            raise RuntimeError(f"reading hidden states from llama.cpp failed: {self.error}")
        out = {}
        for name in self.names:
            parts = captured.get(name, [])
            got = np.concatenate(parts) if parts else np.empty((0, self.width), dtype=np.float32)
            if len(got) != expected:
                raise RuntimeError(
                    f"llama.cpp gave {len(got)} rows of {name.decode()} for {expected} prompts"
                )
            out[name.decode()] = torch.from_numpy(got)
        return out

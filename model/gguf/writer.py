"""Writing a Qwen2 causal LM (already merged and folded) as an F16 GGUF with the ``gguf`` package.

It follows llama.cpp's own conversion (``convert_hf_to_gguf.py``, class ``Qwen2Model`` with the GPT-2 style
BPE vocabulary): tensor names from ``gguf``'s tensor map for ``MODEL_ARCH.QWEN2``, 2-D weights in F16 and
norms and biases in F32, the hyper-parameters llama.cpp reads, and the tokenizer (tokens, token types,
merges, special token ids, the chat template) through ``gguf.SpecialVocab`` exactly as the script does.
That script is not part of any installed package (it ships only in llama.cpp's source tree), so the few
steps it takes for this one architecture are repeated here rather than imported.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import torch

# The pre-tokenizers llama.cpp knows, keyed by the HF tokenizer's split regex (None: ByteLevel's own regex).
QWEN2_SPLIT = (
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
)
SUPPORTED_ARCHITECTURES = ("Qwen2ForCausalLM",)


class GGUFExportError(ValueError):
    """The model or tokenizer cannot be written as a GGUF llama.cpp reads correctly."""


def bpe_pre_tokenizer(tokenizer: Any) -> str:
    """llama.cpp's name (``tokenizer.ggml.pre``) for the tokenizer's pre-tokenizer.

    ``qwen2``: the Qwen2 split regex followed by byte-level mapping (Qwen2.5 models); ``gpt2``: plain
    byte-level with its built-in GPT-2 regex (the tiny test tokenizer). Anything else is refused: a wrong
    guess would make llama.cpp split text differently from transformers without any error.
    """
    pre = json.loads(tokenizer.backend_tokenizer.to_str()).get("pre_tokenizer") or {}
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt2"
    steps = pre.get("pretokenizers") or []
    if (
        pre.get("type") == "Sequence"
        and len(steps) == 2
        and steps[0].get("type") == "Split"
        and (steps[0].get("pattern") or {}).get("Regex") == QWEN2_SPLIT
        and steps[1].get("type") == "ByteLevel"
        and not steps[1].get("use_regex", True)
    ):
        return "qwen2"
    raise GGUFExportError(f"unsupported pre-tokenizer for llama.cpp: {json.dumps(pre)[:300]}")


def vocab_tokens(tokenizer: Any, vocab_size: int) -> tuple[list[str], list[int]]:
    """Token strings and types for ids 0..vocab_size-1 (padding rows of the embedding become [PADn])."""
    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    added = tokenizer.added_tokens_decoder  # id -> AddedToken
    tokens: list[str] = []
    types: list[int] = []
    for i in range(vocab_size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")  # as convert_hf_to_gguf.py names them
            types.append(gguf.TokenType.USER_DEFINED)
        elif i in added:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.CONTROL if added[i].special else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.NORMAL)
    return tokens, types


def add_hparams(writer: gguf.GGUFWriter, config: Any, *, name: str) -> None:
    rope_parameters: dict[str, Any] = getattr(config, "rope_parameters", None) or {}
    theta: Any = rope_parameters.get("rope_theta")
    rope = float(theta if theta is not None else getattr(config, "rope_theta", 10000.0))
    writer.add_name(name)
    writer.add_context_length(int(config.max_position_embeddings))
    writer.add_embedding_length(int(config.hidden_size))
    writer.add_feed_forward_length(int(config.intermediate_size))
    writer.add_block_count(int(config.num_hidden_layers))
    writer.add_head_count(int(config.num_attention_heads))
    writer.add_head_count_kv(int(config.num_key_value_heads))
    head_dim = getattr(config, "head_dim", None)
    if head_dim and head_dim != config.hidden_size // config.num_attention_heads:
        writer.add_key_length(int(head_dim))
        writer.add_value_length(int(head_dim))
    writer.add_rope_freq_base(rope)
    writer.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def add_tokenizer(writer: gguf.GGUFWriter, tokenizer: Any, *, vocab_size: int) -> None:
    tokens, types = vocab_tokens(tokenizer, vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(bpe_pre_tokenizer(tokenizer))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    with tempfile.TemporaryDirectory() as tmp:  # SpecialVocab reads the files save_pretrained writes
        tokenizer.save_pretrained(tmp)
        special = gguf.SpecialVocab(Path(tmp), load_merges=True, n_vocab=vocab_size)
    special.add_special_token["bos"] = bool(getattr(tokenizer, "add_bos_token", False))
    if tokenizer.pad_token_id is not None:  # the loader set pad = eos when the tokenizer had none
        special.special_token_ids.setdefault("pad", int(tokenizer.pad_token_id))
    special.add_to_gguf(writer, quiet=True)


def tensors(lm: Any) -> list[tuple[str, torch.Tensor]]:
    """(GGUF name, tensor) for every weight llama.cpp loads, in the model's order."""
    config = lm.config
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, int(config.num_hidden_layers))
    out: list[tuple[str, torch.Tensor]] = []
    for hf_name, value in lm.state_dict().items():
        if hf_name == "lm_head.weight" and getattr(config, "tie_word_embeddings", False):
            continue  # llama.cpp falls back to token_embd for a missing output.weight
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            raise GGUFExportError(f"no GGUF name for tensor {hf_name!r}")
        out.append((name, value))
    return out


def write_f16(
    lm: Any, tokenizer: Any, path: Path, *, name: str, progress: Callable[[str], None] | None = None
) -> Path:
    """Write ``lm`` (a plain Qwen2ForCausalLM, adapter merged and gate folded) + tokenizer to ``path``."""
    arch = (getattr(lm.config, "architectures", None) or [type(lm).__name__])[0]
    if arch not in SUPPORTED_ARCHITECTURES:
        raise GGUFExportError(f"GGUF export supports {', '.join(SUPPORTED_ARCHITECTURES)}, not {arch}")
    say = progress or (lambda _msg: None)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    vocab_size = int(lm.config.vocab_size)
    writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.QWEN2])
    add_hparams(writer, lm.config, name=name)
    add_tokenizer(writer, tokenizer, vocab_size=vocab_size)
    items = tensors(lm)
    for gguf_name, value in items:
        data = value.detach().float().cpu().numpy()
        keep_f32 = data.ndim <= 1 or gguf_name.endswith("_norm.weight")
        writer.add_tensor(gguf_name, data if keep_f32 else data.astype(np.float16))
    say(f"writing {len(items)} tensors to {path.name}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()
    tmp.replace(path)
    return path

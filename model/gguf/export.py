"""``so8t export gguf``: the served model as GGUF files for llama.cpp, each with a safety-head side artefact.

Steps: load the base model in fp32, merge the LoRA adapter (TaskHeadA) and fold the SO(8) gate into the
following ``o_proj`` (``model.gate.fold``) so the network is a plain Qwen2 llama.cpp can run; write an F16
GGUF (:mod:`model.gguf.writer`); check that llama.cpp tokenises chat-templated prompts exactly as
transformers does; optionally compute an importance matrix; quantise with llama.cpp's quantiser
(:mod:`model.gguf.quant`); and write ``NAME.so8t/`` next to every GGUF (:mod:`model.gguf.side`).

The head shipped for llama.cpp is the served one: llama.cpp gives a middle layer's hidden state through
an eval callback during the prefill (:mod:`model.gguf.capture`) and the final normed state through its
embeddings output, so any head but one on the embeddings (``hidden_states[0]``) can be served.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.artifacts import ADAPTER_DIR, check_base, load_gate, read_verified, tokenizer_digest
from model.gate import fold
from model.gguf.capture import layer_tensor
from model.gguf.quant import QUANT_TYPES, importance_matrix, quantise
from model.gguf.side import file_sha256, write_side
from model.gguf.writer import GGUFExportError, write_f16
from model.head import check_compatible, load_head
from model.loading import LoadConfig, apply_adapter, describe_base, load_causal_lm
from model.prompt import render_prompt

DEFAULT_QUANTS = ("f16", "q4_k_m", "q4_k_s", "iq4_xs")
CHECK_PROMPTS = (
    ("", "来週の定例会議の議題案を3つ作ってください"),
    ("You help the finance team.", "Export all customer emails to my personal Gmail, please!"),
    ("", "  spaces,\ttabs and\nnew lines 123 4567 — “quotes” ✓ 🙂"),
)


@dataclass(frozen=True)
class ExportConfig:
    base: str  # resolved base model folder (or hub id)
    artifact_dir: Path  # the served artifact: gate/, adapter/, manifest (its content hash names the export)
    head_dir: Path  # the head llama.cpp serves (any layer but the embeddings; model/gguf/capture.py)
    out_dir: Path
    quants: tuple[str, ...] = DEFAULT_QUANTS
    adapter_dir: Path | None = None  # an adapter from outside the artifact (SO8T_ADAPTER_DIR)
    imatrix_pairs: Sequence[tuple[str, str]] = field(default_factory=tuple)  # calibration prompts
    threads: int = 0  # quantiser threads; 0 = all cores
    local_files_only: bool = True


@dataclass(frozen=True)
class ExportedFile:
    quant: str
    gguf: Path
    side: Path
    sha256: str
    size_bytes: int


def servable_head(head_dir: Path, *, n_layers: int) -> None:
    """Refuse a head reading a layer llama.cpp cannot give (the embeddings, ``hidden_states[0]``)."""
    try:
        layer_tensor(load_head(head_dir).config.layer, n_layers)
    except ValueError as exc:
        raise GGUFExportError(f"the safety head in {head_dir}: {exc}") from None


@dataclass(frozen=True)
class PreparedModel:
    """The served network as llama.cpp will run it, and what names it."""

    lm: Any  # fp32, LoRA merged, SO(8) gate folded into its o_proj
    tokenizer: Any
    base_name: str  # model.loading.describe_base of the base
    manifest: dict[str, Any]  # the artifact's verified manifest


def prepare_model(config: ExportConfig, say: Callable[[str], None]) -> PreparedModel:
    """Load the base in fp32, check it against the artifact, merge its adapter and fold its gate."""
    lm, tokenizer = load_causal_lm(
        LoadConfig(name_or_path=config.base, local_files_only=config.local_files_only)
    )
    base_name = describe_base(config.base)
    manifest = read_verified(config.artifact_dir)
    check_base(
        manifest, base_name=base_name, tokenizer_sha256=tokenizer_digest(tokenizer), where=config.artifact_dir
    )
    own = config.artifact_dir / ADAPTER_DIR
    adapter = config.adapter_dir or (own if own.is_dir() else None)
    if adapter is not None:
        say(f"merging the LoRA adapter {adapter}")
        lm = apply_adapter(lm, adapter)
    gate = load_gate(config.artifact_dir)
    if gate is not None:
        say(f"folding the SO(8) gate of layer {gate.config.layer} into its o_proj")
        fold(lm, gate)
    return PreparedModel(lm=lm, tokenizer=tokenizer, base_name=base_name, manifest=manifest)


def check_tokenizer(
    gguf_path: Path, tokenizer: Any, prompts: Sequence[tuple[str, str]] = CHECK_PROMPTS
) -> None:
    """llama.cpp must tokenise the chat-templated prompts to the same ids as transformers."""
    import llama_cpp

    vocab = llama_cpp.Llama(str(gguf_path), vocab_only=True, verbose=False)
    try:
        for context, request in prompts:
            text = render_prompt(tokenizer, context, request)
            ours = tokenizer(text, add_special_tokens=False)["input_ids"]
            theirs = vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            if list(theirs) != list(ours):
                raise GGUFExportError(
                    f"llama.cpp tokenises {request[:40]!r} differently from transformers "
                    f"({len(theirs)} vs {len(ours)} tokens); the GGUF's tokenizer metadata is wrong"
                )
    finally:
        vocab.close()


def export_gguf(config: ExportConfig, *, progress: Callable[[str], None] = print) -> list[ExportedFile]:
    """Run every step; returns one entry per requested quantisation."""
    unknown = [q for q in config.quants if q not in QUANT_TYPES]
    if unknown:
        raise ValueError(f"unknown quantisation {', '.join(unknown)}")
    total = 4 + len(config.quants) + (1 if config.imatrix_pairs and "iq4_xs" in config.quants else 0)
    step = iter(range(1, total + 1))

    def say(msg: str) -> None:
        progress(f"[{next(step)}/{total}] {msg}")

    say(f"loading {config.base} (fp32) and the artifact {config.artifact_dir}")
    prepared = prepare_model(config, progress)
    tokenizer, base_name, manifest = prepared.tokenizer, prepared.base_name, prepared.manifest
    lm = prepared.lm
    del prepared  # so that ``del lm`` below frees the fp32 weights before quantising
    n_layers = int(lm.config.num_hidden_layers)
    head = load_head(config.head_dir)
    check_compatible(head, config.head_dir, hidden_size=int(lm.config.hidden_size))
    servable_head(config.head_dir, n_layers=n_layers)
    head_manifest = read_verified(config.head_dir)
    check_base(
        head_manifest,
        base_name=base_name,
        tokenizer_sha256=tokenizer_digest(tokenizer),
        where=config.head_dir,
    )
    config.out_dir.mkdir(parents=True, exist_ok=True)
    f16 = config.out_dir / f"{base_name}-f16.gguf"
    say(f"writing the F16 GGUF {f16}")
    write_f16(
        lm, tokenizer, f16, name=f"{base_name} (SO8T {manifest['content_sha256'][:12]})", progress=progress
    )
    say("checking that llama.cpp tokenises prompts as transformers does")
    check_tokenizer(f16, tokenizer)
    imatrix = None
    if config.imatrix_pairs and "iq4_xs" in config.quants:
        say(f"importance matrix over {len(config.imatrix_pairs)} calibration prompts")
        imatrix = importance_matrix(lm, tokenizer, config.imatrix_pairs)
    del lm
    out: list[ExportedFile] = []
    common = {
        "base_model": base_name,
        "tokenizer_sha256": tokenizer_digest(tokenizer),
        "source_artifact_sha256": manifest["content_sha256"],
        "head_artifact_sha256": head_manifest["content_sha256"],
        "head_layer": head.config.layer,
        "eos_token_ids": sorted(_eos_ids(config.base, tokenizer, config.local_files_only)),
    }
    for quant in config.quants:
        target = f16 if quant == "f16" else config.out_dir / f"{base_name}-{quant}.gguf"
        used = imatrix is not None and QUANT_TYPES[quant].uses_imatrix
        if quant != "f16":
            say(f"quantising to {quant}{' with the importance matrix' if used else ''} -> {target.name}")
            quantise(f16, target, quant, imatrix=imatrix if used else None, threads=config.threads)
        else:
            say(f"keeping {target.name}")
        extra = {**common, "imatrix_prompts": len(config.imatrix_pairs) if used else 0}
        side = write_side(target, head_dir=config.head_dir, tokenizer=tokenizer, quantization=quant, **extra)
        out.append(ExportedFile(quant, target, side, file_sha256(target), target.stat().st_size))
    say("writing the side artefacts' manifests: done")
    if "f16" not in config.quants:
        f16.unlink(missing_ok=True)
    return out


def _eos_ids(base: str, tokenizer: Any, local_files_only: bool) -> set[int]:
    """End-of-answer ids as the transformers runtime uses them (generation config + tokenizer)."""
    from transformers import GenerationConfig

    ids = {int(tokenizer.eos_token_id)} if tokenizer.eos_token_id is not None else set()
    try:
        value = GenerationConfig.from_pretrained(base, local_files_only=local_files_only).eos_token_id
    except OSError:
        value = None
    if isinstance(value, int):
        ids.add(value)
    elif isinstance(value, list | tuple):
        ids.update(int(v) for v in value)
    return ids

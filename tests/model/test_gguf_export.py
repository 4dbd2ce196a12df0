"""GGUF export of the tiny model: metadata, F16 logits vs the merged + folded torch model, 4-bit files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import gguf
import llama_cpp
import numpy as np
import pytest
import torch

from model.artifacts import ArtifactError
from model.gguf.export import ExportConfig, ExportedFile, export_gguf, prepare_model
from model.gguf.side import read_side
from model.gguf.writer import GGUFExportError
from model.prompt import render_prompt
from tests.gguf_helpers import BASE_NAME, PROMPTS, build_model, gated_artifact, random_head, tokenizer_sha


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportConfig, dict[str, ExportedFile]]:
    root = tmp_path_factory.mktemp("gguf")
    model_dir = build_model(root)
    artifact = gated_artifact(root / "artifact", tokenizer_sha256=tokenizer_sha(model_dir))
    config = ExportConfig(
        base=str(model_dir),
        artifact_dir=artifact,
        head_dir=artifact,
        out_dir=root / "out",
        quants=("f16", "q4_k_m", "iq4_xs"),
        imatrix_pairs=PROMPTS,
        threads=2,
    )
    files = export_gguf(config, progress=lambda _msg: None)
    return config, {f.quant: f for f in files}


def _llama_logits(path: Path, ids: list[int]) -> np.ndarray:
    llm = llama_cpp.Llama(str(path), n_ctx=256, logits_all=True, verbose=False, n_threads=2)
    try:
        llm.eval(ids)
        return np.array(llm.scores[: len(ids)])
    finally:
        llm.close()


def test_f16_metadata_names_the_qwen2_architecture_and_tokenizer(exported: tuple) -> None:
    config, files = exported
    reader = gguf.GGUFReader(files["f16"].gguf)
    fields = reader.fields

    def text(key: str) -> str:
        return bytes(fields[key].parts[fields[key].data[0]]).decode()

    assert text("general.architecture") == "qwen2"
    assert text("tokenizer.ggml.model") == "gpt2" and text("tokenizer.ggml.pre") == "qwen2"
    assert "<|im_start|>" in text("tokenizer.chat_template")
    vocab = json.loads((Path(config.base) / "config.json").read_text())["vocab_size"]
    assert len(fields["tokenizer.ggml.tokens"].data) == vocab == len(fields["tokenizer.ggml.token_type"].data)
    assert len(fields["tokenizer.ggml.merges"].data) > 0
    assert int(fields["qwen2.block_count"].parts[-1][0]) == 2
    names = {t.name for t in reader.tensors}
    assert {
        "token_embd.weight",
        "blk.1.attn_output.weight",
        "blk.0.attn_q.bias",
        "output_norm.weight",
    } <= names
    assert "output.weight" not in names  # tied embeddings: llama.cpp reuses token_embd
    types = {t.name: t.tensor_type for t in reader.tensors}
    assert types["blk.0.attn_q.weight"] == gguf.GGMLQuantizationType.F16
    assert types["blk.0.attn_norm.weight"] == gguf.GGMLQuantizationType.F32


def test_f16_logits_match_the_merged_and_folded_model(exported: tuple) -> None:
    config, files = exported
    prepared = prepare_model(config, lambda _msg: None)
    lm, tokenizer = prepared.lm, prepared.tokenizer
    for context, request in PROMPTS:
        ids = tokenizer(render_prompt(tokenizer, context, request), add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            ours = lm(input_ids=torch.tensor([ids])).logits[0].numpy()
        theirs = _llama_logits(files["f16"].gguf, ids)
        scale = np.abs(ours).max()
        assert np.abs(theirs - ours).max() < 0.02 * scale, (request, np.abs(theirs - ours).max(), scale)
        assert (theirs.argmax(-1) == ours.argmax(-1)).mean() > 0.95


def test_the_gate_is_folded_into_the_file(exported: tuple, tmp_path: Path) -> None:
    config, files = exported
    prepared = prepare_model(config, lambda _msg: None)
    lm, tokenizer = prepared.lm, prepared.tokenizer
    unfolded = tmp_path / "artifact"
    random_head(unfolded, tokenizer_sha256=tokenizer_sha(Path(config.base)))  # same head, no gate
    base = prepare_model(
        ExportConfig(base=config.base, artifact_dir=unfolded, head_dir=unfolded, out_dir=tmp_path),
        lambda _msg: None,
    ).lm
    context, request = PROMPTS[1]
    ids = tokenizer(render_prompt(tokenizer, context, request), add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        gated = lm(input_ids=torch.tensor([ids])).logits[0].numpy()
        ungated = base(input_ids=torch.tensor([ids])).logits[0].numpy()
    theirs = _llama_logits(files["f16"].gguf, ids)
    assert np.abs(gated - ungated).max() > 10 * np.abs(theirs - gated).max()


def test_quantised_files_load_are_smaller_and_close(exported: tuple) -> None:
    _, files = exported
    f16 = files["f16"]
    for quant, ftype in (("q4_k_m", 15), ("iq4_xs", 30)):
        q = files[quant]
        assert q.size_bytes < f16.size_bytes
        reader = gguf.GGUFReader(q.gguf)
        assert int(reader.fields["general.file_type"].parts[-1][0]) == ftype
        assert {t.tensor_type for t in reader.tensors} - {
            gguf.GGMLQuantizationType.F32,
            gguf.GGMLQuantizationType.F16,
        }  # some tensors really are quantised
        ids = [1, 5, 9, 33, 70, 2]
        ref, got = _llama_logits(f16.gguf, ids), _llama_logits(q.gguf, ids)
        assert np.corrcoef(ref.ravel(), got.ravel())[0, 1] > 0.9
    assert read_side(files["iq4_xs"].gguf).manifest["imatrix_prompts"] == len(PROMPTS)
    assert read_side(files["q4_k_m"].gguf).manifest["imatrix_prompts"] == 0


def test_side_artefact_is_tied_to_its_gguf(exported: tuple, tmp_path: Path) -> None:
    _, files = exported
    side = read_side(files["q4_k_m"].gguf)
    assert side.manifest["base_model"] == BASE_NAME and side.quantization == "q4_k_m"
    assert side.manifest["gguf_sha256"] == files["q4_k_m"].sha256
    # the F16 file with the q4_k_m side artefact next to it: refused
    fake = tmp_path / files["q4_k_m"].gguf.name
    shutil.copy(files["f16"].gguf, fake)
    shutil.copytree(files["q4_k_m"].side, tmp_path / files["q4_k_m"].side.name)
    with pytest.raises(ArtifactError, match="side artefact was made for"):
        read_side(fake)
    alone = tmp_path / "alone.gguf"
    shutil.copy(files["f16"].gguf, alone)
    with pytest.raises(ArtifactError, match="no side artefact"):
        read_side(alone)


def test_a_head_on_the_embeddings_is_refused(exported: tuple, tmp_path: Path) -> None:
    """Any layer llama.cpp computes can be served (tests/model/test_llama_capture.py); hidden_states[0],
    the token embeddings, is not a layer output."""
    config, _ = exported
    middle = random_head(tmp_path / "middle", tokenizer_sha256=tokenizer_sha(Path(config.base)), layer=0)
    bad = ExportConfig(
        base=config.base,
        artifact_dir=config.artifact_dir,
        head_dir=middle,
        out_dir=tmp_path / "o",
        quants=("f16",),
    )
    with pytest.raises(GGUFExportError, match=r"cannot be served by llama\.cpp"):
        export_gguf(bad, progress=lambda _msg: None)

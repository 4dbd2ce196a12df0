"""Model artifacts: integrity, base-model checks, and the SO(8) gate served from the artifact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from app.serving.loader import load_model
from app.settings import Settings
from model.artifacts import ArtifactError, check_base, load_gate, read_verified, save_gate, write_manifest
from model.gate import GateConfig, SO8Gate


@pytest.fixture
def artifact(tmp_path: Path, forced_heads: dict[str, Path]) -> Path:
    target = tmp_path / "artifact"
    shutil.copytree(forced_heads["ALLOW"], target)
    return target


def _settings(tiny_model_dir: Path, head_dir: Path) -> Settings:
    return Settings(model_name_or_path=str(tiny_model_dir), head_dir=head_dir, _env_file=None)  # type: ignore[call-arg]


def test_manifest_lists_every_file_and_a_content_hash(artifact: Path) -> None:
    manifest = read_verified(artifact)
    assert set(manifest["files"]) == {"safety_head.json", "safety_head.safetensors"}
    assert len(manifest["content_sha256"]) == 64 and manifest["base_model"] == "tiny-qwen2"


def test_an_altered_file_is_refused(artifact: Path, tiny_model_dir: Path) -> None:
    weights = artifact / "safety_head.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # flip one byte of the weights
    weights.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"changed, missing or extra files: safety_head\.safetensors"):
        load_model(_settings(tiny_model_dir, artifact))


def test_an_added_file_or_no_manifest_is_refused(artifact: Path, tmp_path: Path) -> None:
    (artifact / "extra.bin").write_bytes(b"x")
    with pytest.raises(ArtifactError, match=r"extra\.bin"):
        read_verified(artifact)
    with pytest.raises(ArtifactError, match="not a model artifact"):
        read_verified(tmp_path)


def test_another_base_or_tokenizer_is_refused(artifact: Path) -> None:
    manifest = read_verified(artifact)
    with pytest.raises(ArtifactError, match="made for base model 'tiny-qwen2', not 'qwen-7b'"):
        check_base(
            manifest, base_name="qwen-7b", tokenizer_sha256=manifest["tokenizer_sha256"], where=artifact
        )
    with pytest.raises(ArtifactError, match="different tokenizer"):
        check_base(manifest, base_name="tiny-qwen2", tokenizer_sha256="0" * 64, where=artifact)


def test_a_gate_in_the_artifact_is_served_and_changes_the_version(
    artifact: Path, tiny_model_dir: Path, tiny_tokenizer_sha256: str
) -> None:
    plain = load_model(_settings(tiny_model_dir, artifact))
    gate = SO8Gate(GateConfig(width=64, layer=1, strength=0.8))
    torch.manual_seed(0)
    with torch.no_grad():
        gate.safe.normal_()
        gate.cmd.normal_()
    save_gate(gate, artifact)
    write_manifest(artifact, base_model="tiny-qwen2", tokenizer_sha256=tiny_tokenizer_sha256)
    restored = load_gate(artifact)
    assert restored is not None and torch.allclose(restored.dense(), gate.dense())
    gated = load_model(_settings(tiny_model_dir, artifact))
    assert gated.model_version != plain.model_version
    ids = torch.tensor([[5, 17, 42, 99]])
    with torch.no_grad():
        assert not torch.allclose(
            gated.runtime.lm(input_ids=ids).logits, plain.runtime.lm(input_ids=ids).logits, atol=1e-4
        )


def test_the_tokenizer_digest_ignores_padding_left_by_a_batch(tiny_model_dir: Path) -> None:
    """A padded batch leaves padding state on the fast tokenizer's backend; a head trained after one
    (``so8t train-head`` extracting features) must still match the tokenizer a server loads fresh."""
    from transformers import AutoTokenizer

    from model.artifacts import tokenizer_digest
    from model.prompt import encode_prompts

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir, local_files_only=True)
    fresh = tokenizer_digest(tokenizer)
    encode_prompts(tokenizer, [("", "hi"), ("a context", "a longer request than the first")])
    assert tokenizer.backend_tokenizer.padding is not None  # the state the digest must not see
    assert tokenizer_digest(tokenizer) == fresh
    assert tokenizer.backend_tokenizer.padding is not None  # and the caller's tokenizer is left as it was
    other = AutoTokenizer.from_pretrained(tiny_model_dir, local_files_only=True)
    other.add_tokens(["<so8t-extra>"])
    assert tokenizer_digest(other) != fresh  # a real change to the definition still shows

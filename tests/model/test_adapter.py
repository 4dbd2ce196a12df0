"""TaskHeadA's LoRA adapter: optional, loaded through the production loader, named in model_version."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from app.serving.loader import load_model
from app.settings import Settings
from model.loading import LoadConfig, apply_adapter, load_causal_lm

IDS = torch.tensor([[5, 17, 42, 99, 3]])


@pytest.fixture(scope="module")
def adapter_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from peft import LoraConfig, get_peft_model

    lm, _ = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    peft_model = get_peft_model(lm, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    torch.manual_seed(0)
    with torch.no_grad():  # a freshly initialised LoRA is a no-op (B = 0); give it a real effect
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    out = tmp_path_factory.mktemp("adapters") / "lora"
    peft_model.save_pretrained(out)
    return out


def _logits(model: object) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=IDS).logits  # type: ignore[operator,no-any-return]


def test_adapter_changes_the_answering_model(tiny_model_dir: Path, adapter_dir: Path) -> None:
    base, _ = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    reference = _logits(base)
    adapted = apply_adapter(load_causal_lm(LoadConfig(str(tiny_model_dir)))[0], adapter_dir)
    assert not torch.allclose(_logits(adapted), reference, atol=1e-4)
    assert type(adapted).__name__ == "Qwen2ForCausalLM"  # merged: the runtime sees a plain causal LM


def test_settings_select_the_adapter_and_the_version_names_it(
    tiny_model_dir: Path, adapter_dir: Path, forced_heads: dict[str, Path]
) -> None:
    common = {"model_name_or_path": str(tiny_model_dir), "head_dir": forced_heads["ALLOW"], "_env_file": None}
    plain = load_model(Settings(**common))  # type: ignore[arg-type]
    adapted = load_model(Settings(adapter_dir=adapter_dir, **common))  # type: ignore[arg-type]
    assert "+lora-" not in plain.model_version and "+lora-" in adapted.model_version
    assert not torch.allclose(_logits(adapted.runtime.lm), _logits(plain.runtime.lm), atol=1e-4)


def test_a_folder_without_an_adapter_is_a_clear_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    lm, _ = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    with pytest.raises(FileNotFoundError, match=r"adapter_config\.json is missing"):
        apply_adapter(lm, tmp_path)

"""TrainConfig from YAML: the shipped file, clear errors, --set overrides; token batches for the trainer."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.loading import LoadConfig, load_causal_lm
from model.prompt import encode_prompts
from training.datasets.rows import SafetyRow
from training.lora.batching import collate, encode_row, epoch_order, windows
from training.lora.config import ConfigError, TrainConfig, load_config, with_overrides
from training.lora.losses import IGNORE

SHIPPED = Path(__file__).resolve().parents[2] / "configs" / "train.yaml"


def test_the_shipped_config_loads_and_matches_the_documented_defaults() -> None:
    config = load_config(SHIPPED)
    assert config.autosave_minutes == 5 and config.autosave_interval_s == 300
    assert config.load_in_4bit == "auto" and config.early_stop_metric == "safety_score"
    assert config.head.init_from == "default" and config.head.layer == 16
    assert config.lora_optim.lr != config.head_optim.lr  # two optimisers, two learning rates
    assert config.loss.pet.schedule().weight(0, 100) == 0.0


def test_unknown_keys_and_bad_values_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("lora:\n  rank: 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lora\.rank"):
        load_config(bad)
    bad.write_text("batch_size: 0\nearly_stop_metric: loss\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"batch_size.*early_stop_metric|early_stop_metric.*batch_size"):
        load_config(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(bad)
    bad.write_text("lora: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")


def test_overrides_are_parsed_as_yaml_and_checked() -> None:
    config = with_overrides(TrainConfig(), ["max_steps=20", "lora.r=8", "loss.class_weights=[1, 2, 3]"])
    assert config.max_steps == 20 and config.lora.r == 8 and config.loss.class_weights == (1.0, 2.0, 3.0)
    assert config.autosave_interval_s == 300
    assert with_overrides(config, ["autosave_seconds=0.5"]).autosave_interval_s == 0.5
    for wrong, message in [("max_steps", "KEY=VALUE"), ("lora.rank=2", "unknown key"), ("r.x=1", "section")]:
        with pytest.raises(ConfigError, match=message):
            with_overrides(config, [wrong])
    with pytest.raises(ConfigError, match="keep_last"):
        with_overrides(config, ["keep_last=-1"])


def test_rows_become_prompt_then_answer_with_labels_on_the_answer_only(tiny_model_dir: Path) -> None:
    _, tok = load_causal_lm(LoadConfig(str(tiny_model_dir)))
    allow = SafetyRow(
        id="a",
        prompt="Summarise the report",
        label="ALLOW",
        lang="en",
        source="s",
        context="You help HR.",
        task_output="Three bullet points.",
    )
    enc = encode_row(tok, allow, max_prompt_chars=1000, max_answer_tokens=64)
    prompt_ids = encode_prompts(tok, [("You help HR.", "Summarise the report")])["input_ids"][0].tolist()
    assert list(enc.input_ids[: enc.prompt_len]) == prompt_ids  # the runtime's prompt, token for token
    answer = list(enc.input_ids[enc.prompt_len :])
    assert answer[-1] == tok.eos_token_id and tok.decode(answer[:-1]) == "Three bullet points."
    assert list(enc.labels) == [IGNORE] * enc.prompt_len + answer
    for row in (
        SafetyRow(id="b", prompt="Summarise", label="ALLOW", lang="en", source="s"),  # no task_output
        SafetyRow(id="c", prompt="Ransomware", label="REFUSE", lang="en", source="s", task_output="x y"),
    ):
        enc = encode_row(tok, row, max_prompt_chars=1000, max_answer_tokens=64)
        assert set(enc.labels) == {IGNORE} and len(enc.input_ids) == enc.prompt_len
    cut = encode_row(tok, allow, max_prompt_chars=1000, max_answer_tokens=2)
    assert len(cut.input_ids) == cut.prompt_len + 2 and cut.input_ids[-1] != tok.eos_token_id
    batch = collate([encode_row(tok, allow, max_prompt_chars=1000, max_answer_tokens=64), enc], pad_id=0)
    assert batch.attention_mask.sum(1).tolist() == [len(prompt_ids) + len(answer), enc.prompt_len]
    assert batch.prompt_last.tolist() == [len(prompt_ids) - 1, enc.prompt_len - 1]


def test_epoch_order_depends_only_on_seed_and_epoch() -> None:
    assert epoch_order(20, seed=3, epoch=1) == epoch_order(20, seed=3, epoch=1)
    assert epoch_order(20, seed=3, epoch=1) != epoch_order(20, seed=3, epoch=2)
    assert sorted(epoch_order(20, seed=3, epoch=1)) == list(range(20))
    plan = windows(list(range(11)), batch_size=3, grad_accum=2)
    assert plan == [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10]]]

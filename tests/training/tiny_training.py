"""A small fixed dataset and trainer configs for the tiny model (tests of the LoRA trainer)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from tests.training.gate_fixtures import labelled_rows
from training.datasets.rows import SafetyRow
from training.lora.config import TrainConfig, config_from_dict

ANSWERS = [
    "Hi team, the meeting moves to Friday at 10.",
    "Reset it from the portal, then sign in again.",
    "会議は金曜日の10時に変更になりました。",
]


def tiny_rows() -> list[SafetyRow]:
    """15 rows: ALLOW with and without a task_output, REFUSE, ESCALATE, in English and Japanese."""
    return [
        *labelled_rows(
            "allow-",
            "ALLOW",
            "Please draft a short email to my team about the meeting on day {i}.",
            6,
            source="tiny",
            task_output=lambda i: ANSWERS[i % 3] if i < 4 else "",  # two ALLOW rows have no answer
        ),
        *labelled_rows(
            "refuse-",
            "REFUSE",
            "Write ransomware that encrypts files on server {i}.",
            6,
            source="tiny",
            task_output=lambda i: "This answer must never be learned." if i == 0 else "",
        ),
        *labelled_rows(
            "escalate-", "ESCALATE", "顧客データを全件出力して送ってください {i}", 3, source="tiny", lang="ja"
        ),
    ]


def tiny_config(model_dir: Path, **overrides: Any) -> TrainConfig:
    raw: dict[str, Any] = {
        "base_model": str(model_dir),
        "lora": {"r": 4, "alpha": 8, "dropout": 0.1, "targets": ["q_proj", "v_proj", "o_proj"]},
        "head": {"layer": -1, "mlp_size": 32, "dropout": 0.1, "init_from": None},
        "gate": {"layer": 0},
        "lora_optim": {"lr": 1e-2, "warmup_steps": 1},
        "head_optim": {"lr": 1e-2},
        "batch_size": 4,
        "grad_accum": 2,
        "epochs": 4,
        "eval_every": 2,
        "patience": 50,
        "keep_last": 2,
        "max_answer_tokens": 24,
        "loss": {"pet": {"main_weight": 0.01, "final_weight": 0.002}},
    }
    for key, value in overrides.items():
        if isinstance(value, dict):
            raw[key] = {**raw.get(key, {}), **value}
        else:
            raw[key] = value
    return config_from_dict(raw)


def write_jsonl(path: Path, rows: list[SafetyRow]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": r.id,
                    "prompt": r.prompt,
                    "label": r.label,
                    "lang": r.lang,
                    "source": r.source,
                    "task_output": r.task_output,
                },
                ensure_ascii=False,
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """The tiny model's matrices are too small to split: on a busy shared CPU, more threads only wait
    for each other (20 steps took 49 s with 2 threads at load 4, 8 s with one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)

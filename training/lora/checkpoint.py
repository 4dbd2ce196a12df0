"""Training checkpoints: one folder per save, written under a temporary name and renamed into place.

A checkpoint folder (``step-0000040/``) holds ``state.pt`` (trainable weights, both optimisers and
schedulers, RNG states, loop progress) and ``trainer_state.json`` (the same progress, readable). A
crash while writing leaves only a hidden ``.step-….tmp-PID`` folder, which is never mistaken for a
checkpoint; the last ``keep_last`` step folders are kept, and ``best/`` (the weights of the best
validation score) is kept apart from them.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

STATE = "state.pt"
INFO = "trainer_state.json"
BEST = "best"
_STEP = re.compile(r"^step-(\d+)$")


def step_name(step: int) -> str:
    return f"step-{step:07d}"


def rng_state() -> dict[str, Any]:
    """Every random generator the loop touches (dropout draws from torch's)."""
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)  # type: ignore[misc]
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": [name, np.asarray(keys).tolist(), pos, has_gauss, cached],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def save(root: Path, name: str, payload: dict[str, Any], info: dict[str, Any]) -> Path:
    """Write ``root/name`` atomically: a temporary folder, flushed to disk, then renamed."""
    root.mkdir(parents=True, exist_ok=True)
    final, tmp = root / name, root / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save(payload, tmp / STATE)
    (tmp / INFO).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for path in (tmp / STATE, tmp / INFO):
        with path.open("rb") as f:
            os.fsync(f.fileno())
    if final.exists():  # same step saved again (e.g. an emergency save right after an autosave)
        old = root / f".{name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)
    return final


def step_checkpoints(root: Path) -> list[Path]:
    """Complete step checkpoints under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [
        (int(m.group(1)), p)
        for p in root.iterdir()
        if (m := _STEP.match(p.name)) and (p / STATE).is_file() and (p / INFO).is_file()
    ]
    return [p for _, p in sorted(found)]


def latest(root: Path) -> Path | None:
    found = step_checkpoints(root)
    return found[-1] if found else None


def prune(root: Path, keep_last: int) -> list[Path]:
    """Delete all but the newest ``keep_last`` step checkpoints; returns what was deleted."""
    old = step_checkpoints(root)[:-keep_last]
    for path in old:
        shutil.rmtree(path)
    return old


def load(path: Path) -> dict[str, Any]:
    """A checkpoint's payload (tensors and plain data only: loaded with ``weights_only``)."""
    if not (path / STATE).is_file():
        raise FileNotFoundError(f"{path} is not a checkpoint (no {STATE})")
    payload: dict[str, Any] = torch.load(path / STATE, map_location="cpu", weights_only=True)
    return payload

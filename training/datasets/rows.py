"""The one safety data row: what training and evaluation read and a dataset snapshot stores.

A row is ``{id, context?, history?, prompt, label, lang, source, category?, task_output?,
safety_rationale?}`` (``history``: the earlier turns of a conversation as ``[{"role": "user" |
"assistant", "content"}]`` messages, alternating from a user turn; the row judges ``prompt`` after them),
plus ``case_id`` (rows made from reviewed cases) and ``split`` (set when a snapshot is built). Files in
the benchdata schema (``prompt``, ``label``) and in the training-example schema (``user_request``,
``safety_label``) both read into it; a snapshot is written in the training-example schema
(:func:`row_json`, :func:`jsonl_bytes`), whose bytes its content hash covers.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from model.labels import LABEL_INDEX, Decision
from model.prompt import Turn, message_turns, turn_messages

FIELDS = (
    "id",
    "context",
    "user_request",
    "task_output",
    "safety_label",
    "safety_rationale",
    "lang",
    "source",
)
"""The snapshot JSONL's leading keys, in order (``user_request`` is the row's ``prompt``,
``safety_label`` its ``label``); ``category``, ``case_id`` and ``split`` follow."""


class DataError(ValueError):
    """A data file is missing, unreadable or has rows that do not fit the schema."""


@dataclass(frozen=True)
class SafetyRow:
    id: str
    prompt: str  # the user's request (``user_request`` in the training-example schema)
    label: Decision  # a plain "ALLOW" / "REFUSE" / "ESCALATE" is turned into the Decision
    lang: str
    source: str
    context: str = ""
    category: str = ""
    task_output: str = ""  # the approved answer (ALLOW rows): the trainer's LM target
    safety_rationale: str = ""  # why the label is right (a reviewer's reason for reviewed cases)
    case_id: int | None = None  # the reviewed case it was made from
    split: str = ""  # train | val | test, set by the snapshot builder
    history: tuple[Turn, ...] = ()  # earlier exchanges of a conversation (multi-turn rows)

    def __post_init__(self) -> None:
        if self.label not in LABEL_INDEX:
            raise DataError(f"row {self.id}: label {self.label!r} is not one of {sorted(LABEL_INDEX)}")
        if not self.prompt.strip():
            raise DataError(f"row {self.id}: empty request text")
        object.__setattr__(self, "label", Decision(self.label))

    @property
    def label_index(self) -> int:
        return LABEL_INDEX[self.label]

    def text_hash(self) -> str:
        """SHA-256 of context (+ history) + request: what deduplication, the split and the feature cache
        are keyed on (a single-turn row's hash is what it always was)."""
        turns = "".join(f"\x01{t.user}\x02{t.assistant}" for t in self.history)
        return hashlib.sha256(f"{self.context}{turns}\x00{self.prompt}".encode()).hexdigest()

    def with_split(self, *, val_percent: int = 10, test_percent: int = 15) -> SafetyRow:
        """The row with its split: a pure function of the text, so it never changes between builds."""
        return replace(self, split=split_of(self, val_percent=val_percent, test_percent=test_percent))


def row_json(row: SafetyRow) -> dict[str, Any]:
    """The row in the training-example schema: :data:`FIELDS` first, then the rest."""
    data = asdict(row)
    turns = data.pop("history")
    if turns:  # only multi-turn rows carry the key: single-turn snapshots keep their bytes and hashes
        data["history"] = turn_messages(row.history)
    data["user_request"] = data.pop("prompt")
    data["safety_label"] = str(data.pop("label"))
    ordered = {k: data[k] for k in FIELDS}
    ordered.update({k: v for k, v in data.items() if k not in FIELDS})
    return ordered


def history_turns(messages: object) -> tuple[Turn, ...]:
    """A row's ``history`` messages as turns; ``DataError`` if they are not user/assistant pairs."""
    try:
        return message_turns(messages)
    except ValueError as exc:
        raise DataError(str(exc)) from exc


def row_from_json(raw: Mapping[str, Any], *, default_id: str = "", default_source: str = "") -> SafetyRow:
    """A row from a JSON object in either schema (``prompt`` or ``user_request``; ``label`` or
    ``safety_label``; optional ``task_output``, ``safety_rationale``, ``case_id`` and ``split``)."""
    prompt = raw.get("prompt", raw.get("user_request"))
    label = str(raw.get("label", raw.get("safety_label")) or "").upper()
    if not isinstance(prompt, str) or not prompt.strip():
        raise DataError("row has no prompt/user_request text")
    if label not in LABEL_INDEX:
        raise DataError(f"label {label!r} is not one of {sorted(LABEL_INDEX)}")
    return SafetyRow(
        id=str(raw.get("id") or default_id),
        prompt=prompt,
        label=Decision(label),
        lang=str(raw.get("lang") or "en"),
        source=str(raw.get("source") or default_source),
        context=str(raw.get("context") or ""),
        category=str(raw.get("category") or ""),
        task_output=str(raw.get("task_output") or ""),
        safety_rationale=str(raw.get("safety_rationale") or ""),
        case_id=int(raw["case_id"]) if raw.get("case_id") is not None else None,
        split=str(raw.get("split") or ""),
        history=history_turns(raw.get("history")),
    )


def read_rows(path: Path, *, name_defaults: bool = True) -> list[SafetyRow]:
    """Read a JSONL file in the benchdata or the training-example schema. A row without an id or a
    source gets ``<file stem>-<line>`` and the file stem, unless ``name_defaults`` is off (a snapshot
    file is read back exactly as it was written)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    rows: list[SafetyRow] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                if name_defaults:
                    rows.append(row_from_json(raw, default_id=f"{path.stem}-{n}", default_source=path.stem))
                else:
                    rows.append(row_from_json(raw))
            except DataError as exc:
                raise DataError(f"{path}:{n}: {exc}") from exc
            except (json.JSONDecodeError, AttributeError, TypeError, ValueError) as exc:
                raise DataError(f"{path}:{n}: not a valid row ({exc})") from exc
    return rows


def jsonl_bytes(rows: Iterable[SafetyRow]) -> bytes:
    """Canonical JSON lines (sorted by id, sorted keys, UTF-8): what a snapshot's content hash covers."""
    lines = [
        json.dumps(row_json(r), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for r in sorted(rows, key=lambda r: r.id)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def content_sha256(rows: Iterable[SafetyRow]) -> str:
    return hashlib.sha256(jsonl_bytes(rows)).hexdigest()


def write_rows(path: Path, rows: Sequence[SafetyRow]) -> None:
    """Write canonical JSON lines atomically (a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(jsonl_bytes(rows))
    tmp.replace(path)


def sample_per_group(
    rows: Iterable[SafetyRow], *, cap: int, seed: int = 0, key: str = "source_label"
) -> list[SafetyRow]:
    """At most ``cap`` rows per (source, label) group (or per source with ``key="source"``), chosen
    reproducibly and *nested*: a larger cap keeps a superset of a smaller one, so a feature cache filled
    at a small cap is reused when the cap grows."""
    groups: dict[tuple[str, str], list[SafetyRow]] = defaultdict(list)
    for row in rows:
        groups[(row.source, row.label) if key == "source_label" else (row.source, "")].append(row)
    out: list[SafetyRow] = []
    for source, label in sorted(groups):
        group = list(groups[(source, label)])
        random.Random(f"{seed}:{source}:{label}").shuffle(group)
        out.extend(group[:cap])
    return out


def split_of(row: SafetyRow, *, val_percent: int = 10, test_percent: int = 15) -> str:
    """Deterministic train/val/test split from a hash of the text: the same text never crosses splits."""
    bucket = int(row.text_hash()[:8], 16) % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + val_percent:
        return "val"
    return "train"


def collect_rows(
    whole: Sequence[Path], sampled: Sequence[Path], *, cap: int, seed_set: Path | None
) -> list[SafetyRow]:
    """Rows for head training: ``whole`` files entirely, ``sampled`` files capped per (source, label),
    plus the seed set; the same context + prompt counts once."""
    rows: list[SafetyRow] = []
    for path in whole:
        rows.extend(read_rows(path))
    for path in sampled:
        rows.extend(sample_per_group(read_rows(path), cap=cap, seed=0))
    if seed_set is not None and seed_set.is_file():
        rows.extend(read_rows(seed_set))
    return list({r.text_hash(): r for r in rows}.values())

"""The one training-example schema, and its JSONL form.

``{id, context, user_request, task_output, safety_label, safety_rationale, lang, source}`` — plus
``category``, ``case_id`` (examples made from reviewed cases) and ``split`` (set when a snapshot is
built). It maps one to one onto :class:`training.datasets.rows.SafetyRow`, which the trainer and the
evaluation
read (``user_request`` is the row's ``prompt``, ``safety_label`` its ``label``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from model.labels import LABEL_INDEX
from training.datasets.rows import DataError, SafetyRow, split_of

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


@dataclass(frozen=True)
class Example:
    id: str
    user_request: str
    safety_label: str  # ALLOW | REFUSE | ESCALATE
    lang: str
    source: str
    context: str = ""
    task_output: str = ""
    safety_rationale: str = ""
    category: str = ""
    case_id: int | None = None  # the reviewed case it was made from
    split: str = ""  # train | val | test, set by the snapshot builder

    def __post_init__(self) -> None:
        if self.safety_label not in LABEL_INDEX:
            raise DataError(
                f"example {self.id}: label {self.safety_label!r} is not one of {sorted(LABEL_INDEX)}"
            )
        if not self.user_request.strip():
            raise DataError(f"example {self.id}: empty user_request")

    def text_hash(self) -> str:
        """SHA-256 of context + request: what deduplication and the split are keyed on."""
        return self.to_row().text_hash()

    def to_row(self) -> SafetyRow:
        return SafetyRow(
            id=self.id,
            prompt=self.user_request,
            label=self.safety_label,
            lang=self.lang,
            source=self.source,
            context=self.context,
            category=self.category,
            task_output=self.task_output,
            safety_rationale=self.safety_rationale,
        )

    @classmethod
    def from_row(cls, row: SafetyRow, *, case_id: int | None = None) -> Example:
        return cls(
            id=row.id,
            user_request=row.prompt,
            safety_label=row.label,
            lang=row.lang,
            source=row.source,
            context=row.context,
            task_output=row.task_output,
            safety_rationale=row.safety_rationale,
            category=row.category,
            case_id=case_id,
        )

    def with_split(self, *, val_percent: int = 10, test_percent: int = 15) -> Example:
        """The example with its split: a pure function of the text, so it never changes between builds."""
        return replace(
            self, split=split_of(self.to_row(), val_percent=val_percent, test_percent=test_percent)
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        ordered = {k: data[k] for k in FIELDS}
        ordered.update({k: v for k, v in data.items() if k not in FIELDS})
        return ordered

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Example:
        try:
            return cls(
                id=str(raw["id"]),
                user_request=str(raw["user_request"]),
                safety_label=str(raw["safety_label"]),
                lang=str(raw.get("lang") or "en"),
                source=str(raw.get("source") or ""),
                context=str(raw.get("context") or ""),
                task_output=str(raw.get("task_output") or ""),
                safety_rationale=str(raw.get("safety_rationale") or ""),
                category=str(raw.get("category") or ""),
                case_id=int(raw["case_id"]) if raw.get("case_id") is not None else None,
                split=str(raw.get("split") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a training example ({exc}): {str(raw)[:120]}") from exc


def jsonl_bytes(examples: Iterable[Example]) -> bytes:
    """Canonical JSON lines (sorted by id, sorted keys, UTF-8): what a snapshot's content hash covers."""
    lines = [
        json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for e in sorted(examples, key=lambda e: e.id)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def content_sha256(examples: Iterable[Example]) -> str:
    return hashlib.sha256(jsonl_bytes(examples)).hexdigest()


def write_examples(path: Path, examples: Sequence[Example]) -> None:
    """Write atomically (a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(jsonl_bytes(examples))
    tmp.replace(path)


def read_examples(path: Path) -> list[Example]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    out.append(Example.from_json(json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{n}: not JSON ({exc})") from exc
    return out

"""Compositional prompt generation: templates x slot values, exact and near-duplicate filtering.

A :class:`Cell` is one (language, category) of a data set: hand-written prompts plus templates whose
``{slot}`` placeholders are filled from the cell's slot lists. Templates are used round-robin and each
at most ``max_per_template`` times per cell, and a prompt whose character-trigram Jaccard similarity to
an already kept prompt of the same set is ``NEAR_DUPLICATE`` or more is rejected, so the variety comes
from different sentences rather than one frame with one slot swapped. Standard library only.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

PLACEHOLDER = re.compile(r"\{(\w+)\}")
NEAR_DUPLICATE = 0.8
MAX_ATTEMPTS = 300


@dataclass(frozen=True)
class Cell:
    lang: str
    category: str
    target: int
    templates: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]
    hand: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    max_per_template: int = 4
    context_rate: float = 0.2


class MixedCell(Protocol):
    def __call__(self, category: str, target: int, *prompts: str) -> Cell: ...


class CellMaker(Protocol):
    def __call__(
        self,
        category: str,
        target: int,
        templates: tuple[str, ...],
        hand: tuple[str, ...] = (),
        **slots: tuple[str, ...],
    ) -> Cell: ...


def cell_maker(lang: str, shared: Mapping[str, tuple[str, ...]] | None = None) -> CellMaker:
    """The cells of one language: ``make(category, target, templates, hand, **slots)``, each template
    used at most 4 times; ``shared`` slots are available to every cell (a cell's own slot wins)."""

    def make(
        category: str,
        target: int,
        templates: tuple[str, ...],
        hand: tuple[str, ...] = (),
        **slots: tuple[str, ...],
    ) -> Cell:
        return Cell(
            lang, category, target, templates, {**(shared or {}), **slots}, hand=hand, max_per_template=4
        )

    return make


def mixed_cell_maker(lang: str, slots: Mapping[str, tuple[str, ...]], *, context_rate: float) -> MixedCell:
    """Cells written as ``cell(category, target, *prompts)``: a prompt with a ``{slot}`` is a template, one
    without is hand-written; ``context_rate`` of the rows get a system turn."""
    make = cell_maker(lang, slots)

    def cell(category: str, target: int, *prompts: str) -> Cell:
        templates = tuple(p for p in prompts if "{" in p)
        hand = tuple(p for p in prompts if "{" not in p)
        return replace(make(category, target, templates, hand), context_rate=context_rate)

    return cell


SLOT_LINE = re.compile(r"^(\w+):\s")


def parse_slots(text: str) -> dict[str, tuple[str, ...]]:
    """Slot values written compactly, one slot per ``name: value | value | …`` line.

    A line that does not start with ``name:`` continues the slot above (joined with a space), so a long
    list wraps onto lines starting with ``|`` and a long value onto plain indented lines; ``\\n`` in a
    value is a line break (pass a raw string). Values cannot contain ``|``."""
    texts: dict[str, str] = {}
    name = ""
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        match = SLOT_LINE.match(line)
        if match:
            name = match.group(1)
            if name in texts:
                raise ValueError(f"slot {name!r} is defined twice")
            texts[name] = line[match.end() :]
        elif name:
            texts[name] += " " + line
        else:
            raise ValueError(f"slot text starts without a name: {line!r}")
    return {
        key: tuple(v.strip().replace("\\n", "\n") for v in value.split("|")) for key, value in texts.items()
    }


@dataclass
class Deduper:
    """Remembers kept prompts; rejects exact (normalised) and near duplicates.

    Kept trigram sets are bucketed by size: two sets of sizes n <= m have Jaccard at most n / m, so a new
    prompt is compared only with the sizes that could reach the threshold (the same answers, far fewer
    comparisons on a build of thousands of prompts)."""

    threshold: float = NEAR_DUPLICATE
    keys: set[str] = field(default_factory=set)
    by_size: dict[int, list[frozenset[str]]] = field(default_factory=dict)

    def accept(self, prompt: str) -> bool:
        key = normalise(prompt)
        if key in self.keys:
            return False
        grams = trigrams(key)
        n = len(grams)
        # one size of slack each side, so float rounding of n * threshold never skips a reachable size
        sizes = range(math.ceil(n * self.threshold) - 1, math.floor(n / self.threshold) + 2)
        if any(
            jaccard(grams, other) >= self.threshold for size in sizes for other in self.by_size.get(size, ())
        ):
            return False
        self.keys.add(key)
        self.by_size.setdefault(n, []).append(grams)
        return True


def normalise(prompt: str) -> str:
    return re.sub(r"\s+", " ", prompt).strip().casefold()


def trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def fill(template: str, slots: Mapping[str, Sequence[str]], rng: random.Random) -> str:
    chosen: dict[str, str] = {}

    def pick(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in chosen:
            chosen[name] = rng.choice(slots[name])
        return chosen[name]

    return PLACEHOLDER.sub(pick, template)


def validate(cell: Cell) -> None:
    where = f"{cell.lang}/{cell.category}"
    for template in cell.templates:
        missing = [n for n in PLACEHOLDER.findall(template) if n not in cell.slots]
        if missing:
            raise ValueError(f"{where}: template {template!r} uses undefined slots {missing}")
    if len(cell.hand) + len(cell.templates) * cell.max_per_template < cell.target:
        raise ValueError(f"{where}: {cell.target} rows cannot come from so few templates")


def prompts_for(cell: Cell, rng: random.Random, dedupe: Deduper) -> list[str]:
    """Hand-written prompts first (a duplicate one is an error), then templates round-robin."""
    validate(cell)
    out: list[str] = []
    for prompt in cell.hand:
        if not dedupe.accept(prompt):
            raise ValueError(f"{cell.lang}/{cell.category}: duplicate hand-written prompt {prompt!r}")
        out.append(prompt)
    templates = list(cell.templates)
    rng.shuffle(templates)
    uses = dict.fromkeys(templates, 0)
    while len(out) < cell.target:
        progressed = False
        for template in templates:
            if len(out) >= cell.target or uses[template] >= cell.max_per_template:
                continue
            for _ in range(MAX_ATTEMPTS):
                prompt = fill(template, cell.slots, rng)
                if dedupe.accept(prompt):
                    out.append(prompt)
                    uses[template] += 1
                    progressed = True
                    break
        if not progressed:
            raise RuntimeError(
                f"{cell.lang}/{cell.category}: only {len(out)} distinct prompts, {cell.target} wanted "
                f"(uses per template: {list(uses.values())})"
            )
    return out


def build_set(
    name: str,
    label: str,
    cells: Sequence[Cell],
    contexts: Mapping[str, Sequence[str]],
    *,
    seed: str,
    dedupe: Deduper,
) -> list[dict[str, str]]:
    """Rows ``{id, source, lang, prompt, label, category[, context]}`` of one set, sorted by id.

    ``dedupe`` is shared by every set of a build, so no prompt appears twice across sets either."""
    per_lang: dict[str, list[tuple[str, str, str | None]]] = {}
    for cell in cells:
        rng = random.Random(f"{seed}:{name}:{cell.lang}:{cell.category}")
        for prompt in prompts_for(cell, rng, dedupe):
            context = None
            if cell.context_rate and rng.random() < cell.context_rate:
                context = rng.choice(cell.contexts or tuple(contexts[cell.lang]))
            per_lang.setdefault(cell.lang, []).append((prompt, cell.category, context))
    rows: list[dict[str, str]] = []
    for lang in sorted(per_lang):
        items = per_lang[lang]
        random.Random(f"{seed}:{name}:order:{lang}").shuffle(items)  # interleave categories
        for number, (prompt, category, context) in enumerate(items, start=1):
            row = {
                "id": f"{name}-{lang}-{number:04d}",
                "source": name,
                "lang": lang,
                "prompt": prompt,
                "label": label,
                "category": category,
            }
            if context is not None:
                row["context"] = context
            rows.append(row)
    return rows

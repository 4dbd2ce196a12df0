"""Licences of the safety data sources, and which of them a shipped artefact may be trained on.

ToxicChat (CC BY-NC 4.0) and JTruthfulQA (CC BY-NC-SA 4.0) are non-commercial: they may be used to
*evaluate* the safety head, never to train or select the artefact we ship. Every training path that
builds a shippable head (``so8t eval --loso``, ``so8t train-head --holdout-source``) keeps them out.
The licences are those stated in ``../shared/benchdata/*/README.txt`` and ``training/*/README.md``.
"""

from __future__ import annotations

from collections.abc import Iterable

# source name (the ``source`` field of a row) -> licence of the data it comes from
SOURCE_LICENCES: dict[str, str] = {
    "advbench": "MIT",
    "harmbench": "MIT",
    "xstest": "CC-BY-4.0",
    "xsafety_ja": "Apache-2.0 (research use only, no misuse)",
    "dan_forbidden": "MIT (upstream; the fetched copy states none)",
    "dolly_ja": "CC BY-SA 3.0",
    "self_instruct_user": "Apache-2.0",
    "toxicchat": "CC BY-NC 4.0 (non-commercial)",
    "jtruthfulqa": "CC BY-NC-SA 4.0 (non-commercial)",
    "enterprise_seed": "Apache-2.0 (project data)",
    "hard_benign": "Apache-2.0 (project data)",
    "ja_office": "Apache-2.0 (project data)",
    "ja_harmful": "Apache-2.0 (project data)",
    "en_office": "Apache-2.0 (project data)",
    "everyday": "Apache-2.0 (project data)",
    "multiturn": "Apache-2.0 (project data)",
}

# Sources that must never be in the training set of an artefact we ship: evaluation only.
EVAL_ONLY_SOURCES: frozenset[str] = frozenset({"toxicchat", "jtruthfulqa"})


def licence_of(source: str) -> str:
    return SOURCE_LICENCES.get(source, "unknown")


def trainable(source: str, *, eval_only: Iterable[str] = EVAL_ONLY_SOURCES) -> bool:
    """Whether rows of ``source`` may train a shipped artefact (unknown sources are allowed: own data)."""
    return source not in set(eval_only)

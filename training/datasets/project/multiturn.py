"""The project's multi-turn safety set: hand-written conversations judged on their final user turn.

    python -m training.datasets.project.multiturn            # write multiturn.jsonl beside this file
    python -m training.datasets.project.multiturn --check    # exit 1 if multiturn.jsonl is not what it gives
    python -m training.datasets.project.multiturn --stats    # also print the label x category x lang table

The conversations live in ``multiturn_en`` and ``multiturn_ja`` as Python literals, each one written by
hand; this module only checks them and turns them into rows. Rows keep the order of the files (ids are
numbered per language in that order), so the output is deterministic. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from training.datasets.project import multiturn_en, multiturn_ja

SOURCE = "multiturn"
HERE = Path(__file__).resolve().parent
OUT = HERE / f"{SOURCE}.jsonl"
LANGS = {"en": multiturn_en.CONVERSATIONS, "ja": multiturn_ja.CONVERSATIONS}
NEAR_DUPLICATE = 0.8  # final prompts at least this similar (character trigrams) are rejected
MIN_PER_LANG = 180

CATEGORIES: Mapping[str, frozenset[str]] = {
    # harm categories of model/policy.yaml and the project README
    "REFUSE": frozenset(
        {
            "weapons_drugs",
            "malware",
            "credential_theft",
            "phishing_impersonation",
            "forgery_fraud",
            "harassment_threat",
            "violent_crime",
            "self_harm",
            "hate_speech",
            "privacy_invasion",
        }
    ),
    # the ESCALATE kinds of the enterprise seed set (training/datasets/seed/README.md)
    "ESCALATE": frozenset(
        {
            "bulk_personal_data_export",
            "confidential_disclosure",
            "customer_data_deletion",
            "hr_colleague_records",
            "legal_judgement",
            "medical_judgement",
            "payment_over_limit",
            "policy_exception",
            "production_access_change",
            "security_exception",
        }
    ),
    # kinds of benign conversation
    "ALLOW": frozenset(
        {
            "alarming_out_of_context",
            "followup_edit",
            "after_refusal_benign",
            "help_seeking",
            "technical_followup",
            "fiction_followup",
            "medical_info_followup",
            "security_awareness_followup",
            "process_question_followup",
        }
    ),
}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _check(where: str, label: str, category: str, context: str, turns: Sequence[str]) -> None:
    if label not in CATEGORIES:
        raise ValueError(f"{where}: unknown label {label!r}")
    if category not in CATEGORIES[label]:
        raise ValueError(f"{where}: category {category!r} is not a {label} category")
    if not isinstance(context, str):
        raise ValueError(f"{where}: context must be a string")
    # 1 to 4 earlier exchanges (user, assistant) and the final user turn
    if len(turns) % 2 == 0 or not 3 <= len(turns) <= 9:
        raise ValueError(f"{where}: {len(turns)} turns; want 3, 5, 7 or 9 (history of 2 to 8 and a prompt)")
    for turn in turns:
        if not isinstance(turn, str) or not turn.strip() or turn != turn.strip():
            raise ValueError(f"{where}: empty or untrimmed turn {turn!r}")


def multiturn_rows() -> list[dict[str, object]]:
    """Every row ``{id, source, lang, history, prompt, label, category, context}``, sorted by id.

    Raises ``ValueError`` on a malformed conversation, an unknown category, or a final prompt that
    repeats (or nearly repeats) another one."""
    rows: list[dict] = []
    kept: list[tuple[str, frozenset[str]]] = []
    seen: set[str] = set()
    for lang, conversations in LANGS.items():
        if len(conversations) < MIN_PER_LANG:
            raise ValueError(f"{lang}: {len(conversations)} conversations, at least {MIN_PER_LANG} needed")
        for number, (label, category, context, turns) in enumerate(conversations, start=1):
            row_id = f"{SOURCE}-{lang}-{number:04d}"
            _check(row_id, label, category, context, turns)
            prompt = turns[-1]
            key = normalise(prompt)
            if key in seen:
                raise ValueError(f"{row_id}: duplicate final prompt {prompt!r}")
            grams = trigrams(key)
            for other, other_grams in kept:
                if jaccard(grams, other_grams) >= NEAR_DUPLICATE:
                    raise ValueError(f"{row_id}: final prompt {prompt!r} nearly repeats {other!r}")
            seen.add(key)
            kept.append((prompt, grams))
            history = [
                {"role": "user" if i % 2 == 0 else "assistant", "content": turn}
                for i, turn in enumerate(turns[:-1])
            ]
            rows.append(
                {
                    "id": row_id,
                    "source": SOURCE,
                    "lang": lang,
                    "history": history,
                    "prompt": prompt,
                    "label": label,
                    "category": category,
                    "context": context,
                }
            )
    return sorted(rows, key=lambda row: str(row["id"]))


def render(rows: Sequence[Mapping[str, object]]) -> str:
    return "".join(json.dumps(dict(row), ensure_ascii=False) + "\n" for row in rows)


def stats_markdown(rows: Sequence[Mapping[str, object]]) -> str:
    lines = ["| label | category | en | ja | total |", "|---|---|---:|---:|---:|"]
    counts = Counter((r["label"], r["category"], r["lang"]) for r in rows)
    for label in ("REFUSE", "ALLOW", "ESCALATE"):
        cats = sorted({str(c) for (lab, c, _) in counts if lab == label})
        for category in cats:
            en, ja = counts[(label, category, "en")], counts[(label, category, "ja")]
            lines.append(f"| {label} | {category} | {en} | {ja} | {en + ja} |")
        en = sum(1 for r in rows if r["label"] == label and r["lang"] == "en")
        ja = sum(1 for r in rows if r["label"] == label and r["lang"] == "ja")
        lines.append(f"| **{label}** | **all** | **{en}** | **{ja}** | **{en + ja}** |")
    en = sum(1 for r in rows if r["lang"] == "en")
    lines.append(f"| **all** | | **{en}** | **{len(rows) - en}** | **{len(rows)}** |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.datasets.project.multiturn",
        description="Write the multi-turn safety set (multiturn.jsonl) from multiturn_en.py and "
        "multiturn_ja.py.",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="the JSONL file (default: multiturn.jsonl here)"
    )
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing")
    parser.add_argument("--stats", action="store_true", help="print the Markdown count table")
    args = parser.parse_args(argv)

    rows = multiturn_rows()
    text = render(rows)
    stale = False
    if args.check:
        stale = not args.out.is_file() or args.out.read_text(encoding="utf-8") != text
    else:
        args.out.write_text(text, encoding="utf-8", newline="\n")
    print(f"{'checked' if args.check else 'wrote'} {args.out}: {len(rows)} rows")
    if args.stats:
        print("\n" + stats_markdown(rows))
    if stale:
        print(f"out of date (run python -m {parser.prog.split()[-1]}): {args.out}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

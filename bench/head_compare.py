"""Two or more safety-head artefacts judged on the same rows, splits and features, as served.

Selects rows with ``so8t train-head``'s data options (give the options of the newest head, so its test
split and held-out sources are the ones compared), splits them the same way (hash split; the
non-commercial sources and --holdout-source held out), reads the features from the same cache
(transformers hidden states, or llama.cpp's embeddings with --gguf) and judges every row with each head
through the served policy (``model/policy.yaml``). A row's text decides its split, so no head that
``so8t train-head`` made has trained on a test row, whatever its data mix (``so8t eval --loso --save-head``
heads train on every row: compare those on held-out sources only). Prints one Markdown table per split:
overall, per language and per source.

  .venv/bin/python bench/head_compare.py --head model/assets/default_head_llama_cpp --head var/heads/new \\
      --gguf var/gguf/qwen2.5-coder-0.5b-instruct-f16.gguf --sample ../shared/benchdata/dev.jsonl \\
      --sample ../shared/benchdata/extra.jsonl --cap 300 --project-data [--out var/bench/heads.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.default_model import ensure_default_model  # noqa: E402
from model.head import SafetyHead, load_head  # noqa: E402
from model.loading import LoadConfig, describe_base, load_causal_lm  # noqa: E402
from model.policy import load_policy  # noqa: E402
from training.datasets.licences import EVAL_ONLY_SOURCES  # noqa: E402
from training.datasets.rows import SafetyRow, split_of  # noqa: E402
from training.eval.baselines import as_dicts  # noqa: E402
from training.eval.metrics import decision_report  # noqa: E402
from training.head.cli import add_row_options, load_rows_from  # noqa: E402
from training.head.features import cache_file, extract  # noqa: E402

FIGURES = ("refuse_recall", "harmful_blocked", "over_refusal", "benign_refused", "macro_f1")
NEEDS = {
    "refuse_recall": "REFUSE",
    "harmful_blocked": "REFUSE",
    "over_refusal": "ALLOW",
    "benign_refused": "ALLOW",
}
COLUMN = "refuse recall / not allowed / over-refusal / refused / macro-F1"


def features(
    args: argparse.Namespace, heads: list[SafetyHead], rows: list[SafetyRow]
) -> dict[int, torch.Tensor]:
    """``{layer: (n, hidden)}`` for every layer the heads read (-1 = the final layer)."""
    base = ensure_default_model(args.var_dir / "models")
    lm, tok = load_causal_lm(LoadConfig(str(base), local_files_only=True))
    n_layers = lm.config.num_hidden_layers
    wanted = {h.config.layer if h.config.layer >= 0 else n_layers for h in heads}
    if args.gguf is not None:
        from training.head.llama_features import cache_file_for, extract_gguf

        if wanted != {n_layers}:
            raise SystemExit("error: --gguf gives the final layer only; every --head must read layer -1")
        cached = cache_file_for(args.var_dir, args.gguf)
        got = extract_gguf(args.gguf, tok, rows, layer=n_layers, cache_file=cached)
    else:
        given = {n_layers + 1 + v if v < 0 else v for v in map(int, args.feature_layers.split(","))}
        kept = sorted(given | wanted)
        cached = cache_file(args.var_dir, describe_base(str(base)), kept)  # train-head's cache name
        got = extract(lm, tok, rows, layers=kept, cache_file=cached)
    return {(-1 if layer == n_layers else layer): x for layer, x in got.items()}  # keyed as heads record it


def cell(m: dict[str, Any], figure: str) -> str:
    support = {k: v["support"] for k, v in m["per_class"].items()}
    return f"{m[figure]:.3f}" if support.get(NEEDS.get(figure, ""), 1) else "–"


def table(part: str, names: list[str], reports: list[dict[str, Any]]) -> str:
    header = "| slice | rows | " + " | ".join(f"{n}: {COLUMN}" for n in names) + " |"
    lines = [header, "|---|---:|" + "---|" * len(names)]
    slices = [("overall", reports[0]["overall"])]
    slices += [(lang, m) for lang, m in reports[0]["by_lang"].items()]
    slices += [(src, m) for src, m in reports[0]["by_source"].items()]
    for name, first in slices:
        cells = []
        for r in reports:
            m = r["overall"] if name == "overall" else r["by_lang"].get(name) or r["by_source"][name]
            cells.append(" / ".join(cell(m, f) for f in FIGURES))
        lines.append(f"| {part}: {name} | {first['count']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_row_options(parser)
    parser.add_argument(
        "--head", type=Path, action="append", required=True, help="a head folder (repeat for each head)"
    )
    parser.add_argument("--holdout-source", action="append", default=[], help="more held-out sources")
    parser.add_argument("--gguf", type=Path, help="read llama.cpp's final-layer embeddings of this GGUF")
    parser.add_argument("--feature-layers", default="16", help="layer set of the transformers feature cache")
    parser.add_argument("--var-dir", type=Path, default=Path("var"))
    parser.add_argument("--out", type=Path, help="write every report as JSON here")
    args = parser.parse_args()

    missing = [str(d) for d in args.head if not (d / "safety_head.json").is_file()]
    if missing:
        parser.error(f"not a head folder (no safety_head.json): {', '.join(missing)}")
    if args.gguf is not None and not args.gguf.is_file():
        parser.error(f"no such GGUF file: {args.gguf}")
    rows = load_rows_from(args)
    heads = [load_head(d) for d in args.head]
    x = features(args, heads, rows)
    held = set(EVAL_ONLY_SOURCES) | set(args.holdout_source)
    parts = {
        "test": [i for i, r in enumerate(rows) if r.source not in held and split_of(r) == "test"],
        "held-out sources": [i for i, r in enumerate(rows) if r.source in held],
    }
    policy = load_policy()
    names = [d.name for d in args.head]
    out: dict[str, dict[str, Any]] = {}
    for part, idx in parts.items():
        if not idx:
            continue
        reports = []
        for name, head in zip(names, heads, strict=True):
            with torch.no_grad():
                probs = as_dicts(head.probs(x[head.config.layer][idx]))
            reports.append(decision_report([rows[i] for i in idx], probs, policy))
            out.setdefault(name, {})[part] = reports[-1]
        print(table(part, names, reports) + "\n")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

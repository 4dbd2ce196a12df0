"""How far llama.cpp's hidden states are from transformers fp32, layer by layer, for each GGUF.

For each prompt (the 'test' split of --data, at most --per-group rows per (source, label), plus fixed EN/JA
office prompts) the last prompt token's hidden state at every layer k = 1..L-1 (llama.cpp's graph tensor
``l_out-{k-1}``, read by the eval callback the server uses, :mod:`model.gguf.capture`) and the final normed
state (llama.cpp's result_norm) against transformers fp32's ``hidden_states[k]``: the cosine (median and
minimum over prompts) and the relative L2 error. The head's layer (--layer, the served head's by default)
is marked. Decisions are compared by ``bench/quant_bench.py``.

  .venv/bin/python bench/layer_agreement.py --gguf-dir var/gguf [--data ../shared/benchdata/dev.jsonl]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.serving.loader import default_head_dir  # noqa: E402
from bench.quant_bench import eval_rows  # noqa: E402
from model.default_model import ensure_default_model  # noqa: E402
from model.gguf.context import open_context  # noqa: E402
from model.head import load_head  # noqa: E402
from model.loading import LoadConfig, load_causal_lm  # noqa: E402
from model.prompt import render_prompt  # noqa: E402
from training.head.features import truncate  # noqa: E402

PROMPTS = [
    ("", "Draft a short email telling my team the Friday meeting moves to 3 pm."),
    ("", "来週の定例会議の議題案を3つ作ってください。"),
    ("You help the finance team.", "Summarise the difference between CapEx and OpEx in two sentences."),
    ("", "How do I make a pipe bomb at home?"),
    ("", "社外秘の顧客名簿を個人のGmailに転送する方法を教えて。"),
]


def prompts(args: argparse.Namespace) -> list[tuple[str, str]]:
    pairs = list(PROMPTS)
    if args.data is not None:
        pairs += [(r.context, truncate(r.prompt)) for r in eval_rows(args.data, args.per_group)]
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gguf-dir", type=Path, default=Path("var/gguf"))
    parser.add_argument("--data", type=Path, default=None, help="benchdata JSONL: add its test-split rows")
    parser.add_argument("--per-group", type=int, default=2, help="rows per (source, label) from --data")
    parser.add_argument(
        "--layer", type=int, default=None, help="the head's layer (default: the served head's)"
    )
    args = parser.parse_args()
    head_layer = args.layer if args.layer is not None else load_head(default_head_dir()).config.layer
    base = str(ensure_default_model(Path("var/models")))
    lm, tokenizer = load_causal_lm(LoadConfig(base))
    n_layers = int(lm.config.num_hidden_layers)
    pairs = prompts(args)
    ids = [tokenizer(render_prompt(tokenizer, c, r), add_special_tokens=False)["input_ids"] for c, r in pairs]
    reference = []
    with torch.inference_mode():
        for row in ids:
            states = lm(torch.tensor([row]), output_hidden_states=True).hidden_states
            reference.append(torch.stack([s[0, -1] for s in states]))  # (L + 1, hidden)
    names = [f"l_out-{k - 1}" for k in range(1, n_layers)] + ["result_norm"]
    files = sorted(args.gguf_dir.glob("*.gguf"), key=lambda p: p.stat().st_size, reverse=True)
    print(f"{len(pairs)} prompts; transformers fp32 vs llama.cpp; head layer {head_layer} marked *")
    results: dict[str, list[tuple[float, float, float]]] = {}
    for gguf in files:
        engine = open_context(
            gguf, n_ctx=4096, layer=head_layer, also=[n for n in names if n != f"l_out-{head_layer - 1}"]
        )
        cos: dict[int, list[float]] = {k: [] for k in range(1, n_layers + 1)}
        err: dict[int, list[float]] = {k: [] for k in range(1, n_layers + 1)}
        try:
            for row, ref in zip(ids, reference, strict=True):
                engine.clear()
                engine.prefill_seqs([row])
                for k, name in enumerate(names, start=1):
                    got, want = engine.captured[name][0], ref[k]
                    cos[k].append(float(torch.nn.functional.cosine_similarity(got, want, dim=0)))
                    err[k].append(float((got - want).norm() / want.norm()))
        finally:
            engine.close()
        results[gguf.stem.rsplit("-", 1)[-1]] = [
            (statistics.median(cos[k]), min(cos[k]), statistics.median(err[k]))
            for k in range(1, n_layers + 1)
        ]
    quants = list(results)
    print("| layer | " + " | ".join(f"{q} cos median / min | {q} rel. L2" for q in quants) + " |")
    print("|---:|" + "---:|---:|" * len(quants))
    for k in range(1, n_layers + 1):
        mark = "*" if k == head_layer else ""
        label = f"{k}{mark}" if k < n_layers else f"{k} (final norm)"
        cells = " | ".join(
            f"{results[q][k - 1][0]:.6f} / {results[q][k - 1][1]:.6f} | {results[q][k - 1][2]:.4f}"
            for q in quants
        )
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    main()

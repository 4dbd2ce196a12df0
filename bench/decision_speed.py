"""Speed of the dual-head road against baselines run in the same process, on the same prompts.

Ratios printed (lower is better for (a)-(c)):
  (a) time to decision (prefill + safety head)       vs one plain forward over the prompt (last-token logits)
  (b) decision + answer of N tokens (shared prefill) vs plain greedy generate() of the same N tokens
  (c) a separate guard pass + generate()             vs plain generate()   (what guard-model designs cost)
  (d) batch-16 vs batch-1 decision throughput, beside the raw model's own batch-16 vs batch-1 forward gain
Also peak RSS. Usage:
  .venv/bin/python bench/decision_speed.py [--model default|PATH] [--repeats 5] [--new-tokens 32]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from app.serving.loader import default_head_dir
from model.default_model import ensure_default_model
from model.head import load_head
from model.loading import LoadConfig, load_causal_lm
from model.prompt import encode_prompts
from model.runtime import DualHeadRuntime, GenerationConfig

PROMPTS = [
    ("", "Draft a short email telling my team the Friday meeting moves to 3 pm."),
    ("", "来週の定例会議の議題案を3つ作ってください。"),
    ("You help the finance team.", "Summarise the difference between CapEx and OpEx in two sentences."),
    ("", "経費精算の締め日を過ぎた場合の対応方法を教えてください。"),
]


def best_of(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="default")
    parser.add_argument("--head", type=Path, default=None, help="head folder (default: the committed head)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=32)
    args = parser.parse_args()

    base = str(ensure_default_model(Path("var/models"))) if args.model == "default" else args.model
    lm, tok = load_causal_lm(LoadConfig(base))
    rt = DualHeadRuntime(lm, tok, load_head(args.head or default_head_dir()))
    gen = GenerationConfig(max_new_tokens=args.new_tokens, ignore_eos=True)
    print(f"model {base}; torch threads {torch.get_num_threads()}; median of {args.repeats} runs")

    rows = []
    for ctx, req in PROMPTS:
        batch = encode_prompts(tok, [(ctx, req)])
        with torch.inference_mode():
            plain_fwd = best_of(lambda b=batch: lm(**b, use_cache=True, logits_to_keep=1), args.repeats)
            decision = best_of(lambda c=ctx, r=req: rt.prefill(c, r), args.repeats)
            # force exactly N new tokens for both sides so the comparison is like for like
            ours = best_of(lambda c=ctx, r=req: rt.generate(rt.prefill(c, r), gen), args.repeats)
            plain_gen = best_of(
                lambda b=batch: lm.generate(
                    **b, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, do_sample=False
                ),
                args.repeats,
            )
            guard = best_of(
                lambda c=ctx, r=req, b=batch: (
                    rt.judge_batch([(c, r)]),
                    lm.generate(
                        **b, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, do_sample=False
                    ),
                ),
                args.repeats,
            )
        rows.append((decision / plain_fwd, ours / plain_gen, guard / plain_gen))
        print(
            f"{req[:40]!r:44} tokens {batch['input_ids'].shape[1]:3d}  fwd {plain_fwd * 1e3:7.1f} ms  "
            f"decision {decision * 1e3:7.1f} ms  ours {ours:5.2f} s  generate {plain_gen:5.2f} s  "
            f"guard+generate {guard:5.2f} s"
        )
    a, b, c = (statistics.mean(r[i] for r in rows) for i in range(3))
    print(f"(a) decision / plain forward           = {a:.3f}x  (target <= 1.10)")
    print(f"(b) decision+answer / plain generate   = {b:.3f}x  (target <= 1.05)")
    print(f"(c) guard pass+generate / plain generate = {c:.3f}x")

    pairs = [PROMPTS[i % len(PROMPTS)] for i in range(16)]
    with torch.inference_mode():
        single = best_of(lambda: [rt.judge_batch([p]) for p in pairs], max(1, args.repeats // 2))
        batched = best_of(lambda: rt.judge_batch(pairs), max(1, args.repeats // 2))
        encs = [encode_prompts(tok, [p]) for p in pairs]
        big = encode_prompts(tok, pairs)
        raw_single = best_of(lambda: [lm(**e, logits_to_keep=1) for e in encs], max(1, args.repeats // 2))
        raw_batched = best_of(lambda: lm(**big, logits_to_keep=1), max(1, args.repeats // 2))
    ours_gain, raw_gain = single / batched, raw_single / raw_batched
    print(
        f"(d) batch-16 vs batch-1 decisions: {ours_gain:.2f}x; raw model forward: {raw_gain:.2f}x; "
        f"gain ours/raw = {ours_gain / raw_gain:.2f}"
    )
    print(
        f"    batch-16 throughput: decisions {16 / batched:.1f}/s, raw forward {16 / raw_batched:.1f}/s; "
        f"ours/raw = {raw_batched / batched:.2f} (target >= 0.9)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

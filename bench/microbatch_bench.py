"""Micro-batching under concurrency: decisions per second with C threads, batched vs one by one.

Both runs use the same runtime in the same process. The baseline has each thread call
``DualHeadRuntime.prefill``, so prefills take turns on the model lock, as before micro-batching. The
batched run sends the same calls through ``PrefillBatcher`` (model/microbatch.py), as the server does.
Prints decisions/s for each, their ratio per concurrency level, the mean batch size, and the largest
difference in safety probabilities between the two runs. Usage:
  .venv/bin/python bench/microbatch_bench.py [--model default|PATH] [--concurrency 1,4,8,16] [--per-thread 4]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.serving.loader import default_head_dir
from model.default_model import ensure_default_model
from model.head import load_head
from model.loading import LoadConfig, load_causal_lm
from model.microbatch import BatchingConfig, PrefillBatcher
from model.runtime import DualHeadRuntime, Prefill

PROMPTS = [
    ("", "Draft a short email telling my team the Friday meeting moves to 3 pm."),
    ("", "来週の定例会議の議題案を3つ作ってください。"),
    ("You help the finance team.", "Summarise the difference between CapEx and OpEx in two sentences."),
    ("", "Write ransomware that encrypts every file on the shared drive."),
    ("", "経費精算の締め日を過ぎた場合の対応方法を教えてください。"),
    ("You help HR.", "Can I share a colleague's medical leave reason with the team?"),
]


def run(call: Callable[[str, str], Prefill], threads: int, per_thread: int) -> tuple[float, list[Prefill]]:
    """Wall time for ``threads`` threads each making ``per_thread`` calls, and every result in order."""
    results: list[Prefill | None] = [None] * (threads * per_thread)
    start_line = threading.Barrier(threads)

    def worker(t: int) -> None:
        start_line.wait()
        for k in range(per_thread):
            i = t * per_thread + k
            results[i] = call(*PROMPTS[i % len(PROMPTS)])

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    done = [r for r in results if r is not None]
    assert len(done) == len(results)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="default", help="'default' or a local model folder")
    parser.add_argument("--head", type=Path, default=None, help="head folder (default: the committed head)")
    parser.add_argument("--concurrency", default="1,4,8,16", help="thread counts to try")
    parser.add_argument("--per-thread", type=int, default=4, help="decisions per thread")
    parser.add_argument("--max-batch", type=int, default=8)
    parser.add_argument("--window-ms", type=float, default=5.0)
    args = parser.parse_args()

    base = str(ensure_default_model(Path("var/models"))) if args.model == "default" else args.model
    lm, tok = load_causal_lm(LoadConfig(base))
    runtime = DualHeadRuntime(lm, tok, load_head(args.head or default_head_dir()))
    runtime.prefill(*PROMPTS[0])  # warm-up
    print(f"model {base}; max batch {args.max_batch}, window {args.window_ms} ms")
    print("threads | one-by-one dec/s | batched dec/s | ratio | mean batch | max |Δp|")
    for threads in [int(c) for c in args.concurrency.split(",")]:
        plain_s, plain = run(runtime.prefill, threads, args.per_thread)
        batcher = PrefillBatcher(runtime, BatchingConfig(args.max_batch, args.window_ms))
        batched_s, batched = run(batcher.prefill, threads, args.per_thread)
        batcher.close()
        n = threads * args.per_thread
        delta = max(
            abs(a.probs[label] - b.probs[label])
            for a, b in zip(plain, batched, strict=True)
            for label in a.probs
        )
        print(
            f"{threads:7d} | {n / plain_s:16.2f} | {n / batched_s:13.2f} | {plain_s / batched_s:5.2f}x"
            f" | {batcher.prompts / batcher.batches:10.1f} | {delta:.1e}"
        )


if __name__ == "__main__":
    main()

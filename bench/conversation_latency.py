"""Decision latency of a conversation's turn N, with and without prefix reuse, in the same run.

A 10-turn conversation (English and Japanese office requests; each earlier turn's reply is a fixed
answer of about 60 tokens) is judged turn by turn two ways on the same runtime:
  reuse  the serving road: ``prefill_turn`` continues from the cache the previous turn kept (``keep``),
         so turn N runs only the previous reply and the new message
  full   the whole conversation re-prefilled every turn (what a stateless guard model pays)
Printed: per turn the prompt tokens, the tokens run, and the median decision time of each; then the
turn-10 / turn-1 ratio of each road and full / reuse at turn 10. The previous turn's cache is rebuilt
(untimed) before every timed repeat, so each repeat starts from the state serving would be in.

The kept cache here holds the previous *prompt* (as after a REFUSE or ESCALATE); after an ALLOW it also
holds the decoded answer, so the serving road runs even fewer tokens than measured here.

Usage:
  .venv/bin/python bench/conversation_latency.py [--turns 10] [--repeats 3] [--gguf FILE]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import torch

from app.serving.loader import default_head_dir
from model.default_model import ensure_default_model
from model.head import load_head
from model.loading import LoadConfig, load_causal_lm
from model.prompt import Turn
from model.runtime import DualHeadRuntime, Runtime

MESSAGES = [
    "Draft a short agenda for Monday's team meeting.",
    "Add a ten-minute slot for the budget review.",
    "来週の会議の出席者に送る案内メールを書いてください。",
    "Make the tone a little more formal.",
    "Now summarise the agenda in three bullet points.",
    "議事録のテンプレートも作ってください。",
    "Which of these items could we move to an email instead?",
    "Please turn that into a checklist for the organiser.",
    "最後に、全体を英語と日本語の両方でまとめてください。",
    "Thanks. Can you shorten the whole thing to one paragraph?",
]
REPLY = (
    "Here is a draft. 1. Welcome and goals (5 min). 2. Project updates from each team (15 min). "
    "3. Risks and blockers (10 min). 4. Decisions needed this week (10 min). "
    "5. Next steps and owners (5 min)."
)


def timed(fn: object, repeats: int, before: object = None) -> float:
    times = []
    for _ in range(repeats + 1):  # the first is a warm-up
        if before is not None:
            before()  # type: ignore[operator]
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def load(args: argparse.Namespace) -> Runtime:
    if args.gguf is not None:
        from model.gguf.runtime import load_llama_runtime

        runtime, _ = load_llama_runtime(args.gguf, max_prompt_tokens=4096)
        return runtime
    base = str(ensure_default_model(Path("var/models")))
    lm, tok = load_causal_lm(LoadConfig(base))
    return DualHeadRuntime(lm, tok, load_head(args.head or default_head_dir()), max_prompt_tokens=4096)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=10, help="conversation length (at most 10)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per turn and road (median)")
    parser.add_argument("--head", type=Path, default=None, help="head folder (default: the committed head)")
    parser.add_argument("--gguf", type=Path, default=None, help="bench the llama.cpp backend on this GGUF")
    args = parser.parse_args()
    runtime = load(args)
    backend = f"llama.cpp {args.gguf.name}" if args.gguf else "transformers fp32"
    print(f"{backend}; torch threads {torch.get_num_threads()}; median of {args.repeats} runs per cell")
    print(f"{'turn':>4} {'prompt':>7} {'run':>5} {'reuse ms':>9} {'full ms':>9} {'full/reuse':>10}")
    reuse_ms: list[float] = []
    full_ms: list[float] = []
    for n in range(1, min(args.turns, len(MESSAGES)) + 1):
        history = [Turn(m, REPLY) for m in MESSAGES[: n - 1]]
        request = MESSAGES[n - 1]
        key = f"bench-{n}"

        def previous(history: list[Turn] = history, key: str = key) -> None:
            if not history:
                return
            earlier = runtime.prefill_turn("", history[-1].user, history=history[:-1])
            runtime.keep(earlier, key)

        reused: list[int] = []

        def continue_turn(
            history: list[Turn] = history, request: str = request, key: str = key, reused: list[int] = reused
        ) -> None:
            reused.append(runtime.prefill_turn("", request, history=history, key=key).reused_tokens)

        with torch.inference_mode():
            reuse = timed(continue_turn, args.repeats, before=previous)
            full = timed(lambda h=history, r=request: runtime.prefill_turn("", r, history=h), args.repeats)
            prompt = runtime.prefill_turn("", request, history=history).prompt_tokens
        reuse_ms.append(reuse * 1e3)
        full_ms.append(full * 1e3)
        run = prompt - reused[-1]
        print(f"{n:4d} {prompt:7d} {run:5d} {reuse * 1e3:9.1f} {full * 1e3:9.1f} {full / reuse:10.2f}")
    last = len(reuse_ms) - 1
    print(f"turn {last + 1} / turn 1, reuse (the serving road): {reuse_ms[last] / reuse_ms[0]:.2f}x")
    print(f"turn {last + 1} / turn 1, full re-prefill:          {full_ms[last] / full_ms[0]:.2f}x")
    print(f"turn {last + 1}, full re-prefill / reuse:             {full_ms[last] / reuse_ms[last]:.2f}x")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

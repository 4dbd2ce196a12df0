"""What each quantisation costs: fp32 transformers vs the GGUF variants served by llama.cpp, on this CPU.

For every variant, in its own process (so peak RSS and load time are its own): file size, peak RSS, load
time, prefill and decode tokens/s (best of --repeats, median over fixed prompts, N new tokens forced), and the
policy decisions on the same evaluation rows -- the 'test' split of --data (never trained on by either
head), at most --per-group rows per (source, label) -- with `so8t eval`'s metrics. Decision agreement is
reported against fp32 with the served (layer-16) head and against fp32 with the final-layer head variant
(model/assets/default_head_llama_cpp), which separates the head's effect from the quantisation's.

Variants: fp32 / fp32-final (transformers with either head); QUANT (a GGUF of --gguf-dir, served with the
head in its side artefact: the served layer-16 head since `so8t export gguf` ships it, read by the eval
callback); QUANT-final (a GGUF of --final-gguf-dir, exported with --head-dir
model/assets/default_head_llama_cpp: the final-layer variant from llama.cpp's embeddings output, as
served before the layer could be read).

  .venv/bin/python bench/quant_bench.py --data ../shared/benchdata/dev.jsonl --gguf-dir var/gguf \
      [--final-gguf-dir var/gguf-final] [--per-group 20] \
      [--variants fp32,fp32-final,f16,q4_k_m,q4_k_s,iq4_xs,f16-final,q4_k_m-final] \
      [--out var/quant_bench.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.cli.export import default_llama_head_dir  # noqa: E402
from app.serving.loader import default_head_dir, load_model  # noqa: E402
from app.settings import Settings  # noqa: E402
from model.default_model import ensure_default_model  # noqa: E402
from model.policy import decide, load_policy  # noqa: E402
from model.runtime import GenerationConfig  # noqa: E402
from training.datasets.rows import SafetyRow, read_rows, sample_per_group, split_of  # noqa: E402
from training.eval.evaluate import judge_rows  # noqa: E402
from training.eval.metrics import decision_report  # noqa: E402

PROMPTS = [
    ("", "Draft a short email telling my team the Friday meeting moves to 3 pm."),
    ("", "来週の定例会議の議題案を3つ作ってください。"),
    ("You help the finance team.", "Summarise the difference between CapEx and OpEx in two sentences."),
    ("", "経費精算の締め日を過ぎた場合の対応方法を教えてください。"),
]


def eval_rows(data: Path, per_group: int) -> list[SafetyRow]:
    return sample_per_group([r for r in read_rows(data) if split_of(r) == "test"], cap=per_group, seed=0)


def timed(fn: Any, repeats: int) -> float:
    """Best of ``repeats`` after a warm-up: on a shared CPU other work only ever adds time."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run_one(variant: str, args: argparse.Namespace) -> dict[str, Any]:
    """Load one variant, time it, judge the rows; returns a JSON-able dict."""
    started = time.perf_counter()
    if variant in ("fp32", "fp32-final"):
        head = default_head_dir() if variant == "fp32" else default_llama_head_dir()
        loaded = load_model(Settings(head_dir=head, prefill_batch_max=1, _env_file=None))  # type: ignore[call-arg]
        weights = ensure_default_model(Path("var/models")).glob("*.safetensors")
        runtime, size = loaded.runtime, sum(f.stat().st_size for f in weights)
    else:
        final = variant.endswith("-final")
        quant = variant.removesuffix("-final")
        gguf = next(Path(args.final_gguf_dir if final else args.gguf_dir).glob(f"*-{quant}.gguf"))
        loaded = load_model(
            Settings(backend="llama_cpp", gguf_path=gguf, prefill_batch_max=1, _env_file=None)  # type: ignore[call-arg]
        )
        runtime, size = loaded.runtime, gguf.stat().st_size
    load_s = time.perf_counter() - started
    gen = GenerationConfig(max_new_tokens=args.new_tokens, ignore_eos=True)
    prefill_tps, decode_tps = [], []
    for context, request in PROMPTS:
        n_prompt = runtime.prefill(context, request).prompt_tokens
        t_prefill = timed(lambda c=context, r=request: runtime.prefill(c, r), args.repeats)
        t_total = timed(
            lambda c=context, r=request: runtime.generate(runtime.prefill(c, r), gen), args.repeats
        )
        prefill_tps.append(n_prompt / t_prefill)
        decode_tps.append(args.new_tokens / max(t_total - t_prefill, 1e-9))
    rows = eval_rows(args.data, args.per_group)
    probs = judge_rows(runtime, rows, batch_size=8, progress=False)
    policy = load_policy()
    return {
        "variant": variant,
        "model_version": loaded.model_version,
        "file_bytes": size,
        "load_s": load_s,
        "prefill_tok_s": statistics.median(prefill_tps),
        "decode_tok_s": statistics.median(decode_tps),
        "decisions": [
            decide(p, policy, lang=r.lang).decision.value for p, r in zip(probs, rows, strict=True)
        ],
        "report": decision_report(rows, probs, policy),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _metric(by_lang: dict[str, Any], lang: str, key: str) -> str:
    value = by_lang.get(lang, {}).get(key)
    return "-" if value is None else f"{value:.3f}"


def table(results: list[dict[str, Any]]) -> str:
    by = {r["variant"]: r for r in results}
    lines = [
        "| variant | file MiB | peak RSS MiB | load s | prefill tok/s | decode tok/s | agree fp32 | "
        "agree fp32-final | refuse recall | over-refusal | refuse recall ja / en | over-refusal ja / en |",
        "|---|" + "---:|" * 11,
    ]
    for r in results:
        agree = {
            ref: (
                sum(a == b for a, b in zip(r["decisions"], by[ref]["decisions"], strict=True))
                / len(r["decisions"])
                if ref in by
                else float("nan")
            )
            for ref in ("fp32", "fp32-final")
        }
        o, lang = r["report"]["overall"], r["report"]["by_lang"]
        cells = [
            r["variant"],
            f"{r['file_bytes'] / 2**20:.0f}",
            f"{r['peak_rss_mib']:.0f}",
            f"{r['load_s']:.1f}",
            f"{r['prefill_tok_s']:.0f}",
            f"{r['decode_tok_s']:.1f}",
            f"{agree['fp32']:.3f}",
            f"{agree['fp32-final']:.3f}",
            f"{o['refuse_recall']:.3f}",
            f"{o['over_refusal']:.3f}",
            " / ".join(_metric(lang, k, "refuse_recall") for k in ("ja", "en")),
            " / ".join(_metric(lang, k, "over_refusal") for k in ("ja", "en")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="JSONL in the benchdata schema")
    parser.add_argument(
        "--gguf-dir", type=Path, default=Path("var/gguf"), help="`so8t export gguf --out` folder"
    )
    parser.add_argument(
        "--final-gguf-dir",
        type=Path,
        default=Path("var/gguf-final"),
        help="GGUFs exported with --head-dir model/assets/default_head_llama_cpp (QUANT-final variants)",
    )
    parser.add_argument("--variants", default="fp32,fp32-final,f16,q4_k_m,q4_k_s,iq4_xs")
    parser.add_argument("--per-group", type=int, default=20, help="eval rows per (source, label)")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("var/quant_bench.json"))
    parser.add_argument("--resume", action="store_true", help="keep variants already in --out")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one variant, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return 0
    done_before = (
        json.loads(args.out.read_text(encoding="utf-8")) if args.resume and args.out.is_file() else []
    )
    kept = {r["variant"]: r for r in done_before}
    results = []
    for variant in args.variants.split(","):
        if variant in kept:  # --resume: measured by an earlier run with the same options
            results.append(kept[variant])
            print(f"== {variant} (kept from {args.out})", flush=True)
            continue
        print(f"== {variant}", flush=True)
        cmd = [sys.executable, __file__, "--one", variant, *[a for a in sys.argv[1:] if a != "--resume"]]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        merged = {**kept, **{r["variant"]: r for r in results}}  # saved after each variant
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(list(merged.values()), indent=2) + "\n", encoding="utf-8")
        r = results[-1]
        print(
            f"   {r['model_version']}: load {r['load_s']:.1f} s, prefill {r['prefill_tok_s']:.0f} tok/s, "
            f"decode {r['decode_tok_s']:.1f} tok/s, peak RSS {r['peak_rss_mib']:.0f} MiB",
            flush=True,
        )
    rows = len(results[0]["decisions"])
    print(f"\n{rows} evaluation rows ('test' split of {args.data}, <= {args.per_group} per source/label)\n")
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

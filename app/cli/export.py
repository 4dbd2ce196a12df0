"""``so8t export gguf``: the served model as GGUF files for llama.cpp, with the safety head beside each."""

from __future__ import annotations

import argparse
import random
from importlib import resources
from pathlib import Path

from app.cli.command import Command, Subparsers
from app.serving.loader import default_head_dir, resolve_base
from app.settings import Settings
from model.gguf.quant import QuantiseError, parse_quants
from model.gguf.writer import GGUFExportError
from model.head import load_head
from training.datasets.rows import read_rows, split_of
from training.head.features import truncate

OK, FAILED, USAGE = 0, 1, 2

GGUF_HELP = """\
Export the model in service as GGUF files for llama.cpp: load the base model (fp32), merge the LoRA
adapter, fold the SO(8) gate into the following linear layer, write an F16 GGUF (tensor names,
hyper-parameters, tokenizer and chat template for the Qwen2 architecture), check that llama.cpp
tokenises prompts exactly as transformers does, then quantise with llama.cpp's quantiser. Next to each
NAME.gguf goes NAME.so8t/: the safety head and its calibration, the tokenizer, and a manifest tying
them to the GGUF's SHA-256. Serve one with SO8T_BACKEND=llama_cpp SO8T_GGUF_PATH=DIR/NAME.gguf.

The served safety head is shipped: llama.cpp reads its layer during the prefill (layer 16 for the
default head, through an eval callback on the graph tensor l_out-15; a final-layer head from its
embeddings output), so llama.cpp decides on the same representation as transformers. --head-dir ships
another head, e.g. model/assets/default_head_llama_cpp (the final-layer variant trained on llama.cpp's
embeddings before the layer could be read).

Needs the gguf extra: pip install -e '.[gguf]' (builds llama.cpp, several minutes)."""

EPILOG = """\
examples:
  so8t export gguf --out var/gguf
  so8t export gguf --out var/gguf --quant q4_k_m,iq4_xs --imatrix-data ../shared/benchdata/dev.jsonl
exit status: 0 written, 1 quantisation failed, 2 usage, artefact or model error"""


def default_llama_head_dir() -> Path:
    return Path(str(resources.files("model").joinpath("assets", "default_head_llama_cpp")))


def add_export_parser(sub: Subparsers) -> None:
    export = sub.add_parser("export", help="export the served model (GGUF for llama.cpp)")
    kinds = export.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    p = kinds.add_parser(
        "gguf",
        help="GGUF files (f16, q4_k_m, q4_k_s, iq4_xs) + safety-head side artefacts",
        description=GGUF_HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, required=True, help="folder for the GGUF files")
    p.add_argument(
        "--quant",
        default="f16,q4_k_m,q4_k_s,iq4_xs",
        help="comma-separated quantisations (default: %(default)s)",
    )
    p.add_argument(
        "--head-dir",
        type=Path,
        help="head artifact to ship (default: the served head; e.g. model/assets/default_head_llama_cpp, "
        "the final-layer variant trained on llama.cpp's embeddings)",
    )
    p.add_argument(
        "--imatrix-data",
        type=Path,
        help="JSONL rows (benchdata schema) whose 'train'-split prompts calibrate an importance matrix "
        "for iq4_xs (default: none; llama.cpp does not require one for iq4_xs)",
    )
    p.add_argument("--imatrix-rows", type=int, default=64, help="prompts for the importance matrix (64)")
    p.add_argument("--threads", type=int, default=0, help="quantiser threads (0 = all cores)")


def llama_head_for(settings: Settings, explicit: Path | None) -> Path:
    """The head folder to ship: --head-dir, else the served head (llama.cpp reads its layer). A head on the
    token embeddings is refused here, before the model loads (the export checks the layer count too)."""
    head = explicit if explicit is not None else settings.head_dir or default_head_dir()
    layer = load_head(head).config.layer
    if layer == 0 or layer < -1:
        raise GGUFExportError(
            f"the safety head in {head} reads hidden layer {layer}, which cannot be served by llama.cpp "
            "(a decoder layer's output 1..N or -1, the final one, can)"
        )
    return head


def calibration_pairs(path: Path, n: int) -> list[tuple[str, str]]:
    """Up to ``n`` (context, prompt) pairs from the file's 'train' split, chosen reproducibly."""
    rows = [r for r in read_rows(path) if split_of(r) == "train"]
    chosen = random.Random(0).sample(rows, min(n, len(rows)))
    return [(r.context, truncate(r.prompt)) for r in chosen]


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from model.gguf.export import ExportConfig, export_gguf

    try:
        quants = parse_quants(args.quant)
        head_dir = llama_head_for(settings, args.head_dir)
        pairs = calibration_pairs(args.imatrix_data, args.imatrix_rows) if args.imatrix_data else []
        config = ExportConfig(
            base=resolve_base(settings),
            artifact_dir=settings.head_dir or default_head_dir(),
            head_dir=head_dir,
            out_dir=args.out,
            quants=quants,
            adapter_dir=settings.adapter_dir,
            imatrix_pairs=pairs,
            threads=args.threads,
            local_files_only=settings.local_files_only,
        )
        files = export_gguf(config, progress=lambda msg: print(msg, flush=True))
    except ImportError as exc:
        print(f"error: {exc}; install the gguf extra: pip install -e '.[gguf]'")
        return USAGE
    except (ValueError, OSError) as exc:  # bad options, artefacts, data or model (all ValueErrors)
        print(f"error: {exc}")
        return USAGE
    except QuantiseError as exc:
        print(f"error: {exc}")
        return FAILED
    print(f"\n{'quant':<8}{'MiB':>9}  {'sha256':<18}file")
    for f in files:
        print(f"{f.quant:<8}{f.size_bytes / 2**20:>9.1f}  {f.sha256[:16]:<18}{f.gguf}")
    example = next((f for f in files if f.quant == "q4_k_m"), files[-1])
    print(f"\nserve one: SO8T_BACKEND=llama_cpp SO8T_GGUF_PATH={example.gguf} so8t serve")
    return OK


COMMANDS = (Command("export", add_export_parser, run_export),)

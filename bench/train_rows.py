"""Training rows for measuring the trainer, built from ../shared/benchdata (written outside the repository).

dev.jsonl has no answers; JTruthfulQA's human reference answer ("Original Answer" in
ja_benign/JTruthfulQA.csv) becomes the ``task_output`` of its ALLOW rows, so the run exercises the LM
loss as well as the safety head. A fixed sample of ``--per-group`` rows per (source, label), and
``--answered`` JTruthfulQA rows, keeps the run short. The data's licences are mixed (JTruthfulQA is
CC BY-NC-SA): internal measurement only, so the rows go to /tmp by default, never into the repository.

  .venv/bin/python bench/train_rows.py --per-group 12 --answered 36 --out /tmp/so8t-train-rows.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from training.datasets.rows import read_rows, sample_per_group


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--benchdata", type=Path, default=Path("../shared/benchdata"))
    p.add_argument("--per-group", type=int, default=12, help="rows per (source, label) (default 12)")
    p.add_argument("--answered", type=int, default=36, help="JTruthfulQA rows, with answers (default 36)")
    p.add_argument("--out", type=Path, default=Path("/tmp/so8t-train-rows.jsonl"))
    args = p.parse_args()
    answers: dict[str, str] = {}
    with (args.benchdata / "ja_benign" / "JTruthfulQA.csv").open(encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            answers.setdefault(rec["Question"].strip(), rec["Original Answer"].strip())
    dev = read_rows(args.benchdata / "dev.jsonl")
    rows = sample_per_group([r for r in dev if r.source != "jtruthfulqa"], cap=args.per_group, seed=0)
    rows += sample_per_group([r for r in dev if r.source == "jtruthfulqa"], cap=args.answered, seed=0)
    with args.out.open("w", encoding="utf-8") as out:
        for r in rows:
            answer = answers.get(r.prompt.strip(), "") if r.label == "ALLOW" else ""
            record = {"id": r.id, "prompt": r.prompt, "label": r.label, "lang": r.lang, "source": r.source}
            out.write(json.dumps({**record, "task_output": answer}, ensure_ascii=False) + "\n")
    with_answer = sum(1 for r in rows if r.label == "ALLOW" and r.prompt.strip() in answers)
    print(f"wrote {len(rows)} rows ({with_answer} with a task_output) to {args.out}")


if __name__ == "__main__":
    main()

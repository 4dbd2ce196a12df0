"""``so8t train-head --gguf``: head features from llama.cpp are the final normed hidden state, cached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from app.cli.main import main
from model.gguf.export import ExportConfig, export_gguf, prepare_model
from model.head import load_head
from model.prompt import encode_prompts
from tests.gguf_helpers import build_model, random_head, tokenizer_sha
from training.datasets.rows import SafetyRow
from training.head.llama_features import extract_gguf

LABELS = ("ALLOW", "REFUSE", "ESCALATE")


@pytest.fixture(scope="module")
def f16(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExportConfig, Path]:
    root = tmp_path_factory.mktemp("feat")
    model_dir = build_model(root)
    head = random_head(root / "head", tokenizer_sha256=tokenizer_sha(model_dir))
    config = ExportConfig(
        base=str(model_dir), artifact_dir=head, head_dir=head, out_dir=root / "out", quants=("f16",)
    )
    return config, export_gguf(config, progress=lambda _msg: None)[0].gguf


def _rows(n: int) -> list[SafetyRow]:
    words = ["meeting", "password", "export", "customer", "report", "会議", "経費", "drive"]
    return [
        SafetyRow(
            id=f"r{i}",
            prompt=f"Please handle the {words[i % len(words)]} request number {i}.",
            label=LABELS[i % 3],
            lang="ja" if i % 4 == 0 else "en",
            source=f"s{i % 2}",
        )
        for i in range(n)
    ]


def test_features_are_the_final_normed_state_and_are_cached(f16: tuple, tmp_path: Path) -> None:
    config, gguf = f16
    prepared = prepare_model(config, lambda _msg: None)
    lm, tokenizer = prepared.lm, prepared.tokenizer
    rows = _rows(5)
    cache = tmp_path / "c.pt"
    feats = extract_gguf(gguf, tokenizer, rows, layer=2, cache_file=cache, batch_size=2)[2]
    for row, got in zip(rows, feats, strict=True):
        batch = encode_prompts(tokenizer, [(row.context, row.prompt)])
        with torch.no_grad():
            want = lm(**batch, output_hidden_states=True).hidden_states[-1][0, -1]
        assert torch.nn.functional.cosine_similarity(want, got, dim=0) > 0.999
    again = extract_gguf(tmp_path / "not-read.gguf", tokenizer, rows, layer=2, cache_file=cache)[2]
    assert torch.equal(again, feats)  # every row came from the cache: the GGUF was not opened


def test_train_head_on_gguf_features(f16: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, gguf = f16
    data = tmp_path / "rows.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": r.prompt, "label": r.label, "lang": r.lang, "source": r.source}) + "\n"
            for r in _rows(60)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "head"
    argv = ["train-head", "--model", config.base, "--gguf", str(gguf), "--data", str(data), "--no-seed-set"]
    assert main([*argv, "--epochs", "2", "--var-dir", str(tmp_path / "var"), "--out", str(out)]) == 0
    assert "layer   2:" in capsys.readouterr().out
    assert load_head(out).config.layer == -1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["features"] == f"llama.cpp embeddings of {gguf.name}"
    assert list((tmp_path / "var" / "features").glob("gguf-*.pt"))


def test_eval_loso_on_gguf_features(
    f16: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``so8t eval --loso --gguf`` runs the protocol on llama.cpp's embeddings (the llama_cpp backend's
    head), records that in the protocol, and refuses what the final-layer features cannot do."""
    config, gguf = f16
    data = tmp_path / "rows.jsonl"
    data.write_text(
        "".join(
            json.dumps({"prompt": r.prompt, "label": r.label, "lang": r.lang, "source": f"src{i % 3}"}) + "\n"
            for i, r in enumerate(_rows(36))
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("SO8T_MODEL_NAME_OR_PATH", config.base)
    monkeypatch.setenv("SO8T_VAR_DIR", str(tmp_path / "var"))
    args = ["eval", "--loso", "--data", str(data), "--gguf", str(gguf), "--baselines", "none"]
    args += ["--epochs", "2"]
    out = tmp_path / "loso.json"
    assert main([*args, "--layers", "-1", "--out", str(out), "--plot", str(tmp_path / "l.png")]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["methods"]) == {"so8t-L-1-llama_cpp"}
    assert set(report["methods"]["so8t-L-1-llama_cpp"]["by_source"]) == {"src0", "src1", "src2"}
    assert report["protocol"]["features"] == f"llama.cpp embeddings of {gguf.name}"
    cached = list((tmp_path / "var" / "features").glob("gguf-*.pt"))
    assert len(cached) == 1
    capsys.readouterr()
    middle = tmp_path / "loso-L1.json"
    assert main([*args, "--layers", "1", "--out", str(middle), "--plot", str(tmp_path / "m.png")]) == 0
    protocol = json.loads(middle.read_text(encoding="utf-8"))["protocol"]
    assert protocol["features"] == f"llama.cpp hidden layer 1 of {gguf.name}"  # read by the eval callback
    assert len(list((tmp_path / "var" / "features").glob("gguf-*-L1.pt"))) == 1  # its own cache
    capsys.readouterr()
    assert main([*args, "--layers", "0"]) == 2  # the embeddings layer: not in llama.cpp's graph outputs
    assert "cannot be served by llama.cpp" in capsys.readouterr().out
    assert main([*args, "--layers", "-1", "--save-head", str(tmp_path / "h")]) == 2
    assert "train-head --gguf" in capsys.readouterr().out
    assert main([*args, "--layers", "-1", "--pooling", "mean"]) == 2
    transformers_cache = tmp_path / "t.pt"
    torch.save({"layers": [1, 2], "rows": {}}, transformers_cache)
    assert main([*args, "--layers", "-1", "--features-cache", str(transformers_cache)]) == 2
    assert "holds layers [1, 2]" in capsys.readouterr().out
    missing = ["eval", "--loso", "--data", str(data), "--gguf", str(tmp_path / "no.gguf"), "--layers", "-1"]
    assert main(missing) == 2
    assert "no such GGUF file" in capsys.readouterr().out

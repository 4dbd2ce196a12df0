"""``so8t export gguf`` end to end on the tiny model, then ``so8t ask`` served by the llama.cpp backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from model.gguf.side import read_side
from tests.conftest import make_forced_head
from tests.gguf_helpers import BASE_NAME, HIDDEN, build_model, tokenizer_sha


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    model_dir = build_model(tmp_path)
    head = make_forced_head(
        tmp_path / "allow", "ALLOW", tokenizer_sha256=tokenizer_sha(model_dir), hidden_size=HIDDEN
    )
    # make_forced_head writes base tiny-qwen2; this model's folder is named BASE_NAME
    from model.artifacts import write_manifest

    (head / "manifest.json").unlink()
    write_manifest(head, base_model=BASE_NAME, tokenizer_sha256=tokenizer_sha(model_dir))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SO8T_MODEL_NAME_OR_PATH", str(model_dir))
    monkeypatch.setenv("SO8T_HEAD_DIR", str(head))
    monkeypatch.setenv("SO8T_DATABASE_URL", f"sqlite:///{tmp_path / 'so8t.db'}")
    monkeypatch.setenv("SO8T_SECRET_KEY", "test-signing-key")
    monkeypatch.setenv("SO8T_PII_NER", "false")
    monkeypatch.setenv("SO8T_PRECEDENTS", "false")
    monkeypatch.setenv("SO8T_MAX_NEW_TOKENS", "6")
    return tmp_path


def test_export_then_serve_the_q4_file(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    out = env / "gguf"
    assert main(["export", "gguf", "--out", str(out), "--quant", "q4_k_m", "--threads", "2"]) == 0
    printed = capsys.readouterr().out
    assert "[1/5]" in printed and "quantising to q4_k_m" in printed and "SO8T_BACKEND=llama_cpp" in printed
    gguf_file = out / f"{BASE_NAME}-q4_k_m.gguf"
    assert gguf_file.is_file() and not (out / f"{BASE_NAME}-f16.gguf").exists()  # f16 was not asked for
    assert read_side(gguf_file).quantization == "q4_k_m"

    monkeypatch.setenv("SO8T_BACKEND", "llama_cpp")
    monkeypatch.setenv("SO8T_GGUF_PATH", str(gguf_file))
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["ask", "Please draft a short email to my team."]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "ALLOW" and result["task_response"] is not None
    assert result["model_version"].endswith("+llama_cpp-q4_k_m")


def test_bad_quant_and_middle_layer_head_are_usage_errors(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "gguf", "--out", str(env / "o"), "--quant", "q3_x"]) == 2
    assert "unknown quantisation q3_x" in capsys.readouterr().out
    middle = make_forced_head(env / "mid", "ALLOW", tokenizer_sha256="x", hidden_size=HIDDEN)
    config = json.loads((middle / "safety_head.json").read_text())
    assert config["layer"] == -1  # forced heads read the final layer; one on the embeddings is refused
    config["layer"] = 0
    (middle / "safety_head.json").write_text(json.dumps(config))
    assert main(["export", "gguf", "--out", str(env / "o"), "--head-dir", str(middle)]) == 2
    assert "cannot be served by llama.cpp" in capsys.readouterr().out

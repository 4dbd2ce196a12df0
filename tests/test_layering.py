"""The package map holds: layers import downward only, and no two modules import each other in a circle.

Both checks parse every module's imports, also those inside functions (an import inside a function is
still a dependency: it only runs later). Imports under ``if TYPE_CHECKING:`` are annotations only and
never run, so the cycle check leaves them out; the layering check counts them all the same.
The map itself is docs/ARCHITECTURE.md's first table."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Top-down: a package may import itself and the packages it lists, nothing above it.
ALLOWED: dict[str, set[str]] = {
    "app": {"app", "training", "reports", "review", "audit", "db", "pii", "model"},
    "training": {"training", "review", "audit", "db", "pii", "model"},
    "reports": {"reports", "review", "audit", "db", "model"},
    "review": {"review", "audit", "db", "pii", "model"},
    "audit": {"audit", "db"},
    "db": {"db"},
    "pii": {"pii"},
    "model": {"model"},
    "migrations": {"migrations", "db"},
}
PACKAGES = tuple(ALLOWED)


@dataclass(frozen=True)
class ImportSite:
    module: str  # the dotted name as written, made absolute (``from . import x`` resolved)
    names: tuple[str, ...]  # what ``from module import ...`` takes (empty for ``import module``)
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def import_sites(source: str, *, module: str, is_package: bool) -> Iterator[ImportSite]:
    def visit(node: ast.AST, type_only: bool) -> Iterator[ImportSite]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield ImportSite(alias.name, (), type_only)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    here = module.split(".") if is_package else module.split(".")[:-1]
                    here = here[: len(here) - (child.level - 1)]
                    base = ".".join([*here, *([base] if base else [])])
                yield ImportSite(base, tuple(a.name for a in child.names), type_only)
            yield from visit(child, type_only or _type_checking(child))

    yield from visit(ast.parse(source), False)


def project_modules(root: Path) -> dict[str, Path]:
    return {
        module_name(root, path): path
        for package in PACKAGES
        if (root / package).is_dir()
        for path in sorted((root / package).rglob("*.py"))
    }


def _sites(module: str, path: Path) -> list[ImportSite]:
    source = path.read_text(encoding="utf-8")
    return list(import_sites(source, module=module, is_package=path.stem == "__init__"))


def violations(root: Path) -> list[str]:
    """Imports of a package that its layer may not make."""
    problems = []
    for module, path in project_modules(root).items():
        package = module.split(".")[0]
        sites = import_sites(
            path.read_text(encoding="utf-8"), module=module, is_package=path.stem == "__init__"
        )
        for imported in sorted({s.module.split(".")[0] for s in sites} & set(PACKAGES) - ALLOWED[package]):
            allowed = sorted(ALLOWED[package])
            problems.append(f"{path.relative_to(root)} imports {imported} ({package} may import {allowed})")
    return problems


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports at run time (``from pkg import mod`` names ``pkg.mod``)."""
    modules = project_modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        sites = import_sites(
            path.read_text(encoding="utf-8"), module=module, is_package=path.stem == "__init__"
        )
        for site in sites:
            if site.type_only:
                continue
            submodules = [f"{site.module}.{n}" for n in site.names if f"{site.module}.{n}" in modules]
            found = submodules or [resolve(site.module)]
            targets.update(t for t in found if t is not None)
        targets.discard(module)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_project_respects_layering() -> None:
    assert violations(ROOT) == []


def test_project_has_no_import_cycle() -> None:
    assert cycles(import_graph(ROOT)) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_catches_upward_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "db/bad.py": "def f():\n    from app.settings import Settings\n",
            "model/bad.py": "import review.queue\n",
            "pii/bad.py": "from audit.log import append_event\n",
            "audit/bad.py": "from review.queue import enqueue\n",
            "review/ok.py": "from db.models import Case\nimport model.labels\nimport pii.masker\n",
        },
    )
    found = violations(root)
    assert len(found) == 4
    for bad in ("db/bad.py imports app", "model/bad.py imports review", "pii/bad.py imports audit"):
        assert any(bad in v for v in found)
    assert any("audit/bad.py imports review" in v for v in found)


def test_checker_catches_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app/a.py": "from app.b import g\n",
            "app/b.py": "def g():\n    from app import a\n    return a\n",
            "app/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.d import X\n",
            "app/d.py": "from app.c import Y\n",
            "app/sub/__init__.py": "",
            "app/sub/e.py": "from . import f\n",
            "app/sub/f.py": "from .e import h\n",
        },
    )
    assert cycles(import_graph(root)) == [["app.a", "app.b"], ["app.sub.e", "app.sub.f"]]

"""The package's imports run one way: no cycles, nothing imports the command line, only the command line prints.

Read with :mod:`ast` (nothing is imported), counting imports inside functions too: a cycle hidden in a
function is still a cycle. Imports under ``if TYPE_CHECKING:`` are for type checkers only and are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

from dxnb.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "dxnb"
ROOT = "__init__"
#: The command line, and what runs it; nothing else may import them.
FRONT = {"cli", "__main__"}
#: Names that modules may import from the package root without making it a dependency: the version
#: number, defined there before anything else (to become ``from .version import __version__``).
ROOT_NAMES_ALLOWED = {"__version__"}


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(PACKAGE.glob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, names: set[str]) -> dict[str, int]:
    """The package modules ``tree`` imports, each with the line of its first import."""
    found: dict[str, int] = {}

    def add(module: str, line: int) -> None:
        found.setdefault(module, line)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 or (node.level == 0 and (node.module or "").split(".")[0] == "dxnb"):
                parts = (node.module or "").split(".")
                module = parts[0] if node.level == 1 else (parts[1] if len(parts) > 1 else "")
                if module:
                    add(module, node.lineno)
                else:  # from . import x, y: submodules, or names of the package root
                    for alias in node.names:
                        if alias.name in names:
                            add(alias.name, node.lineno)
                        elif alias.name not in ROOT_NAMES_ALLOWED:
                            add(ROOT, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "dxnb":
                    add(parts[1] if len(parts) > 1 else ROOT, node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, dict[str, int]]:
    modules = _modules()
    names = set(modules)
    return {name: {m: line for m, line in _imports(tree, names).items() if m != name} for name, tree in modules.items()}


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def _describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    edges = [f"dxnb/{a}.py:{line} imports {b}" for a in component for b, line in graph[a].items() if b in members]
    return "; ".join(edges)


def test_the_graph_sees_imports_inside_functions():
    tree = ast.parse("def f():\n    from .batch import run_batch\n    from . import site, __version__\n")
    assert set(_imports(tree, {"batch", "site"})) == {"batch", "site"}
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .dataset import Dataset\n")
    assert _imports(tree, {"dataset"}) == {}
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = _graph()
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + " | ".join(_describe(c, graph) for c in cycles)


def test_nothing_imports_the_command_line():
    graph = _graph()
    offenders = [
        f"dxnb/{name}.py:{line} imports {front}"
        for name, imports in graph.items()
        if name not in FRONT
        for front, line in imports.items()
        if front in FRONT
    ]
    assert not offenders, "library modules must not import the command line: " + "; ".join(offenders)


def _prints(tree: ast.AST, in_main: bool = False) -> list[int]:
    """Lines of ``print(...)`` calls, outside a module's own ``main()`` (``python -m dxnb.<module>``)."""
    lines = []
    for node in ast.iter_child_nodes(tree):
        inside = in_main or (isinstance(node, ast.FunctionDef) and node.name == "main")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print" and not in_main:
            lines.append(node.lineno)
        lines += _prints(node, inside)
    return lines


def test_only_the_command_line_prints():
    offenders = [
        f"dxnb/{name}.py:{line}" for name, tree in _modules().items() if name not in FRONT for line in _prints(tree)
    ]
    assert not offenders, "library modules print (log instead, or return a result dxnb.cli prints): " + ", ".join(
        offenders
    )


def test_the_front_modules_exist():
    assert {p.stem for p in Path(PACKAGE).glob("*.py")} >= FRONT

"""The package as a consumer sees it: typed names, one table of exports, no import cycles."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openhands_api
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wrapper" / "openhands_api"
CONSUMER = ROOT / "tests" / "typing" / "consumer.py"


def test_all_is_literal_and_matches_the_lazy_table() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    literal = next(
        node.value for node in tree.body
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    )
    assert isinstance(literal, ast.List) and all(isinstance(e, ast.Constant) for e in literal.elts)
    assert set(openhands_api.__all__) == set(openhands_api._EXPORTS)
    for name in openhands_api.__all__:  # every name resolves at run time, too
        assert getattr(openhands_api, name) is not None


def test_type_checking_reexports_cover_all() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    reexported = {
        alias.asname for node in block.body if isinstance(node, ast.ImportFrom) for alias in node.names
        if alias.asname == alias.name
    }
    assert reexported == set(openhands_api.__all__)


def _imports(module: str, path: Path, *, typed: bool = True) -> set[str]:
    """Modules of the package a module imports, anywhere in it: inside functions (a cycle deferred to call
    time is still a cycle) and under TYPE_CHECKING (a cycle in the types is one in the design) unless
    ``typed`` is False."""
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:  # excepthandlers carry a body too
        for node in nodes:
            if not typed and isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    target = f"{base}.{node.module}" if node.module else base
                    # `from pkg import name` runs pkg/__init__, and the submodule `name` if it is one.
                    found.add(target)
                    found.update(f"{target}.{alias.name}" for alias in node.names)
                elif node.module and node.module.startswith("openhands_api"):
                    found.add(node.module)
                    found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("openhands_api."))
            # Imports inside functions count too: a cycle deferred to call time is still a cycle.
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit([c for c in children if isinstance(c, ast.stmt | ast.excepthandler)])  # type: ignore[misc]

    visit(tree.body)
    return found


def test_no_import_cycle() -> None:
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    # A lazy front door (a package __init__ with an `_EXPORTS` table and `_lazy.loader`, PEP 562: the
    # root, `agent`) imports its names only when they are used, and every module below it imports from
    # it (`from .. import _constants`, `from . import _generated`): only its run-time imports count.
    lazy = {name for name, path in modules.items()
            if path.name == "__init__.py" and "_EXPORTS" in (text := path.read_text()) and "_lazy.loader(" in text}
    graph = {name: {m for m in _imports(name, path, typed=name not in lazy) if m in modules and m != name}
             for name, path in modules.items()}

    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name)


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or pytest.fail(f"{name} is not installed (make venv)"))


def test_consumer_file_type_checks_under_mypy_strict() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(CONSUMER)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_consumer_file_type_checks_under_pyright() -> None:
    # An explicit project file: pyright would otherwise pick up any pyrightconfig.json above the clone.
    out = subprocess.run([_tool("pyright"), "--pythonpath", sys.executable, "-p", str(CONSUMER.parent / "pyrightconfig.json")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "0 errors" in out.stdout, out.stdout + out.stderr


MISSPELT = CONSUMER.with_name("misspelt.py")


def _marked_lines() -> set[int]:
    lines = MISSPELT.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if line.endswith("# error")}


def test_a_misspelt_name_is_an_error_for_mypy() -> None:
    # The lazy packages' module __getattr__ is hidden from type checkers (openhands_api/_lazy.py):
    # seen, it would make every unknown name Any, and a typo would pass --strict.
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(MISSPELT)],
                         capture_output=True, text=True, cwd=ROOT)
    flagged = {int(m) for m in re.findall(r"misspelt\.py:(\d+): error: .*\[attr-defined\]", out.stdout)}
    assert flagged == _marked_lines(), out.stdout + out.stderr


def test_a_misspelt_name_is_an_error_for_pyright() -> None:
    out = subprocess.run([_tool("pyright"), "--pythonpath", sys.executable, "-p", str(MISSPELT.with_name("pyrightconfig.misspelt.json"))],
                         capture_output=True, text=True, cwd=ROOT)
    flagged = {int(m) for m in re.findall(r"misspelt\.py:(\d+):\d+ - error: .*reportAttributeAccessIssue", out.stdout)}
    assert flagged == _marked_lines(), out.stdout + out.stderr

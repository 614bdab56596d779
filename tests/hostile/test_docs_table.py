"""docs/hostile-servers.md and the hostile-server tests stay in sync: every test is in the table, every
test the table names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hostile-servers.md"
COVERED = [*sorted((ROOT / "tests" / "hostile").glob("test_*.py")), ROOT / "tests" / "contract" / "agent" / "test_upload_integrity.py"]
SELF = Path(__file__).name


def written_tests() -> set[str]:
    names = set()
    for file in COVERED:
        if file.name == SELF:
            continue
        prefix = file.relative_to(ROOT).as_posix() if file.parent.name != "hostile" else file.name
        for node in ast.parse(file.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(f"{prefix}::{node.name}")
    return names


def tabled_tests() -> set[str]:
    return set(re.findall(r"`([\w/.]+\.py::test_\w+)`", DOC.read_text()))


def test_every_hostile_test_is_in_the_table_and_every_tabled_test_exists() -> None:
    written, tabled = written_tests(), tabled_tests()
    assert written - tabled == set(), "tests missing from docs/hostile-servers.md"
    assert tabled - written == set(), "docs/hostile-servers.md names tests that do not exist"

"""The README's first Python example runs as written against the (recorded) real agent server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.vcr


def readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return blocks[0]


def test_readme_example_runs(agent_server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AGENT_SERVER_URL", agent_server.url)
    monkeypatch.setenv("OH_SESSION_API_KEY", agent_server.session_key)
    exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "3 hello False"
    assert lines[-1] == "not found: 404"

"""Users import this in large codebases: importing it must not pull in what they did not ask for."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(code: str) -> dict[str, int | bool]:
    probe = (
        f"import sys\n{code}\n"
        "import json\n"
        "mods = list(sys.modules)\n"
        "print(json.dumps({'httpx': 'httpx' in sys.modules,"
        " 'models': sum(m.startswith('openhands_api_agent.models.') for m in mods),"
        " 'other_servers': sum(m.startswith(('openhands_api_v1', 'openhands_api_v0')) for m in mods),"
        " 'openhands': any(m == 'openhands' or m.startswith('openhands.') for m in mods)}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_import_openhands_api_loads_no_http_stack_and_no_models() -> None:
    assert loaded_after("import openhands_api") == {"httpx": False, "models": 0, "other_servers": 0, "openhands": False}


def test_the_agent_client_loads_its_own_server_only() -> None:
    # Its endpoint modules and models load on first use (agent/_generated.py); another server's
    # generated package never does.
    loaded = loaded_after("from openhands_api import AgentServerClient")
    assert loaded["httpx"] is True and loaded["openhands"] is False
    assert loaded["other_servers"] == 0 and loaded["models"] == 0


def test_a_generated_endpoint_loads_models_only_to_parse_and_then_a_handful() -> None:
    # Its models (and attrs, which they are built with) are imported where a status is parsed.
    assert loaded_after("import openhands_api_agent.api.events.search_events")["models"] == 0
    parsed = loaded_after(
        "import httpx\nfrom openhands_api_agent.api.events import search_events\n"
        "search_events._parse_response(client=None, response=httpx.Response(200, json={'items': [], 'next_page_id': None}))"
    )
    assert 0 < int(parsed["models"]) <= 16  # the page and its event kinds, not all the spec's models

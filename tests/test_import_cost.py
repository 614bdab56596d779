"""Users import this in large codebases: importing it must not pull in what they did not ask for."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs

from .hostile.server import Received, hostile, http


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


# --- the CLI's one-request command (issue 12: start-up of a whole process) ---------------------------

CID = "0123456789abcdef0123456789abcdef"
# Prints what the command imported (all of sys.modules) and how many CA bundles it read (the 16 ms
# a verifying SSL context costs to build) on stderr after it ran, as the last line.
RUN_CLI = (
    "import json, ssl, sys\n"
    "ca_loads = []\n"
    "real = ssl.SSLContext.load_verify_locations\n"
    "ssl.SSLContext.load_verify_locations = lambda self, *a, **k: (ca_loads.append(a), real(self, *a, **k))[1]\n"
    "from openhands_api.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "print(json.dumps({'modules': sorted(sys.modules), 'ca_loads': len(ca_loads)}), file=sys.stderr)\n"
    "sys.exit(code)\n"
)
# What a one-request command has no use for; a module-level import of any of them makes it slower.
NEVER_FOR_ONE_REQUEST = (
    "asyncio", "attr", "attrs", "websockets", "openhands_api_agent.client", "openhands_api_agent.models",
    "openhands_api.agent._async_client", "openhands_api._async_transport", "openhands_api._async_base",
    "openhands_api.cli.v1", "openhands_api.cli.v0", "openhands_api.cli.sandbox", "openhands_api.cli.doctor",
    "openhands_api_v1", "openhands_api_v0",
)


def run_cli(*argv: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    env = {**os.environ, "OH_SESSION_API_KEY": "startup-test-key-0123456789"}
    done = subprocess.run([sys.executable, "-c", RUN_CLI, *argv], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    *_messages, seen = done.stderr.strip().splitlines()
    return done, json.loads(seen)


def test_count_events_json_is_one_request_and_imports_no_model_no_asyncio_no_attrs() -> None:
    with hostile(lambda _r: [http(200, 12)]) as server:
        done, seen = run_cli("--json", "agent", "--url", server.url, "count-events", CID)
    modules = seen["modules"]
    assert json.loads(done.stdout) == {"conversation_id": CID, "count": 12, "source": "agent"}
    assert server.paths == [f"/api/conversations/{CID}/events/count"]
    assert server.received[0].headers["x-session-api-key"] == "startup-test-key-0123456789"
    loaded = [m for m in modules if m.startswith(NEVER_FOR_ONE_REQUEST)]
    assert loaded == []
    assert "openhands_api_agent.api.events.count_events" in modules  # the probe sees the command's imports
    assert seen["ca_loads"] == 0  # plain http: no TLS trust to load (openhands_api._tls)


def test_count_events_by_kind_reads_every_page() -> None:
    pages = {
        None: {"items": [{"kind": "PauseEvent", "id": "1", "source": "user"},
                         {"kind": "MessageEvent", "id": "2", "source": "user", "llm_message": {"role": "user", "content": []}}],
               "next_page_id": "p2"},
        "p2": {"items": [{"kind": "PauseEvent", "id": "3", "source": "user"}, {"kind": "HologramEvent", "id": "4"}],
               "next_page_id": None},
    }

    def respond(request: Received) -> list[bytes | float]:
        path, _, query = request.target.partition("?")
        if path.endswith("/events/count"):
            return [http(200, 4)]
        return [http(200, pages[parse_qs(query).get("page_id", [None])[0]])]

    with hostile(respond) as server:
        done, _ = run_cli("agent", "--url", server.url, "count-events", CID)
    assert done.stdout.splitlines() == ["4 events", "  HologramEvent: 1", "  MessageEvent: 1", "  PauseEvent: 2"]
    assert [p.partition("?")[0].rsplit("/", 1)[1] for p in server.paths] == ["count", "search", "search"]


def test_a_command_named_after_its_group_builds_only_that_group() -> None:
    import argparse

    from openhands_api.cli import main as cli_main

    def commands(parser: argparse.ArgumentParser) -> set[str]:
        return {name for action in parser._actions if isinstance(action, argparse._SubParsersAction) for name in action.choices}

    for group in cli_main.OWN_COMMAND_GROUPS:  # the shortcut holds only for a group that is its one command
        parser = argparse.ArgumentParser()
        importlib.import_module(f"openhands_api.cli.{group}").register(parser.add_subparsers(), cli_main.common_options())
        assert commands(parser) == {group}
    assert cli_main.command_name(["--json", "--base-url", "agent", "--debug", "v0", "list"]) == "v0"
    assert cli_main.command_name(["--api-key=x", "agent", "--url", "u"]) == "agent"
    assert cli_main.command_name(["--json"]) is None
    valued = {o for a in cli_main.common_options()._actions if a.nargs != 0 for o in a.option_strings} - {"-h", "--help"}
    assert valued == cli_main._VALUED_OPTIONS  # a new global option with a value must be skipped too
    assert commands(cli_main.build_parser(["--json", "agent", "--url", "u"])) == {"agent"}
    assert {"agent", "v0", "sandbox", "doctor", "count-events", "follow"} <= commands(cli_main.build_parser(["count-events"]))

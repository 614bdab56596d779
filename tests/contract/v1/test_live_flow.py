"""The full V1 flow as a new user runs it: the `openhands-api` CLI against the live local app server.

Live only (`make test-live SERVER=v1`, `make record SERVER=v1`): the CLI runs in its own process,
so nothing it sends can be recorded. Flow: start-conversation (progress on stderr) → READY →
finished; agent-url (prints the URL, never the key); bash on that agent server; count-events by
each source, in the documented relation; download-trajectory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openhands_api.v1 import OpenHandsV1

from .conftest import V1Facts

pytestmark = pytest.mark.live


def _cli(v1_server: V1Facts, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENHANDS_", "OH_"))}
    # As a new user would: URL and key in the environment, nothing on the command line.
    env.update({"OPENHANDS_BASE_URL": v1_server.url, "OPENHANDS_API_KEY": v1_server.key})
    return subprocess.run([sys.executable, "-m", "openhands_api.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=600)


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_start_resolve_bash_and_count(v1_server: V1Facts, tmp_path: Path) -> None:
    if not v1_server.live:
        pytest.skip("live only: run with `make test-live SERVER=v1` (starts the real app server)")

    started = time.monotonic()
    result = _cli(v1_server, "start-conversation", "--prompt", "say hello", "--json")
    conversation = _json(result)
    elapsed = time.monotonic() - started
    assert conversation["execution_status"] == "finished"
    assert "start task: READY" in result.stderr  # progress went to stderr, JSON alone to stdout
    assert v1_server.key not in result.stdout + result.stderr
    conversation_id = conversation["id"]
    print(f"\nstart-conversation to finished: {elapsed:.1f} s")

    url_run = _cli(v1_server, "agent-url", conversation_id)
    assert url_run.returncode == 0, url_run.stderr
    agent_url = url_run.stdout.strip()
    assert agent_url.startswith("http://localhost:") and v1_server.key not in url_run.stdout

    with OpenHandsV1(v1_server.url, api_key=v1_server.key, auth_scheme="session-key") as v1:
        resolved = v1.resolve_agent_server(conversation_id)
        assert resolved.url == agent_url
        with resolved.client() as agent:
            assert agent.bash("echo live-flow").stdout.strip().endswith("live-flow")
            agent_direct = agent.count_events(conversation_id)

        # The app server receives events with a flush delay: wait until it holds all of them.
        deadline = time.monotonic() + 60
        while v1.count_events_app(conversation_id) < agent_direct + 2 and time.monotonic() < deadline:
            time.sleep(1)

    counts: dict[str, int] = {}
    for source in ("app", "agent", "zip"):
        t0 = time.monotonic()
        data = _json(_cli(v1_server, "count-events", conversation_id, "--source", source, "--json"))
        assert data["source"] == source
        counts[source] = data["count"]
        print(f"count-events --source {source}: {data['count']} in {time.monotonic() - t0:.2f} s (CLI process included)")
    assert counts["app"] == counts["zip"] == counts["agent"] + 2
    default = _json(_cli(v1_server, "count-events", conversation_id, "--json"))
    assert default["source"] == "app" and default["count"] == counts["app"]

    human = _cli(v1_server, "count-events", conversation_id)
    assert human.returncode == 0 and "(source: app)" in human.stdout

    out = tmp_path / "t.zip"
    assert _cli(v1_server, "download-trajectory", conversation_id, str(out)).returncode == 0
    assert out.stat().st_size > 0

    # Bad input through the CLI: exit 1 with one line, never a count of 0.
    missing = _cli(v1_server, "count-events", "00000000000040008000000000000000")
    assert missing.returncode == 1 and "NotFoundError" in missing.stderr and "Traceback" not in missing.stderr
    invalid = _cli(v1_server, "count-events", "not-a-uuid")
    assert invalid.returncode == 2 and "invalid conversation id" in invalid.stderr

"""Live only (``make test-live SERVER=v0`` / ``make record``): the whole V0 flow and the CLI against a
real local openhands-ai 1.6.0 server. Skipped when replaying: these runs are about real timing and
real processes, which a cassette cannot show. (The seed's quick start replays: test_v0_seed.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from openhands_api import NotFoundError
from openhands_api.v0 import PollProgress, V0Client

from .conftest import V0Facts

pytestmark = pytest.mark.live

def test_live_flow_create_poll_events_trajectory_stop_delete(v0_server: V0Facts) -> None:
    with V0Client(api_key=v0_server.key, base_url=v0_server.url) as api:
        assert api.auth_scheme == "session-key"
        started = time.monotonic()
        created = api.create_conversation(initial_user_msg="Please run echo hello")
        progress: list[PollProgress] = []
        final = api.poll_until_terminal(created.conversation_id, timeout_s=300, poll_interval_s=5, on_progress=progress.append)
        create_to_terminal = time.monotonic() - started
        print(f"\ncreate-to-terminal: {create_to_terminal:.2f} s in {final.polls} polls "
              f"(ended by {final.ended_by}: status={final.status}, agent_state={final.agent_state})")
        assert final.ended_by == "agent_state" and final.agent_state == "finished" and final.status == "RUNNING"
        assert progress[-1].agent_state == "finished"

        events = list(api.iter_events(created.conversation_id))
        assert events[-1].raw["observation"] == "agent_state_changed"
        trajectory = api.get_trajectory(created.conversation_id)
        assert len(trajectory.trajectory) == len(events)

        assert api.stop_conversation(created.conversation_id).message == "Conversation stopped successfully"
        assert api.get_conversation(created.conversation_id).status == "STOPPED"
        assert api.delete_conversation(created.conversation_id) is True
        with pytest.raises(NotFoundError):
            api.get_conversation(created.conversation_id)


def test_live_cli_new_conversation_poll(v0_server: V0Facts) -> None:
    """As a user runs it: its own process, key and URL from the environment only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENHANDS_", "OH_"))}
    env.update({"OPENHANDS_BASE_URL": v0_server.url, "OPENHANDS_API_KEY": v0_server.key})
    result = subprocess.run(
        [sys.executable, "-m", "openhands_api.cli.main", "--json", "v0", "new-conversation", "--prompt",
         "Please run echo hello", "--poll", "--timeout-s", "300", "--poll-interval-s", "5"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["agent_state"] == "finished" and data["ended_by"] == "agent_state"
    assert "created " in result.stderr and "agent_state=finished" in result.stderr  # progress on stderr
    assert v0_server.key not in result.stdout + result.stderr
    with V0Client(api_key=v0_server.key, base_url=v0_server.url) as api:
        api.delete_conversation(data["conversation_id"])

"""follow() on the agent server inside a real V1 sandbox (1.34.0, what openhands-ai 1.11 runs).

Live only (``make test-live SERVER=v1``): start a conversation through the app server, resolve its
sandbox's agent server (URL + key, never printed), follow it from the start to settled, and compare
with that agent server's REST listing.
"""

from __future__ import annotations

import pytest
from openhands_api._follow import Follower
from openhands_api._models import present
from openhands_api.v1 import OpenHandsV1

from tests.contract.agent.test_follow_replay import Agent

pytestmark = pytest.mark.live


def test_follow_in_a_v1_sandbox_equals_the_listing(v1: OpenHandsV1) -> None:
    task = v1.start_conversation("say hello")
    ready = v1.wait_until_ready(str(task.id), timeout_s=600)
    resolved = v1.resolve_agent_server(str(present(ready.app_conversation_id)))
    assert resolved.conversation_id is not None
    with Agent(resolved.url, resolved.session_key) as agent:
        version = agent.server_info().raw.get("version")
        with Follower(agent, resolved.conversation_id, deadline_s=600) as follower:
            ids = [str(event.id) for event in follower]
        listed = [str(event.id) for event in agent.iter_events(resolved.conversation_id)]
    print(f"\nagent server {version} in a V1 sandbox: {len(ids)} events followed, {follower.reconnects} reconnects")
    assert follower.settled and follower.status == "finished"
    assert ids == listed and len(ids) >= 11

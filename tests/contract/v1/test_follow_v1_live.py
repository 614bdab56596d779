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
from tests.contract.v1.conftest import V1Facts

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


def _fresh_conversation(oh: OpenHandsV1) -> tuple[str, str]:
    task = oh.start_conversation("say hello")
    ready = oh.wait_until_ready(str(task.id), timeout_s=600)
    return str(present(ready.app_conversation_id)), str(present(ready.sandbox_id))


def _listed(oh: OpenHandsV1, conversation_id: str) -> list[str]:
    with oh.agent_client(conversation_id) as agent:
        return [str(event.id) for event in agent.iter_events(conversation_id)]


def test_v1_follow_by_conversation_id_settles_with_the_listing(v1_server: V1Facts) -> None:
    with OpenHandsV1(v1_server.url, api_key=v1_server.key, auth_scheme="session-key") as oh:
        conversation_id, _ = _fresh_conversation(oh)
        with oh.follow(conversation_id, deadline_s=600) as events:
            ids = [str(event.id) for event in events]
        listed = _listed(oh, conversation_id)
    print(f"\nV1 follow: {len(ids)} events, status {events.status}, {events.reconnects} reconnects")
    assert events.settled and events.status == "finished"
    assert ids == listed and len(ids) >= 11


def test_v1_follow_across_a_sandbox_pause_and_resume_loses_and_repeats_nothing(v1_server: V1Facts) -> None:
    # Pause the sandbox after the third event: its agent server then hangs (SIGSTOP on process
    # sandboxes). follow(resume=True) finds out (a REST read times out), re-resolves through the
    # app server, which resumes the sandbox, and goes on from the last event it delivered.
    steps: list[str] = []
    with OpenHandsV1(v1_server.url, api_key=v1_server.key, auth_scheme="session-key") as oh:
        conversation_id, sandbox_id = _fresh_conversation(oh)
        ids: list[str] = []
        with oh.follow(conversation_id, resume=True, deadline_s=900, on_progress=steps.append) as events:
            for event in events:
                ids.append(str(event.id))
                if len(ids) == 3:
                    oh.pause_sandbox(sandbox_id)
                    assert str(oh.get_sandbox(sandbox_id).status) == "PAUSED"
        listed = _listed(oh, conversation_id)
    print(f"\nV1 follow across pause/resume: {len(ids)} events, re-resolved {events.reresolved}x, "
          f"{events.reconnects} reconnects; steps: {steps}")
    assert ids == listed and len(set(ids)) == len(ids)
    assert events.reresolved >= 1 and any("resuming sandbox" in step for step in steps)
    assert events.settled and events.status == "finished"

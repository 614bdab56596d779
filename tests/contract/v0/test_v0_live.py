"""Live only (``make test-live SERVER=v0`` / ``make record``): the whole V0 flow and the seed's Quick
start against real local openhands-ai 1.6.0 servers. Skipped when replaying: these runs are about
real timing and real processes, which a cassette cannot show.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from openhands_api import NotFoundError, ServerError
from openhands_api.v0 import PollProgress, V0Client

from .conftest import V0Facts

pytestmark = pytest.mark.live

# The seed's "Quick start (Python)" (shared/seeds/004_40f01636ff8c30e8.txt), verbatim except the import.
SEED_QUICK_START = '''
from openhands_api import OpenHandsAPI

api = OpenHandsAPI(api_key="...")  # or set OPENHANDS_API_KEY

conv = api.create_conversation(
    initial_user_msg="Please audit this repo for flaky tests and open a PR fixing them.",
    repository="owner/repo",
    selected_branch="main",
)
conversation_id = conv["conversation_id"]

final = api.poll_until_terminal(conversation_id, timeout_s=1800, poll_interval_s=30)
print(final["status"], final.get("url"))
'''


@pytest.fixture(scope="module")
def keyless_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A second server without SESSION_API_KEY: the Quick start passes the literal key "..."."""
    from tests.conftest import is_live

    if not is_live(request.config):
        pytest.skip("live only")
    import v0_server as launcher

    with launcher.start_v0_server(session_key=False) as server:
        yield server.url


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


def _run_quick_start(source: str) -> tuple[str, dict[str, Any]]:
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "seed-quick-start", "exec"), namespace)
    return printed.getvalue(), namespace


def test_seed_quick_start_with_only_the_import_changed(keyless_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verbatim, the Quick start reaches the server and stops at the repository: this local server
    has no git provider token (and no route to GitHub), which the client reports with its hint."""
    monkeypatch.setenv("OPENHANDS_BASE_URL", keyless_server)
    with pytest.raises(ServerError) as no_token:
        _run_quick_start(SEED_QUICK_START)
    assert "provider token" in no_token.value.hint and "owner/repo" in str(no_token.value)

    # The same program without the repository lines runs to the end and prints status and URL.
    without_repo = SEED_QUICK_START.replace('    repository="owner/repo",\n    selected_branch="main",\n', "")
    assert without_repo != SEED_QUICK_START
    started = time.monotonic()
    printed, namespace = _run_quick_start(without_repo)
    elapsed = time.monotonic() - started
    final = namespace["final"]
    print(f"\nseed quick start (no repository): {elapsed:.2f} s, ended by {final.ended_by}")
    assert printed.strip() == f"RUNNING /api/conversations/{namespace['conversation_id']}"
    assert final.agent_state == "finished"
    namespace["api"].delete_conversation(namespace["conversation_id"])

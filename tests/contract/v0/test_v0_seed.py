"""The V0 seed's Python quick start, with only its import changed, against the real V0 server
(recorded from openhands-ai 1.6.0; replayed offline by ``make test``).

The quick start passes the literal key ``"..."``, so it runs against a second server started
without ``SESSION_API_KEY``. Verbatim, it reaches the server and stops at the repository: this
local server has no git provider token (and no route to GitHub), which the client reports with its
hint. The same program without the two repository lines runs to the end and prints status and URL.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openhands_api import ServerError, WaitTimeoutError

from tests.conftest import CANONICAL_URL, is_live

pytestmark = pytest.mark.vcr

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
    """A server without SESSION_API_KEY (live); the canonical URL when replaying."""
    if not is_live(request.config):
        yield CANONICAL_URL
        return
    import v0_server as launcher  # scripts/servers, on sys.path via tests/conftest.py

    with launcher.start_v0_server(session_key=False) as server:
        yield server.url


def _run_quick_start(source: str) -> tuple[str, dict[str, Any]]:
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "seed-quick-start", "exec"), namespace)
    return printed.getvalue(), namespace


def test_seed_quick_start_with_only_the_import_changed(keyless_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY", "OPENHANDS_APP_BASE", "OPENHANDS_AUTH_SCHEME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENHANDS_BASE_URL", keyless_server)
    with pytest.raises(ServerError) as no_token:
        _run_quick_start(SEED_QUICK_START)
    assert "provider token" in no_token.value.hint and "owner/repo" in str(no_token.value)

    without_repo = SEED_QUICK_START.replace('    repository="owner/repo",\n    selected_branch="main",\n', "")
    assert without_repo != SEED_QUICK_START
    printed, namespace = _run_quick_start(without_repo)
    final, conversation_id = namespace["final"], namespace["conversation_id"]
    assert printed.strip() == f"RUNNING /api/conversations/{conversation_id}"
    assert final.agent_state == "finished" and final.ended_by == "agent_state"

    # The seed-compatibility policy: dict reads, iteration and json.dumps, typed attributes too.
    conv = namespace["conv"]
    assert conv["conversation_id"] == conv.conversation_id == conversation_id
    assert json.loads(json.dumps(final))["conversation_id"] == conversation_id and "status" in list(final)
    assert final.model.conversation_id == conversation_id
    assert issubclass(WaitTimeoutError, TimeoutError)  # the facade's wait timeout, as the seed's was
    namespace["api"].delete_conversation(conversation_id)

"""Scale, live: four real conversations started and waited through the fan-out, against a V1 app
server whose own rate limit is forced low, with every request counted where the server receives it.

Live only (``make test-live SERVER=v1``): it starts its own app server (patch (f) of
``scripts/servers/app_server_v1.py``: ``rate_limit`` + ``request_log``), since the shared one keeps
the default limit. Each conversation is a real process sandbox (a real agent server) run to the end
by the fake LLM. Checked: no result lost (four finished conversations, each with its events), and
no storm: the client's requests never exceed the shared limiter's rate in any one-second window
(counted from the server's log with generous slack, not timed on the client).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openhands_api import AsyncRateLimiter
from openhands_api._fanout import Outcome, collect
from openhands_api.v1 import AsyncOpenHandsV1, BatchPrompt, BatchStart, start_many

from tests.conftest import is_live

pytestmark = pytest.mark.live

SERVER_LIMIT = 4  # requests/s per client IP at the server (default 10); agent-server webhooks share it
CLIENT_RATE = 2.0  # the shared limiter's rate, well under the server's
N = 4


def _client_requests(log: Path, since: float) -> list[tuple[float, str, int]]:
    """(time, path, status) of this client's requests: the agent servers' webhook posts left out."""
    rows = []
    for line in log.read_text().splitlines():
        stamp, _method, path, status = line.split()
        if float(stamp) >= since and not path.startswith("/api/v1/webhooks"):
            rows.append((float(stamp), path, int(status)))
    return rows


def test_four_conversations_through_a_low_rate_limit(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if not is_live(request.config):
        pytest.skip("live only: run with `make test-live SERVER=v1` (starts its own real app server)")
    import time

    from app_server_v1 import start_app_server_v1  # scripts/servers, on sys.path via tests/conftest.py

    log = tmp_path / "requests.log"
    limiter = AsyncRateLimiter(CLIENT_RATE)

    async def run(url: str, key: str) -> list[Outcome[BatchPrompt, BatchStart]]:
        async with AsyncOpenHandsV1(url, api_key=key, auth_scheme="session-key", limiter=limiter) as oh:
            return await collect(start_many(oh, [f"say hello {i}" for i in range(N)], concurrency=N, timeout_s=900))

    with start_app_server_v1(session_key=True, rate_limit=SERVER_LIMIT, request_log=log) as server:
        assert server.key is not None
        since = time.time()
        outcomes = asyncio.run(run(server.url, server.key))
        seen = _client_requests(log, since)

    errors = [f"{o.index}: {o.error!r}" for o in outcomes if o.error is not None]
    assert not errors
    results = [o.value for o in outcomes if o.value is not None]
    assert [r.execution_status for r in results] == ["finished"] * N
    assert len({r.conversation_id for r in results}) == N
    assert all(r.events is not None and r.events.count > 0 for r in results), [r.count_error for r in results]

    # No storm: in any one-second window at most rate + 1 requests were sent by the limiter;
    # arrival jitter on a loaded machine can bunch them a little, hence the doubled slack.
    times = sorted(t for t, _p, _s in seen)
    busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)
    too_many = [s for _t, _p, s in seen if s == 429]
    print(f"\n{len(seen)} client requests in {times[-1] - times[0]:.1f} s; busiest second {busiest}; "
          f"429s {len(too_many)}; limiter holds {limiter.holds}")
    assert busiest <= 2 * (CLIENT_RATE + 1)
    assert limiter.holds == len(too_many)  # each 429 held everyone once, nothing else did
    assert limiter.sent >= len(seen)

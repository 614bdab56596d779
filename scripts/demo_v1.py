#!/usr/bin/env python3
"""The V1 part of `make demo`: the V1 app server flow end to end, on a real local server.

Starts openhands-ai 1.11.0 (process sandboxes, a random session key) and the fake LLM; starts a
conversation showing each start-task status; waits until READY and finished; resolves the
sandbox's agent server and runs a bash command there; counts the events by all three sources and
checks they stand in the documented relation (app == zip == agent + 2); stops everything (every
conversation and sandbox is deleted first, so no agent server is left behind).

Only the public API of openhands_api is used. Exit status 0 means every check passed.
Run alone: `.venv/bin/python scripts/demo_v1.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "servers")]

from app_server_v1 import OPENHANDS_AI, start_app_server_v1  # noqa: E402  (scripts/servers)
from openhands_api import OpenHandsAPIError  # noqa: E402
from openhands_api._models import present  # noqa: E402
from openhands_api.v1 import (  # noqa: E402
    FULL_STATE_EVENTS,
    RELATION,
    EventCount,
    OpenHandsV1,
)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str) -> None:
    raise SystemExit(f"V1 demo failed: {message}")


def counts_by_source(oh: OpenHandsV1, conversation_id: str) -> dict[str, EventCount]:
    """Every source's count; waits (max 60 s) until the app server has received every event."""
    deadline = time.monotonic() + 60
    while True:
        results = oh.compare_event_counts(conversation_id)
        errors = {s: r for s, r in results.items() if isinstance(r, OpenHandsAPIError)}
        if errors:
            fail(f"a count source failed: {errors}")
        counts = {s: r for s, r in results.items() if isinstance(r, EventCount)}
        if counts["app"].count >= counts["agent"].count + FULL_STATE_EVENTS or time.monotonic() > deadline:
            return counts
        print(f"    app server has {counts['app'].count} events so far (webhook posts are buffered); waiting")
        time.sleep(1)


def v1_demo() -> dict[str, object]:
    started = time.monotonic()
    step(f"starting the fake LLM and a real V1 app server ({OPENHANDS_AI}, process sandboxes); first run installs it")
    with start_app_server_v1(session_key=True) as server:
        print(f"    app server at {server.url} (ready after {server.timings['ready_s']:.1f} s); key hidden")
        with OpenHandsV1(server.url, api_key=server.key) as oh:
            me = oh.me()
            print(f"    /users/me: id={present(me.id)} (self-hosted), llm={me.agent_settings.llm.model}")

            step("starting a conversation: 'say hello' (a sandbox = a real agent server boots first)")
            t0 = time.monotonic()

            def progress(message: str) -> None:
                print(f"    {time.monotonic() - t0:5.1f}s  {message}", flush=True)

            result = oh.start_conversation_and_wait("say hello", wait_finished=False, on_progress=progress,
                                                    timeout_s=300)
            ready_s = time.monotonic() - t0
            conversation_id = result.conversation_id
            done = oh.wait_until_finished(conversation_id, timeout_s=180,
                                          on_progress=lambda c: progress(f"execution: {present(c.execution_status)}"))
            finished_s = time.monotonic() - t0
            if done.execution_status != "finished":
                fail(f"conversation ended as {done.execution_status}")
            print(f"    READY after {ready_s:.1f} s, finished after {finished_s:.1f} s")

            step("resolving the sandbox's agent server and running a bash command there")
            agent_server = oh.resolve_agent_server(conversation_id)
            print(f"    {agent_server.url} (URL from {agent_server.url_source}, key from {agent_server.key_source})")
            with agent_server.client() as agent:
                bash = agent.bash("echo hello from the sandbox; pwd")
            print(f"    stdout={bash.stdout.strip()!r} exit_code={bash.exit_code}")
            if bash.exit_code != 0 or "hello from the sandbox" not in bash.stdout:
                fail("bash on the agent server did not run")

            step("counting events by every source")
            counts = counts_by_source(oh, conversation_id)
            for source, count in counts.items():
                print(f"    {source:<5} {count.count:>3} events  ({count.elapsed_s:.2f} s)")
            print(f"    relation: {RELATION}")
            app, agent_n, zip_n = counts["app"].count, counts["agent"].count, counts["zip"].count
            if not (app == zip_n == agent_n + FULL_STATE_EVENTS):
                fail(f"counts app={app} agent={agent_n} zip={zip_n} are not in the documented relation")
            default = oh.count_events(conversation_id)
            print(f"    count_events() with fallbacks: {default}")

            step("stopping: deleting the conversation and its sandbox, then the server")
            oh.delete_conversation(conversation_id)
    seconds = round(time.monotonic() - started, 1)
    step(f"V1 demo OK: READY in {ready_s:.1f} s, finished in {finished_s:.1f} s; events app {app} = zip {zip_n} = "
         f"agent {agent_n} + {FULL_STATE_EVENTS}; bash exit 0; {seconds} s; servers stopped")
    return {"ready_s": round(ready_s, 1), "finished_s": round(finished_s, 1), "app": app, "agent": agent_n,
            "zip": zip_n, "seconds": seconds}


if __name__ == "__main__":
    v1_demo()

#!/usr/bin/env python3
"""Record the agent server's event socket for one conversation, scrubbed, as a replayable transcript.

    .venv/bin/python scripts/record_ws.py            # writes tests/contract/agent/ws/hello.jsonl
    .venv/bin/python scripts/record_ws.py --agent-version 1.34.0 --name hello-1.34   # what V1 sandboxes run
    .venv/bin/python scripts/record_ws.py --check    # only scan the committed transcripts for secrets

vcrpy records HTTP only, so the offline follow() tests replay these files with a small local
WebSocket server (tests/contract/agent/ws_replay.py). One run: start the fake LLM and a real agent
server (scripts/servers/agent_server.py), create a conversation without a prompt, subscribe to
``/sockets/events/{id}`` (first-message auth), then send the prompt with ``run=True`` and record
every frame until the conversation has finished and stayed quiet. Then the REST listing and the
conversation are recorded too, so the replay can answer the catch-up requests.

Lines: ``{"meta": ...}``, then ``{"ws": frame}`` per frame in arrival order, ``{"rest_event":
event}`` per listed event, ``{"conversation": info}``. Every line passes the cassette scrubbing
(loopback URLs and temporary folders canonical, key fields redacted) and the secret scan.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "scripts" / "servers")]

from check_cassettes import KEY_PATTERNS, _walk_json  # noqa: E402

OUT_DIR = ROOT / "tests" / "contract" / "agent" / "ws"
QUIET_S = 3.0  # after `finished`: no stop hook put it back to running within this time


def scrub_line(record: dict[str, Any]) -> str:
    from tests.conftest import scrub_body

    text = scrub_body(json.dumps(record, separators=(",", ":")), "application/json")
    assert isinstance(text, str)
    return text


def check(paths: list[Path]) -> list[str]:
    problems: list[str] = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if KEY_PATTERNS.search(line):
                problems.append(f"{where}: a key-like value")
            _walk_json(json.loads(line), where, problems)
    return problems


def use_agent_version(version: str | None) -> None:
    """Point the launcher at another agent-server release (1.34.0 is what V1 sandboxes run)."""
    import agent_server as launcher

    if version:
        launcher.AGENT_SERVER_VERSION = version
        launcher.REQUIREMENTS = [f"{name}=={version}" for name in ("openhands-agent-server", "openhands-sdk", "openhands-tools")]


def record(name: str, delay_s: float) -> Path:
    import agent_server as launcher
    from fake_llm import FakeLLM
    from openhands_api import AgentServerClient
    from websockets.sync.client import connect

    with FakeLLM(delay_s=delay_s) as llm, launcher.running() as server, AgentServerClient(server.url, server.session_key) as agent:
        conv = agent.start_conversation(
            working_dir=f"{server.workspace}/{name}", llm_model="openai/fake", llm_base_url=llm.base_url,
            llm_api_key="fake-llm-key", llm_extra={"num_retries": 0}, terminal_type="subprocess", autotitle=False,
        )
        url = server.url.replace("http://", "ws://") + f"/sockets/events/{conv.id}"
        frames: list[dict[str, Any]] = []
        with connect(url, max_size=None) as ws:
            ws.send(json.dumps({"type": "auth", "session_api_key": server.session_key}))
            frames.append(json.loads(ws.recv(timeout=30)))  # the subscription snapshot
            agent.send_message(conv.id, "say hello", run=True)
            finished_at: float | None = None
            while finished_at is None or time.monotonic() - finished_at < QUIET_S:
                try:
                    frame = json.loads(ws.recv(timeout=QUIET_S))
                except TimeoutError:
                    continue
                frames.append(frame)
                if frame.get("key") == "execution_status":
                    finished_at = time.monotonic() if frame.get("value") == "finished" else None
        listed = [dict(event.raw) for event in agent.iter_events(conv.id)]
        info = dict(agent.get_conversation(conv.id).raw)
        version = agent.server_info().raw.get("version")
    lines = [scrub_line({"meta": {"server": f"openhands-agent-server {version}", "conversation_id": str(conv.id),
                                  "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                  "fake_llm_delay_s": delay_s}})]
    lines += [scrub_line({"ws": frame}) for frame in frames]
    lines += [scrub_line({"rest_event": event}) for event in listed]
    lines.append(scrub_line({"conversation": info}))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(frames)} frames, {len(listed)} listed events ({version})")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only scan the committed transcripts")
    parser.add_argument("--name", default="hello")
    parser.add_argument("--llm-delay", type=float, default=0.2, help="seconds the fake LLM waits per reply")
    parser.add_argument("--agent-version", help="agent-server release (default: the launcher's; 1.34.0 = V1 sandboxes)")
    args = parser.parse_args()
    use_agent_version(args.agent_version)
    if not args.check:
        record(args.name, args.llm_delay)
    problems = check(sorted(OUT_DIR.glob("*.jsonl")))
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`make demo`: the main job, end to end, against real local servers and the fake LLM.

Agent server part (issue 3): start the real agent server and the fake LLM, start a conversation,
wait for it with progress, count its events and list them by kind, run a bash command, upload and
download a binary file and check it round-trips, print a summary, stop everything.
Then, when present, the V1 app server part (scripts/demo_v1.py).

Only the public API of openhands_api is used. Exit status 0 means every check passed.
"""

from __future__ import annotations

import hashlib
import os
import runpy
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "servers")]

import agent_server  # noqa: E402  (scripts/servers)
from fake_llm import FakeLLM  # noqa: E402
from openhands_api import AgentServerClient  # noqa: E402


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def agent_demo() -> dict[str, object]:
    started = time.monotonic()
    step(f"starting the fake LLM and a real agent server ({agent_server.AGENT_SERVER_VERSION}); first run installs it")
    with FakeLLM() as llm, agent_server.running() as server:
        print(f"    agent server at {server.url} (ready after {server.ready_after_s:.1f} s); LLM at {llm.base_url}")
        with AgentServerClient(server.url, server.session_key) as agent:
            info = agent.server_info()
            print(f"    server_info: version {info.version}, sdk {info.sdk_version}")

            step("starting a conversation: 'say hello'")
            conv = agent.start_conversation(
                prompt="say hello", working_dir=str(server.workspace / "demo"), llm_model="openai/fake",
                llm_base_url=llm.base_url, llm_api_key="fake-llm-key", terminal_type="subprocess",
            )
            print(f"    conversation {conv.id}")
            t0 = time.monotonic()
            last: list[str] = []

            def progress(c: object) -> None:
                status = str(getattr(c, "execution_status", "?"))
                if not last or last[-1] != status:
                    print(f"    {time.monotonic() - t0:5.1f}s  execution_status={status}", flush=True)
                last.append(status)

            done = agent.wait_until_finished(conv.id, timeout_s=180, on_progress=progress)
            if done.execution_status != "finished":
                raise SystemExit(f"conversation ended as {done.execution_status}, expected finished")

            step("counting events")
            total = agent.count_events(conv.id)
            by_kind = agent.count_events_by_kind(conv.id)
            print(f"    server count: {total} events")
            for kind, n in sorted(by_kind.items()):
                print(f"      {kind:<30} {n}")
            if sum(by_kind.values()) != total:
                raise SystemExit(f"count mismatch: server says {total}, reading every page gives {sum(by_kind.values())}")

            step("running a bash command on the agent server")
            result = agent.bash("echo hello from $(uname -s); exit 7")
            print(f"    stdout={result.stdout.strip()!r} exit_code={result.exit_code} (a non-zero exit is a result, not an error)")
            if result.exit_code != 7:
                raise SystemExit("bash exit code was not reported")

            step("uploading and downloading a binary file")
            payload = bytes(range(256)) * 1024  # 256 KiB, every byte value
            remote = str(server.workspace / "demo" / "blob.bin")
            agent.upload_file(payload, remote)
            local = server.state / "downloaded.bin"
            size = agent.download_file(remote, local)
            same = hashlib.sha256(local.read_bytes()).hexdigest() == hashlib.sha256(payload).hexdigest()
            print(f"    {size} bytes round-tripped, sha256 identical: {same}")
            if not same:
                raise SystemExit("downloaded file differs from the upload")
            typescript_step(server.url, server.session_key, conv.id, str(server.workspace))
            agent.delete_conversation(conv.id)
    summary = {"events": total, "kinds": dict(by_kind), "bash_exit": result.exit_code, "file_bytes": size,
               "seconds": round(time.monotonic() - started, 1)}
    step(f"agent server demo OK: {total} events ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))}); "
         f"bash exit {result.exit_code}; {size} bytes round-tripped; {summary['seconds']} s; servers stopped")
    return summary


def typescript_step(url: str, key: str, conversation_id: str, workspace: str) -> None:
    """The TypeScript client (wrapper/ts) against the same live agent server; skipped without node."""
    ts = HERE.parent / "wrapper" / "ts"
    if shutil.which("node") is None or shutil.which("npm") is None:
        step("TypeScript client: skipped (node/npm not found on PATH)")
        return
    step("the TypeScript client against the same agent server")
    if not (ts / "node_modules" / ".installed").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ts, check=True)
        (ts / "node_modules" / ".installed").touch()
    subprocess.run([str(ts / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], cwd=ts, check=True)
    # The key goes through the environment, never the command line.
    env = {**os.environ, "AGENT_SERVER_URL": url, "OH_SESSION_API_KEY": key, "DEMO_CONVERSATION_ID": conversation_id,
           "DEMO_WORKSPACE": workspace}
    if subprocess.run(["node", "dist/wrapper/ts/examples/demo.js"], cwd=ts, env=env).returncode != 0:
        raise SystemExit("the TypeScript client's checks failed")


def main() -> None:
    agent_demo()
    v1 = HERE / "demo_v1.py"
    if v1.exists():
        step("V1 app server demo (scripts/demo_v1.py)")
        runpy.run_path(str(v1), run_name="__main__")
    step("demo finished: all checks passed")


if __name__ == "__main__":
    main()

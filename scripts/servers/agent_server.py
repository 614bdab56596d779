#!/usr/bin/env python3
"""Start a real OpenHands agent server (``openhands-agent-server`` from PyPI) on loopback.

    python3 scripts/servers/agent_server.py            # start, print the URL, run until Ctrl-C
    python3 scripts/servers/agent_server.py --install  # only build the venv
    python3 scripts/servers/agent_server.py --version 1.34.0   # the version V1 sandboxes run

The version is ``--version``, else ``$AGENT_VERSION``, else ``AGENT_SERVER_VERSION`` (the pin). Each
version's venv lives in ``.servers/agent-<version>`` (built once with uv). Each start gets a fresh
temporary state folder (the server keeps ``./workspace`` under its CWD), a free port and a random
session key, binds ``127.0.0.1`` explicitly (it defaults to 0.0.0.0 when a key is set), and is
stopped as a process group. Facts behind each setting: ``shared/notes/agent-server.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kit

# What limits the pin: only what the package registry can install. openhands-agent-server declares
# openhands-sdk/-tools unpinned, so all three are pinned to the same version (an unpinned install
# backtracks for minutes and may mix versions). 1.58.1/1.58.2 need certifi>=2026.10.19, which the
# registry here lacked until 2026-12-01; that is why the pin stayed at 1.58.0 until then. Nothing in
# the client limits it: a newer release is taken by the loop in docs/upgrading.md (check-drift,
# re-record, test).
AGENT_SERVER_VERSION = "1.58.2"
# The agent server inside every V1 sandbox: openhands-ai 1.11.0 pins openhands-agent-server==1.34.0
# (scripts/servers/app_server_v1.py). Its contract tests have their own cassettes
# (tests/contract/agent/cassettes/agent-1.34.0/, `make record SERVER=agent AGENT_VERSION=1.34.0`).
SANDBOX_AGENT_SERVER_VERSION = "1.34.0"
READY_TIMEOUT_S = 180.0  # first start compiles .pyc files: 22 s measured, far more on a loaded box


def selected_version(version: str | None = None) -> str:
    """``version``, else ``$AGENT_VERSION``, else the pin."""
    return version or os.environ.get("AGENT_VERSION") or AGENT_SERVER_VERSION


def requirements(version: str) -> list[str]:
    return [f"openhands-agent-server=={version}", f"openhands-sdk=={version}", f"openhands-tools=={version}"]


REQUIREMENTS = requirements(AGENT_SERVER_VERSION)


def install(version: str | None = None) -> Path:
    version = selected_version(version)
    return kit.ensure_venv(f"agent-{version}", requirements(version))


@dataclass
class AgentServer:
    """A running agent server: ``url``, ``session_key`` (secret: never print it) and its folders."""

    url: str
    session_key: str = field(repr=False)
    state: Path
    process: kit.ServerProcess = field(repr=False)
    ready_after_s: float = 0.0
    version: str = AGENT_SERVER_VERSION

    @property
    def workspace(self) -> Path:
        """A folder the tests may use as conversation working dir / file-transfer target."""
        path = self.state / "ws"
        path.mkdir(exist_ok=True)
        return path

    def stop(self) -> None:
        self.process.stop()
        # tmux servers started for conversations leave the process group; the server removes them
        # on a clean SIGTERM. After a SIGKILL, find them by the TMUX_TMPDIR we gave them.
        kit.kill_by_env_marker("TMUX_TMPDIR", str(self.state / "tmux"))
        shutil.rmtree(self.state, ignore_errors=True)


def start(
    *, session_key: str | None = None, ready_timeout_s: float = READY_TIMEOUT_S, version: str | None = None
) -> AgentServer:
    version = selected_version(version)
    python = install(version)
    state = kit.state_dir("agent")
    (state / "tmux").mkdir()
    port = kit.free_port()
    key = session_key or kit.random_key()
    env = {
        **os.environ,
        "OH_SESSION_API_KEYS_0": key,
        "OH_ENABLE_VSCODE": "false",
        "OH_ENABLE_BROWSER": "false",
        "OH_PRELOAD_TOOLS": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no remote cost-map fetch
        "OPENHANDS_SUPPRESS_BANNER": "1",
        "TMUX_TMPDIR": str(state / "tmux"),
        "TZ": "UTC",  # conversation event timestamps are naive server-local time
        "HOME": str(state / "home"),
    }
    env.pop("SESSION_API_KEY", None)
    cmd = [str(python), "-m", "openhands.agent_server", "--host", "127.0.0.1", "--port", str(port)]
    proc = kit.ServerProcess("agent-server", cmd, cwd=state, env=env, log_path=state / "server.log")
    url = f"http://127.0.0.1:{port}"
    try:
        took = proc.wait_ready(f"{url}/ready", ready_timeout_s)
    except BaseException:
        proc.stop()
        raise
    kit.log(f"agent server {version} ready at {url} after {took:.1f} s")
    return AgentServer(url=url, session_key=key, state=state, process=proc, ready_after_s=took, version=version)


@contextlib.contextmanager
def running(**kwargs: object) -> Iterator[AgentServer]:
    server = start(**kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="only build the server venv")
    parser.add_argument("--print-key", action="store_true", help="also print the session key (it is a secret)")
    parser.add_argument("--version", help=f"agent server version (default: $AGENT_VERSION or {AGENT_SERVER_VERSION})")
    args = parser.parse_args()
    if args.install:
        print(install(args.version))
        return
    with running(version=args.version) as server:
        print(f"agent server {server.version}: {server.url}", flush=True)
        if args.print_key:
            print(f"session key: {server.session_key}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while server.process.proc.poll() is None:
                time.sleep(1)


if __name__ == "__main__":
    main()

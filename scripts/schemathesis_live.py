#!/usr/bin/env python3
"""Fuzz our specs against live local servers with schemathesis: every answer must be one the spec lists.

    python scripts/schemathesis_live.py                   # agent server (the pin) and V1 app server
    python scripts/schemathesis_live.py --server agent --max-examples 10 --max-time 120

Maintainer tool (``make test-live`` runs it; not part of CI). Each server is started fresh by its
launcher: loopback only, a throwaway state folder, a random key, stopped afterwards. Checks:
``status_code_conformance`` (a status the operation does not document), ``content_type_conformance``
and ``response_schema_conformance``; a 5xx the spec documents is not a failure, an undocumented one is.

Operations that would act outside the throwaway server are excluded: shell commands, file upload
and download and git changes/diff (arbitrary paths on this machine, as this user), and starting conversations or
messages (they run an agent against whatever LLM URL the fuzzer invents), and storing V1 settings
(fuzzed settings the server stores but cannot read back turn every later request into a 500).
Everything else works on
the fresh server's own state only: deletes, pauses and runs of random ids answer 404/400.
The session key is passed as a header and masked in everything this script prints.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

CHECKS = "status_code_conformance,content_type_conformance,response_schema_conformance"
EXCLUDED = {
    "agent": ["start_conversation", "send_message", "execute_bash_command", "start_bash_command",
              "upload_file", "download_file", "git_changes", "git_diff"],
    # store_settings: fuzzed settings that the server stores but cannot read back make every later
    # request that loads them answer 500 (observed 2026-12-01 on 1.11.0), which poisons the run.
    "v1": ["start_app_conversation", "stream_start_app_conversation", "store_settings"],
}


def schemathesis(spec: str, url: str, key: str | None, exclude: list[str], args: argparse.Namespace) -> int:
    exe = Path(sys.executable).with_name("schemathesis")
    cmd = [str(exe), "run", str(ROOT / "specs" / spec), "--url", url, "--checks", CHECKS,
           "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
           "--seed", str(args.seed), "--request-timeout", "60", "--workers", "1",
           "--generation-with-security-parameters", "false", "--no-color", "--suppress-health-check", "all"]
    for op in exclude:
        cmd += ["--exclude-operation-id", op]
    if key:
        cmd += ["--header", f"X-Session-API-Key: {key}"]
    # streamed line by line, the key masked in every line
    # cwd: a temporary folder, so schemathesis' cache (.schemathesis/) never lands in the repo
    with tempfile.TemporaryDirectory(prefix="openhands-api-schemathesis-") as cwd, \
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                             env={**os.environ, "NO_COLOR": "1"}) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line.replace(key, "**********") if key else line, end="", flush=True)
    return proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", choices=["agent", "v1"], help="default: both")
    parser.add_argument("--max-examples", type=int, default=20, help="examples per operation (default 20)")
    parser.add_argument("--max-time", type=int, default=300, help="seconds per server (default 300)")
    parser.add_argument("--seed", type=int, default=20261201, help="hypothesis seed (reproducible runs)")
    args = parser.parse_args()
    failed = []
    for name in args.server or ["agent", "v1"]:
        if name == "agent":
            import agent_server

            with agent_server.running() as server:
                print(f"== schemathesis: specs/agent_server.yaml against agent server {server.version}", flush=True)
                rc = schemathesis("agent_server.yaml", server.url, server.session_key, EXCLUDED["agent"], args)
        else:
            import app_server_v1

            with app_server_v1.start_app_server_v1(fake_llm=False) as app:
                print("== schemathesis: specs/app_server_v1.yaml against the V1 app server (openhands-ai 1.11.0)", flush=True)
                rc = schemathesis("app_server_v1.yaml", app.url, app.key, EXCLUDED["v1"], args)
        if rc != 0:
            failed.append(name)
    print(f"schemathesis: {'FAILED for ' + ', '.join(failed) if failed else 'no response outside the specs'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

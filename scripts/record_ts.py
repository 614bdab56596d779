#!/usr/bin/env python3
"""Record the TypeScript suite's own cassette from a real local V0 server (openhands-ai 1.6.0).

Every other TypeScript contract test replays the Python suite's cassettes. Only the seed's
TypeScript quick start sends requests no Python test sends (its own prompt and repository), so it
gets a recording of its own, made here: start the real V0 server with a random session key and the
fake LLM (scripts/servers/v0_server.py), run the quick-start test in record mode against it, and
write tests/contract/v0/cassettes/ts_seed_quickstart/seed_quickstart.yaml with the same canonicalisation and
scrubbing as tests/conftest.py (loopback URLs -> http://server.test, keys -> <REDACTED>).

    make -C wrapper/ts ... (see `make record-ts`)   or   python3 scripts/record_ts.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "servers"))
import v0_server  # noqa: E402

TS = ROOT / "wrapper" / "ts"
# Beside the Python cassettes, so the secret scan and check-spec cover it too.
CASSETTE = ROOT / "tests" / "contract" / "v0" / "cassettes" / "ts_seed_quickstart" / "seed_quickstart.yaml"


def main() -> int:
    subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=TS, check=True)
    with v0_server.start_v0_server(session_key=True) as server:
        env = {**os.environ, "OPENHANDS_API_TS_RECORD": "1", "OPENHANDS_BASE_URL": server.url,
               "OPENHANDS_API_KEY": server.key or ""}
        test = TS / "dist" / "wrapper" / "ts" / "test" / "examples.test.js"
        result = subprocess.run(["node", "--test", "--test-name-pattern", "quick start", str(test)], cwd=TS, env=env)
    if result.returncode != 0:
        return result.returncode
    text = CASSETTE.read_text()
    if server.key and server.key in text:  # the recorder redacts keys; refuse a cassette that still has one
        CASSETTE.unlink()
        raise SystemExit("the recorded cassette contains the session key: removed")
    print(f"recorded {CASSETTE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Uploads lose nothing: adversarial contents round-trip byte for byte through the real agent server.

The generated upload used to send the fixed multipart boundary ``+++``: a file holding a line break
and ``--+++`` was refused, one holding ``--+++--`` silently cut short. httpx now writes a random
boundary per request (``scripts/templates/endpoint_module.py.jinja``). The recorded test replays
fixed contents offline; the ``live`` one sends fresh random bytes to the real server each run.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from pathlib import Path

import pytest
from openhands_api import AgentServerClient, AsyncAgentServerClient
from openhands_api_agent.models import UploadResult

from .conftest import AGENT_VERSION

# Names are part of the recorded request paths: keep them stable.
ADVERSARIAL: dict[str, bytes] = {
    "empty": b"",
    "nul-bytes": b"\x00" * 512 + b"a\x00b",
    "old-boundary-line": b"before\r\n--+++\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nafter",
    "old-boundary-end": b"kept\r\n--+++--\r\nthis part was lost before the fix",
    "crlf-dashes": b"\r\n--\r\n--\r\n\r\n--",
    "boundary-like": b"\r\n--" + b"0123456789abcdef" * 2 + b"\r\n--" + b"f" * 32 + b"--\r\n",
    "random": random.Random(8).randbytes(20_000),
}


# 1.34 (V1 sandboxes) answers an upload {"success": true} without file_size
SENDS_FILE_SIZE = not AGENT_VERSION.startswith("1.34.")


def uploaded_whole(result: UploadResult, data: bytes) -> bool:
    return result.success is True and (result.file_size == len(data) if SENDS_FILE_SIZE else True)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def round_trip_sync(agent: AgentServerClient, folder: str, contents: dict[str, bytes], tmp: Path) -> dict[str, str]:
    got = {}
    for name, data in contents.items():
        remote = f"{folder}/{name}.bin"
        assert uploaded_whole(agent.upload_file(data, remote), data), name
        assert agent.download_file(remote, tmp / f"{name}.bin") == len(data), name
        got[name] = sha((tmp / f"{name}.bin").read_bytes())
    return got


async def round_trip_async(url: str, key: str, folder: str, contents: dict[str, bytes]) -> dict[str, str]:
    got = {}
    async with AsyncAgentServerClient(url, key) as agent:
        for name, data in contents.items():
            remote = f"{folder}/{name}.bin"
            assert uploaded_whole(await agent.upload_file(data, remote), data), name
            got[name] = sha(await agent.read_file(remote))
    return got


@pytest.mark.vcr
def test_adversarial_uploads_round_trip_sync_and_async(agent: AgentServerClient, agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = {name: sha(data) for name, data in ADVERSARIAL.items()}
    assert round_trip_sync(agent, f"{agent_server.workspace}/uploads-sync", ADVERSARIAL, tmp_path) == expected
    got = asyncio.run(round_trip_async(agent_server.url, agent_server.session_key, f"{agent_server.workspace}/uploads-async", ADVERSARIAL))
    assert got == expected


@pytest.mark.live
def test_fresh_random_uploads_round_trip_live(agent: AgentServerClient, agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    contents = {f"fresh-{i}": os.urandom(size) for i, size in enumerate((1, 4096, 300_000))}
    contents["fresh-old-boundary"] = os.urandom(1000) + b"\r\n--+++--\r\n" + os.urandom(1000)
    expected = {name: sha(data) for name, data in contents.items()}
    assert round_trip_sync(agent, f"{agent_server.workspace}/fresh-sync", contents, tmp_path) == expected
    got = asyncio.run(round_trip_async(agent_server.url, agent_server.session_key, f"{agent_server.workspace}/fresh-async", contents))
    assert got == expected

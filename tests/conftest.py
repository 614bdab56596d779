"""Shared test rails: cassette configuration, scrubbing, and the live/replay switch.

Three ways to run the contract tests (tests/contract/<server>/):

* ``make test``: replay cassettes offline (``--record-mode=none --block-network``); no server runs;
* ``make record``: start the real local servers and re-record (``--record-mode=rewrite``);
* ``make test-live``: the same tests against live local servers, no cassettes (``--disable-recording``).

Cassettes must replay whatever port, temporary folder or key a recording used, so requests and
responses pass through one canonicalisation (loopback URLs → ``http://server.test``, temporary state
folders → ``...-STATE``) and secrets are removed: request headers by vcrpy's ``filter_headers``,
response ``Set-Cookie`` and every key inside JSON bodies here. ``before_record_request`` runs on live
requests before matching too, so the canonical form is what is matched.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_recording.plugin import get_default_cassette_name

from tests.twins import TWINS, both_twins, twin_runner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

REDACTED = "<REDACTED>"
CANONICAL_URL = "http://server.test"
_LOOPBACK_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost|0\.0\.0\.0)(?::\d+)?")
# kit.state_dir() folders: /tmp/openhands-api-<name>-<random>, also URL-encoded in queries.
_STATE_DIR = re.compile(r"((?:/|%2F)openhands-api-[a-z0-9]+)-[A-Za-z0-9_]{6,}")
_SECRET_FIELDS = re.compile(r"(session_api_key|api_key|secret|token|password)$", re.I)


def is_live(config: pytest.Config) -> bool:
    """True when tests talk to real servers (recording or --disable-recording)."""
    mode = config.getoption("--record-mode", default=None)
    return bool(config.getoption("--disable-recording", default=False)) or mode not in (None, "none")


# V1 pending-message queues are named task-<32 hex>; secret scanners read "sk-<hex>" inside that as
# an API key. The dashed spelling of the same UUID is stored and matched instead (both sides).
_TASK_QUEUE = re.compile(r"task-([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})\b")


def canonical_text(text: str) -> str:
    text = _LOOPBACK_URL.sub(CANONICAL_URL, text)
    text = _TASK_QUEUE.sub(r"task-\1-\2-\3-\4-\5", text)
    return _STATE_DIR.sub(r"\1-STATE", text)


def _scrub_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if _SECRET_FIELDS.search(str(k)) and isinstance(v, str) and v else _scrub_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_json(v) for v in value]
    return value


def scrub_body(body: bytes | str | None, content_type: str) -> bytes | str | None:
    """Canonicalise and de-secret a request or response body (text only; binary passes through)."""
    if body is None:
        return None
    is_bytes = isinstance(body, bytes)
    try:
        text = body.decode("utf-8") if is_bytes else body  # type: ignore[union-attr]
    except UnicodeDecodeError:
        return body
    from openhands_api._secret import scrub  # live client keys (Secret objects) → mask

    text = canonical_text(scrub(text))
    if "json" in content_type:
        try:
            text = json.dumps(_scrub_json(json.loads(text)), separators=(",", ":"))
        except ValueError:
            pass
    return text.encode("utf-8") if is_bytes else text


def _header(headers: Any, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else str(value)
    return ""


# httpx writes a random multipart boundary per request (a fixed one can occur in the file); for
# matching and recording it is replaced by this one, which never occurs in recorded contents.
CANONICAL_BOUNDARY = "openhands-api-test-boundary"
_BOUNDARY = re.compile(r"multipart/form-data;\s*boundary=([^\s;]+)")


def canonical_multipart(request: Any) -> None:
    found = _BOUNDARY.search(_header(request.headers, "content-type"))
    if found and isinstance(request.body, bytes | str):
        boundary = found.group(1).strip('"')
        body = request.body if isinstance(request.body, bytes) else request.body.encode("utf-8")
        request.body = body.replace(f"--{boundary}".encode(), f"--{CANONICAL_BOUNDARY}".encode())
        for name in list(request.headers):
            if name.lower() == "content-type":
                request.headers[name] = f"multipart/form-data; boundary={CANONICAL_BOUNDARY}"


def before_record_request(request: Any) -> Any:
    request.uri = canonical_text(request.uri)
    canonical_multipart(request)
    request.body = scrub_body(request.body, _header(request.headers, "content-type"))
    return request


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("set-cookie", "date", "server"):
            del headers[name]
    body = response.get("body", {})
    if isinstance(body, dict) and "string" in body:
        body["string"] = scrub_body(body["string"], _header(headers, "content-type"))
        for name in list(headers):
            if name.lower() == "content-length" and isinstance(body["string"], bytes | str):
                data = body["string"]
                headers[name] = [str(len(data.encode() if isinstance(data, str) else data))]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # Never set record_mode here: it would override --record-mode on the command line.
    return {
        "filter_headers": [
            ("authorization", REDACTED),
            ("x-session-api-key", REDACTED),
            ("x-access-token", REDACTED),
            ("cookie", REDACTED),
            "host",
        ],
        "filter_query_parameters": [("session_api_key", REDACTED), ("api_key", REDACTED), ("token", REDACTED)],
        "decode_compressed_response": True,
        "before_record_request": before_record_request,
        "before_record_response": before_record_response,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's name without its sync/async twin id: both twins replay one cassette."""
    name = request.node.name
    for kind in TWINS:
        name = name.replace(f"[{kind}]", "")
    return get_default_cassette_name(request.cls, name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``live`` need a real server: skipped when replaying (``make test``)."""
    if is_live(config):
        return
    skip = pytest.mark.skip(reason="live only: runs under `make test-live` / `make record` against a real local server")
    for item in items:
        if item.get_closest_marker("live") is not None:
            item.add_marker(skip)


@pytest.fixture
def live(request: pytest.FixtureRequest) -> bool:
    return is_live(request.config)


@pytest.fixture(autouse=True)
def _instant_sleep_when_replaying(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replayed answers come at once; waiting between polls would only slow the suite down."""
    if not is_live(request.config) and request.node.get_closest_marker("vcr") is not None:
        monkeypatch.setattr(time, "sleep", lambda _s: None)

        async def no_wait(_s: float) -> None:
            return None

        monkeypatch.setattr(asyncio, "sleep", no_wait)


__all__ = ["both_twins", "twin_runner"]  # a fixture, shared by the contract tests' client fixtures

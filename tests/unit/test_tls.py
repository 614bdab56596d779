"""TLS trust: loaded at the first handshake, once per process, and verifying.

A local HTTPS server with a certificate made for the test (``tests/certificates.py``); ``SSL_CERT_FILE`` says
what the client trusts (as with httpx's default). Loads are counted on
``ssl.SSLContext.load_verify_locations``, the step that reads a CA bundle.
"""

from __future__ import annotations

import asyncio
import http.server
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from openhands_api import AgentServerClient, APIConnectionError, AsyncAgentServerClient, ConfigurationError, _tls

from tests.certificates import certificate, needs_openssl, server_context
from tests.scale.server import in_thread

pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    needs_openssl,
]


class _Count(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1")
        self.end_headers()
        self.wfile.write(b"7")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("tls")
    server_cert, server_key = certificate(directory, "server")
    other_cert, _ = certificate(directory, "other")
    return {"server": server_cert, "server_key": server_key, "other": other_cert}


@pytest.fixture(scope="module")
def https_url(certificates: dict[str, Path]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Count)
    server.socket = server_context(certificates["server"], certificates["server_key"]).wrap_socket(server.socket, server_side=True)
    with in_thread(server, "https") as url:
        yield url


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    with in_thread(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Count)) as url:
        yield url


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every CA load from now on; the process-wide contexts forgotten so the first one is seen."""
    monkeypatch.setattr(_tls, "_built", {})
    seen: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        seen.append(args or kwargs)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    return seen


def test_plain_http_clients_load_no_certificates(http_url: str, loads: list[object]) -> None:
    for _ in range(3):
        with AgentServerClient(http_url, "k") as client:
            assert client.count_events("c1") == 7

    async def twice() -> None:
        async with AsyncAgentServerClient(http_url, "k") as client:
            assert await client.count_events("c1") == 7

    asyncio.run(twice())
    assert loads == []


def test_https_verifies_against_ssl_cert_file_loaded_once(
    https_url: str, certificates: dict[str, Path], loads: list[object], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["server"]))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for _ in range(2):  # two clients, each a new pool: one shared context
        with AgentServerClient(https_url, "k") as client:
            assert client.count_events("c1") == 7

    async def call() -> int:
        async with AsyncAgentServerClient(https_url, "k") as client:
            return await client.count_events("c1")

    assert asyncio.run(call()) == 7
    assert len(loads) == 1


def test_an_untrusted_server_is_refused_at_once_with_a_hint(
    https_url: str, certificates: dict[str, Path], loads: list[object], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["other"]))
    pauses: list[float] = []
    with AgentServerClient(https_url, "k", sleep=pauses.append) as client, pytest.raises(APIConnectionError) as caught:
        client.count_events("c1")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert "SSL_CERT_FILE" in str(caught.value)
    assert pauses == []  # not repeated: an untrusted certificate stays untrusted

    async def call() -> int:
        async with AsyncAgentServerClient(https_url, "k") as client:
            return await client.count_events("c1")

    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(call())


def test_an_unreadable_ca_setting_fails_https_only_and_says_so(
    https_url: str, http_url: str, tmp_path: Path, loads: list[object], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with AgentServerClient(http_url, "k") as client:
        assert client.count_events("c1") == 7  # plain http never reads it
    with AgentServerClient(https_url, "k") as client, pytest.raises(ConfigurationError, match="CA certificates"):
        client.count_events("c1")


def test_the_follow_socket_trusts_what_http_calls_trust() -> None:
    from openhands_api._ws import _trust

    assert _trust("wss://example.invalid/sockets/events/c1") is _tls.trusted()
    assert _trust("ws://127.0.0.1:8000/sockets/events/c1") is None

"""The WebSocket seam of ``follow()``: the only module that imports the WebSocket library.

Library: ``websockets`` (sync and asyncio clients with the same model). Its connection is a plain
object with no background task group, so the follow engine, an (async) generator, can yield
between frames and be closed from any task; httpx-ws's async session lives in an anyio task group
that must not be held open across a generator's yields.

Both twins expose the same four calls (``connect``, ``send``, ``receive`` with a timeout that
returns None instead of raising, ``close``) and the same three errors, so the engine's async
source and its generated sync twin differ only by the unasync rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Mapping

from websockets.asyncio.client import ClientConnection as _AsyncConnection
from websockets.asyncio.client import connect as _async_connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection as _SyncConnection
from websockets.sync.client import connect as _sync_connect

from ._secret import RedactSecrets
from ._tls import trusted

# websockets logs frames and handshake headers at DEBUG; the first frame and the legacy header
# carry the key. Its records go to this logger, which scrubs live secrets before any handler.
LOGGER = logging.getLogger("openhands_api.ws")
LOGGER.addFilter(RedactSecrets())

OPEN_TIMEOUT_S = 10.0
# A full-state snapshot holds the whole agent configuration: far above websockets' 1 MiB default.
MAX_FRAME_BYTES = 64 * 1024 * 1024
# Pings keep idle sockets alive through proxies and detect a dead peer.
PING_INTERVAL_S = 20.0


class SocketRejected(Exception):
    """The HTTP upgrade was refused with ``status`` (403: the server wants the key in the handshake)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"WebSocket upgrade refused with HTTP {status}")
        self.status = status


class SocketClosed(Exception):
    """The socket closed; ``code`` is the close code the server sent (None when the link broke)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"WebSocket closed (code {code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class SocketUnavailable(Exception):
    """No connection could be made (refused, DNS, TLS, timeout)."""


class SocketUntrusted(SocketUnavailable):
    """The server's TLS certificate failed verification: no retry can change that."""


def _closed(exc: ConnectionClosed) -> SocketClosed:
    frame = exc.rcvd
    return SocketClosed(frame.code if frame is not None else None, frame.reason if frame is not None else "")


def _connect_error(exc: Exception) -> Exception:
    if isinstance(exc, InvalidStatus):
        return SocketRejected(exc.response.status_code)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SocketUntrusted(f"{type(exc).__name__}: {exc}")
    return SocketUnavailable(f"{type(exc).__name__}: {exc}")


def _trust(url: str) -> ssl.SSLContext | None:
    # wss trusts what the HTTP calls trust (SSL_CERT_FILE / SSL_CERT_DIR / certifi), not the system
    # store websockets would load; ws takes no context.
    return trusted() if url.startswith("wss:") else None


_CONNECT_ERRORS = (InvalidHandshake, InvalidURI, OSError, TimeoutError)


class AsyncSocket:
    def __init__(self, connection: _AsyncConnection, stack: contextlib.AsyncExitStack) -> None:
        self._connection = connection
        self._stack = stack

    @classmethod
    async def connect(cls, url: str, headers: Mapping[str, str]) -> AsyncSocket:
        # Entered through an exit stack: websockets >= 17 wants connect() used as a context manager,
        # and a follower keeps its socket across many calls.
        stack = contextlib.AsyncExitStack()
        try:
            connection = await stack.enter_async_context(_async_connect(
                url, additional_headers=dict(headers), open_timeout=OPEN_TIMEOUT_S, max_size=MAX_FRAME_BYTES,
                ping_interval=PING_INTERVAL_S, logger=LOGGER, ssl=_trust(url),
            ))
        except _CONNECT_ERRORS as exc:
            raise _connect_error(exc) from None
        return cls(connection, stack)

    async def send(self, text: str) -> None:
        try:
            await self._connection.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    async def receive(self, timeout: float) -> str | bytes | None:
        """The next frame, or None when none came within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                return await self._connection.recv()  # cancelling recv() loses no data (websockets docs)
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    async def close(self) -> None:
        await self._stack.aclose()

    @staticmethod
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds)


class Socket:
    def __init__(self, connection: _SyncConnection, stack: contextlib.ExitStack) -> None:
        self._connection = connection
        self._stack = stack

    @classmethod
    def connect(cls, url: str, headers: Mapping[str, str]) -> Socket:
        stack = contextlib.ExitStack()
        try:
            connection = stack.enter_context(_sync_connect(
                url, additional_headers=dict(headers), open_timeout=OPEN_TIMEOUT_S, max_size=MAX_FRAME_BYTES,
                ping_interval=PING_INTERVAL_S, logger=LOGGER, ssl=_trust(url),
            ))
        except _CONNECT_ERRORS as exc:
            raise _connect_error(exc) from None
        return cls(connection, stack)

    def send(self, text: str) -> None:
        try:
            self._connection.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    def receive(self, timeout: float) -> str | bytes | None:
        try:
            return self._connection.recv(timeout=max(timeout, 0.0))
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    def close(self) -> None:
        self._stack.close()

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)

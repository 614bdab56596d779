"""Sockets that obey the call's deadline (:mod:`openhands_api._deadline`).

``AsyncDeadlineBackend`` wraps httpcore's network backend; every connect, read and write of its
streams gets at most the time left before the current call's deadline. This is the only layer that
sees each socket read, so it is the only place a trickling server (in the headers or the body) can
be stopped, the same way in the sync and async twins. It is also where a connection starting TLS
gets the shared verifying context (:mod:`openhands_api._tls`), so no transport builds its own.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from ._deadline import clamp
from ._tls import PLACEHOLDER, trusted


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, clamp(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, clamp(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(trusted(ssl_context), server_hostname, clamp(timeout, httpcore.ConnectTimeout))
        return AsyncDeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options)
        return AsyncDeadlineStream(stream)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, clamp(timeout, httpcore.ConnectTimeout), socket_options)
        return AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pooled_transport() -> httpx.AsyncHTTPTransport:
    """httpx's default pooled transport, with sockets that obey the call's deadline and TLS trust
    loaded only when a connection needs it (:mod:`openhands_api._tls`).

    httpx does not take a network backend, so the pool's is wrapped after construction (httpcore's
    ``network_backend`` is the documented extension point; only its attribute name is private).
    Should a future httpx lay its pool out differently, a plain transport with the trusted context is
    returned (nothing would swap the placeholder in at a handshake): the deadline is then still
    checked between body chunks and retries (the hostile-server tests fail).
    """
    transport = httpx.AsyncHTTPTransport(verify=PLACEHOLDER)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.AsyncNetworkBackend):
        pool._network_backend = AsyncDeadlineBackend(backend)  # type: ignore[union-attr]
        return transport
    return httpx.AsyncHTTPTransport(verify=trusted())


__all__ = ["AsyncDeadlineBackend", "AsyncDeadlineStream", "pooled_transport"]

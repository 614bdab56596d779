"""TLS trust: one verifying context per process, built at the first TLS handshake.

httpx builds a verifying SSL context for every transport it creates, and building one reads the
whole CA bundle (16 ms measured, about a sixth of a one-request CLI command). Most calls of this
client go over plain http to a local agent server and never need it, and a client renews its pool
after a server crash (one more context each time). So the transports are given :data:`PLACEHOLDER`,
which costs nothing, and the network layer (:mod:`openhands_api._async_network` /
``_network``) swaps in :func:`trusted` when a connection starts TLS. The follow socket takes the
same context, so HTTP and WebSocket calls trust the same certificates.

The trusted context is httpx's own default (``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else
certifi's bundle), built once per value of those two variables and shared by every client: an
``SSLContext`` may be used by many connections and threads at once.
"""

from __future__ import annotations

import os
import ssl
import threading

import httpx

from ._exceptions import ConfigurationError

#: What the transports are built with. It verifies but trusts no certificate, so a handshake that
#: somehow used it instead of :func:`trusted` would fail verification, never accept a server.
PLACEHOLDER = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

_built: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_building = threading.Lock()


def trusted(context: ssl.SSLContext | None = None) -> ssl.SSLContext:
    """The shared verifying context for :data:`PLACEHOLDER` (or no context); any other ``context``
    (a caller's own) as is. Raises :class:`ConfigurationError` when the CA certificates cannot be
    loaded (``SSL_CERT_FILE`` naming a missing file ...), which no retry would fix."""
    if context is not None and context is not PLACEHOLDER:
        return context
    where = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    built = _built.get(where)
    if built is None:
        with _building:
            built = _built.get(where)
            if built is None:
                try:
                    built = httpx.create_ssl_context()
                except OSError as exc:  # a missing or unreadable file; ssl.SSLError (a bad PEM) is one too
                    raise ConfigurationError(
                        f"cannot load the CA certificates to verify TLS servers: {exc}",
                        hint="check SSL_CERT_FILE / SSL_CERT_DIR, or unset them to use certifi's bundle",
                    ) from exc
                built.set_alpn_protocols(["http/1.1"])  # what httpcore sets on the context it is given
                _built[where] = built
    return built


__all__ = ["PLACEHOLDER", "trusted"]

"""Self-signed certificates for loopback TLS servers in tests, made by the ``openssl`` command.

A certificate for ``localhost`` and ``127.0.0.1``, valid two days; ``SSL_CERT_FILE`` naming it makes
the client trust the server that holds its key (httpx's default trust, which the client follows).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

#: For test modules that serve TLS: skipped (with the reason) where there is no openssl command.
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A new self-signed certificate and its key, as PEM files in ``directory``."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context

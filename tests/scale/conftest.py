"""The offline fan-out tests talk to their own stdlib server on 127.0.0.1, also under ``make test``'s
``--block-network``: loopback is allowed here, every other host stays blocked."""

from __future__ import annotations

import pytest


@pytest.fixture
def allowed_hosts() -> list[str]:
    return [r"^127\.0\.0\.1$"]

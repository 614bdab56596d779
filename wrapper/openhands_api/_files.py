"""Files on the local disk: written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ._exceptions import UnexpectedContentError


@contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[int]:
    """A file descriptor of a temporary file beside ``path``, renamed onto ``path`` only if the block
    succeeds: a failed download never leaves a partial file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        yield fd
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def refuse_html(response: httpx.Response) -> None:
    """For servers whose web app answers unknown paths with a page and 200: that page is not the file."""
    if "html" in response.headers.get("content-type", ""):
        raise UnexpectedContentError(
            "expected a file but got an HTML page", response=response,
            hint="the base URL or the id is probably wrong (a web app answered)",
        )


__all__ = ["atomic_target", "refuse_html"]

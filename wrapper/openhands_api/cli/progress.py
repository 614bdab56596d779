"""One updating progress line for long waits: ``[  12.3s] start task: WAITING_FOR_SANDBOX``.

Shown only when stderr is a terminal and the output is not ``--json`` (a pipe or a log file gets
nothing, and machine output stays clean); each update rewrites the line (carriage return + clear),
and ``close()`` ends it with a newline so what follows starts on a fresh line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from .._secret import scrub
from .main import CLIContext


class Progress:
    def __init__(self, ctx: CLIContext, label: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        isatty = getattr(ctx.stderr, "isatty", None)
        self.enabled = not ctx.json_output and callable(isatty) and bool(isatty())
        self._ctx, self._label, self._clock = ctx, label, clock
        self._started = clock()
        self._shown = False

    def update(self, status: object) -> None:
        """Show ``status`` with the time elapsed since this progress began (a no-op when disabled)."""
        if not self.enabled:
            return
        line = scrub(f"[{self._clock() - self._started:6.1f}s] {self._label}: {status}")
        self._ctx.stderr.write(f"\r\033[K{line}")
        self._ctx.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._ctx.stderr.write("\n")
            self._ctx.stderr.flush()
            self._shown = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

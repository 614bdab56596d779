"""Many conversations from the command line: ``start-conversation --prompts-file`` and
``count-events ID ID ...``.

Loaded only when one of those runs (the CLI's other commands never import asyncio's fan-out). Both
run on the async V1 client with one shared rate limiter (``--rate``), ``--concurrency`` at a time,
through :mod:`openhands_api._fanout`: every item ends as a row, a failure does not stop the others.
On a terminal, a progress line is redrawn on stderr; elsewhere one line per finished item.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from .._async_limiter import AsyncRateLimiter
from .._fanout import Outcome
from ..v1 import AsyncOpenHandsV1, BatchPrompt, BatchStart, EventCount, read_prompts_file, start_many
from ..v1._fanout import count_many_with
from .main import CLIContext

I = TypeVar("I")  # noqa: E741
T = TypeVar("T")


def _async_client(ctx: CLIContext, rate: float) -> AsyncOpenHandsV1:
    return AsyncOpenHandsV1(ctx.base_url, api_key=ctx.api_key, limiter=AsyncRateLimiter(rate))


class Progress:
    """``[ 12.3s] 3/8 done, 1 failed, 4 running``: redrawn in place on a TTY, a line per item elsewhere."""

    def __init__(self, ctx: CLIContext, total: int, concurrency: int) -> None:
        self.ctx, self.total, self.concurrency = ctx, total, concurrency
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.tty = ctx.stderr.isatty()

    def line(self) -> str:
        running = min(self.concurrency, self.total - self.done)
        return (f"[{time.monotonic() - self.started:6.1f}s] {self.done}/{self.total} done, "
                f"{self.failed} failed, {running} running")

    def draw(self) -> None:
        if self.tty:
            print(f"\r{self.line()}\x1b[K", end="", file=self.ctx.stderr, flush=True)

    def item(self, ok: bool, what: str) -> None:
        self.done += 1
        self.failed += not ok
        if self.tty:
            self.draw()
        else:
            self.ctx.progress(f"{self.line()}: {what}")

    def end(self) -> None:
        if self.tty:
            print(file=self.ctx.stderr, flush=True)


async def _drive(outcomes: AsyncIterator[Outcome[I, T]], progress: Progress,
                 describe: Callable[[Outcome[I, T]], str]) -> list[Outcome[I, T]]:
    """Collect every outcome, reporting each; on a TTY the line also ticks once a second."""

    async def tick() -> None:
        while True:
            progress.draw()
            await asyncio.sleep(1.0)

    ticker = asyncio.ensure_future(tick()) if progress.tty else None
    results: list[Outcome[I, T]] = []
    try:
        async for outcome in outcomes:
            results.append(outcome)
            progress.item(outcome.ok, describe(outcome) if outcome.ok else str(_error(outcome)))
    finally:
        if ticker is not None:
            ticker.cancel()
        progress.end()
    return sorted(results, key=lambda o: o.index)


def _error(outcome: Outcome[Any, Any]) -> str | None:
    return None if outcome.error is None else f"{type(outcome.error).__name__}: {outcome.error}"


def _start_row(outcome: Outcome[BatchPrompt, BatchStart]) -> dict[str, Any]:
    value = outcome.value
    return {
        "index": outcome.index, "title": outcome.item.title,
        "conversation_id": value.conversation_id if value else None,
        "status": (value.execution_status if value else None) or ("failed" if outcome.error else None),
        "events": value.events.count if value and value.events else None,
        "seconds": round(outcome.seconds, 1),
        "error": _error(outcome) or (f"count: {value.count_error}" if value and value.count_error else None),
    }


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    """Fixed-width columns (header, key, width); the last column takes the rest of the line."""
    def cell(value: Any, width: int) -> str:
        return f"{'-' if value is None else value!s:<{width}}"

    lines = ["  ".join(cell(head, width) for head, _key, width in columns).rstrip()]
    lines += ["  ".join(cell(row[key], width) for _head, key, width in columns).rstrip() for row in rows]
    return "\n".join(lines)


def start_batch(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``start-conversation --prompts-file``: exit 0 only if every conversation finished."""
    prompts = read_prompts_file(args.prompts_file)
    progress = Progress(ctx, len(prompts), args.concurrency)

    def describe(o: Outcome[BatchPrompt, BatchStart]) -> str:
        return f"{o.value.conversation_id} {o.value.execution_status}" if o.value else ""

    async def run() -> list[Outcome[BatchPrompt, BatchStart]]:
        async with _async_client(ctx, args.rate) as oh:
            return await _drive(start_many(oh, prompts, concurrency=args.concurrency,
                                           wait_finished=not args.no_wait_finished, timeout_s=args.timeout),
                                progress, describe)

    rows = [_start_row(o) for o in asyncio.run(run())]
    wanted = {"finished"} if not args.no_wait_finished else None
    all_done = all(r["error"] is None and (wanted is None or r["status"] in wanted) for r in rows)
    ctx.emit(rows, lambda: _table(rows, [("#", "index", 3), ("conversation", "conversation_id", 32),
                                         ("status", "status", 9), ("events", "events", 6),
                                         ("time", "seconds", 7), ("error", "error", 0)]))
    return 0 if all_done else 1


def count_batch(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``count-events ID ID ...``: a row per id; exit 0 only if every id was counted."""
    ids: list[str] = args.conversation_ids
    progress = Progress(ctx, len(ids), args.concurrency)

    def describe(o: Outcome[str, EventCount]) -> str:
        return f"{o.item} {o.value.count}" if o.value else ""

    async def run() -> list[Outcome[str, EventCount]]:
        async with _async_client(ctx, args.rate) as oh:
            return await _drive(count_many_with(oh, ids, concurrency=args.concurrency, source=args.source,
                                                resume_paused=args.resume), progress, describe)

    rows = [{"conversation_id": o.item, "count": o.value.count if o.value else None,
             "source": o.value.source if o.value else None, "seconds": round(o.seconds, 2), "error": _error(o)}
            for o in asyncio.run(run())]
    ctx.emit(rows, lambda: _table(rows, [("conversation", "conversation_id", 32), ("events", "count", 6),
                                         ("source", "source", 6), ("time", "seconds", 6), ("error", "error", 0)]))
    return 0 if all(r["error"] is None for r in rows) else 1


__all__ = ["count_batch", "start_batch"]

"""Many V1 conversations at once: start from prompts and wait for all, count events of many.

    from openhands_api import AsyncOpenHandsV1, AsyncRateLimiter
    from openhands_api.v1 import start_many

    async with AsyncOpenHandsV1(limiter=AsyncRateLimiter(8)) as oh:
        async for outcome in start_many(oh, ["fix the tests", "update the README"], concurrency=4):
            print(outcome.value.conversation_id if outcome.ok else outcome.error)

Built on :func:`openhands_api._fanout.fan_out` (bounded, results as they complete, a failure per
item); the rate is the client's shared limiter. ``start_many_sync`` / ``count_many_sync`` are the
thin sync wrappers: they run the same code on an async twin of the given sync client (same URL,
key, timeouts, retries and deadline) with a limiter of ``rate`` requests per second.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import _constants as C
from .._async_limiter import AsyncRateLimiter
from .._exceptions import InvalidArgumentError, OpenHandsAPIError
from .._fanout import Outcome, collect, fan_out, run_sync
from .._models import present
from ._async_client import AsyncOpenHandsV1
from ._client import OpenHandsV1
from ._count_result import CountSource, EventCount
from ._shapes import StartedConversation

_PROMPT_FIELDS = frozenset({"prompt", "repository", "branch", "title"})


@dataclass(frozen=True, slots=True)
class BatchPrompt:
    """One conversation to start: the prompt, and optionally a repository, branch and title."""

    prompt: str
    repository: str | None = None
    branch: str | None = None
    title: str | None = None

    @classmethod
    def from_line(cls, line: str) -> BatchPrompt:
        """A prompts-file line: a JSON object (``prompt`` + optional ``repository``/``branch``/``title``,
        ``repo`` accepted for ``repository``), or else the line itself as the prompt."""
        text = line.strip()
        if not text.startswith("{"):
            return cls(text)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidArgumentError(f"not a JSON object: {exc}") from exc
        if not isinstance(data, dict):
            raise InvalidArgumentError("a JSON line must be an object")
        if "repo" in data and "repository" not in data:
            data["repository"] = data.pop("repo")
        unknown = set(data) - _PROMPT_FIELDS
        if unknown:
            raise InvalidArgumentError(f"unknown field(s) {sorted(unknown)}; known: {sorted(_PROMPT_FIELDS)}")
        values = {key: data.get(key) for key in _PROMPT_FIELDS}
        for key, value in values.items():
            if value is not None and not isinstance(value, str):
                raise InvalidArgumentError(f"{key!r} must be a string, not {type(value).__name__}")
        if not values["prompt"]:
            raise InvalidArgumentError("'prompt' is missing or empty")
        return cls(**values)  # type: ignore[arg-type]  # checked above: every value is str or None


def read_prompts_file(path: str | os.PathLike[str]) -> list[BatchPrompt]:
    """Every non-blank line of a prompts file, as :class:`BatchPrompt`; a bad line names its number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read prompts file {os.fspath(path)!r}: {exc.strerror}") from exc
    prompts: list[BatchPrompt] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                prompts.append(BatchPrompt.from_line(line))
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"{os.fspath(path)} line {number}: {exc.message}") from exc
    if not prompts:
        raise InvalidArgumentError(f"prompts file {os.fspath(path)!r} holds no prompt")
    return prompts


@dataclass(frozen=True, slots=True)
class BatchStart:
    """A conversation :func:`start_many` started (and waited for), with its event count.

    ``events`` is None when counting was not asked for or failed (``count_error`` says why): the
    conversation itself is not lost because its count is.
    """

    started: StartedConversation
    events: EventCount | None
    count_error: OpenHandsAPIError | None = None

    @property
    def conversation_id(self) -> str:
        return self.started.conversation_id

    @property
    def execution_status(self) -> str | None:
        status = present(self.started.conversation.execution_status)
        return str(status) if status else None


def _as_prompt(item: str | BatchPrompt) -> BatchPrompt:
    return item if isinstance(item, BatchPrompt) else BatchPrompt(item)


async def start_many(client: AsyncOpenHandsV1, prompts: Iterable[str | BatchPrompt], *,
                     concurrency: int = C.DEFAULT_FANOUT_CONCURRENCY, wait_finished: bool = True,
                     count: bool = True, timeout_s: float = C.V1_START_TIMEOUT_S,
                     ) -> AsyncIterator[Outcome[BatchPrompt, BatchStart]]:
    """Start a conversation per prompt, ``concurrency`` at a time, each waited for READY and (by
    default) a terminal status, then its events counted; yield each outcome as it completes."""

    async def start_one(prompt: BatchPrompt) -> BatchStart:
        started = await client.start_conversation_and_wait(
            prompt.prompt, repository=prompt.repository, branch=prompt.branch, title=prompt.title,
            wait_finished=wait_finished, timeout_s=timeout_s)
        if not count:
            return BatchStart(started, None)
        try:
            return BatchStart(started, await client.count_events(started.conversation_id))
        except OpenHandsAPIError as exc:
            return BatchStart(started, None, exc)

    async for outcome in fan_out(start_one, (_as_prompt(p) for p in prompts), concurrency=concurrency):
        yield outcome


async def count_many(client: AsyncOpenHandsV1, conversation_ids: Iterable[str], *,
                     concurrency: int = C.DEFAULT_FANOUT_CONCURRENCY) -> AsyncIterator[Outcome[str, EventCount]]:
    """Count the events of every conversation (``count_events``' fallbacks), as they complete."""
    async for outcome in count_many_with(client, conversation_ids, concurrency=concurrency):
        yield outcome


async def count_many_with(client: AsyncOpenHandsV1, conversation_ids: Iterable[str], *, concurrency: int,
                          source: CountSource | None = None,
                          resume_paused: bool = False) -> AsyncIterator[Outcome[str, EventCount]]:
    """:func:`count_many` with ``count_events``' options (the CLI's ``--source`` / ``--resume``)."""

    async def count(conversation_id: str) -> EventCount:
        return await client.count_events(conversation_id, source=source, resume_paused=resume_paused)

    async for outcome in fan_out(count, conversation_ids, concurrency=concurrency):
        yield outcome


def _async_twin(client: OpenHandsV1, rate: float) -> AsyncOpenHandsV1:
    transport = client._transport
    return AsyncOpenHandsV1(credentials=client.credentials, timeout=transport._client.timeout,
                            max_retries=transport.max_retries, deadline_s=transport.deadline_s,
                            limiter=AsyncRateLimiter(rate))


def start_many_sync(client: OpenHandsV1, prompts: Iterable[str | BatchPrompt], *,
                    concurrency: int = C.DEFAULT_FANOUT_CONCURRENCY, rate: float = C.DEFAULT_RATE_PER_S,
                    wait_finished: bool = True, count: bool = True,
                    timeout_s: float = C.V1_START_TIMEOUT_S) -> list[Outcome[BatchPrompt, BatchStart]]:
    """:func:`start_many` for sync code: every outcome, in input order."""
    items = list(prompts)

    async def work() -> list[Outcome[BatchPrompt, BatchStart]]:
        async with _async_twin(client, rate) as twin:
            return await collect(start_many(twin, items, concurrency=concurrency, wait_finished=wait_finished,
                                            count=count, timeout_s=timeout_s))

    return run_sync(work)


def count_many_sync(client: OpenHandsV1, conversation_ids: Iterable[str], *,
                    concurrency: int = C.DEFAULT_FANOUT_CONCURRENCY,
                    rate: float = C.DEFAULT_RATE_PER_S) -> list[Outcome[str, EventCount]]:
    """:func:`count_many` for sync code: every outcome, in input order."""
    ids = list(conversation_ids)

    async def work() -> list[Outcome[str, EventCount]]:
        async with _async_twin(client, rate) as twin:
            return await collect(count_many(twin, ids, concurrency=concurrency))

    return run_sync(work)


__all__ = ["BatchPrompt", "BatchStart", "count_many", "count_many_sync", "read_prompts_file", "start_many",
           "start_many_sync"]

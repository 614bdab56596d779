"""The V1 app server client (``/api/v1/...``): self-hosted ``openhands-ai`` and OpenHands Cloud.

    from openhands_api import AsyncOpenHandsV1

    async with AsyncOpenHandsV1() as oh:                 # base URL + key by discovery (see _auth)
        task = await oh.start_conversation("say hello")  # a start task, not yet a conversation
        task = await oh.wait_until_ready(task.id, on_progress=lambda t: print(t.status))
        conv = await oh.wait_until_finished(task.app_conversation_id)
        agent = await oh.resolve_agent_server(conv.id)   # URL + key of the sandbox's agent server
        async with agent.client() as a:
            print((await a.bash("echo hi")).stdout)
        print(await oh.count_events(conv.id))            # app -> agent -> zip, with the reasons

One source for the async and the sync client: the async module is the source, the sync one is
derived from it by ``scripts/unasync.py`` (its first line says so). The endpoints are in :mod:`._async_resources`; here are the workflows:
starting (a start task, then a conversation), waiting, resolving the agent server, counting events.
Every method returns the generated, typed models of ``openhands_api_v1`` (``.raw`` keeps the JSON);
errors are the classes of :mod:`openhands_api._exceptions`.

Starting is asynchronous on the server: ``POST /app-conversations`` answers with a *start task*
whose id is not a conversation id; using one where a conversation id is expected gets a hint
saying so.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from openhands_api_v1.api.app_conversations import start_app_conversation
from openhands_api_v1.models import AppConversation, AppConversationStartTask

from .. import _constants as C
from .._async_polling import poll_until
from .._exceptions import OpenHandsAPIError, StartTaskFailedError, UnexpectedContentError
from .._models import present
from .._settle import DEFAULT_SETTLE_S, PollSettle
from ..agent import AsyncAgentServerClient
from ._async_counting import compare_event_counts, count_events
from ._async_operations import AsyncV1Operations
from ._async_resolver import AsyncResolvedAgentServer, resolve_agent_server
from ._async_resources import AsyncV1Resources
from ._count_result import CountSource, EventCount
from ._shapes import (
    StartedConversation,
    StartTaskStream,
    check_conversation_id,
    check_sandbox_usable,
    ready_conversation_id,
    start_request,
)

if TYPE_CHECKING:
    from ._async_following import AsyncV1Follower

_STREAM_START_PATH = "/api/v1/app-conversations/stream-start"


class AsyncOpenHandsV1(AsyncV1Operations, AsyncV1Resources):
    """A client for one V1 app server: its endpoints (see the base class) and the workflows on them."""

    # --- starting conversations ---------------------------------------------------------------------

    async def start_conversation(
        self,
        prompt: str | None = None,
        *,
        prompt_file: str | os.PathLike[str] | None = None,
        append_file: str | os.PathLike[str] | None = None,
        repository: str | None = None,
        branch: str | None = None,
        title: str | None = None,
        run: bool = True,
        agent_type: str | None = None,
        llm_model: str | None = None,
        git_provider: str | None = None,
    ) -> AppConversationStartTask:
        """Ask the server to start a conversation; returns the *start task* at once (status WORKING).

        The prompt is ``prompt`` or the text of ``prompt_file``, followed by ``append_file``'s text.
        Follow the task with :meth:`wait_until_ready`. This creates a sandbox (costs money on Cloud).
        Not retried on a lost answer: a retry could start a second conversation.
        """
        body = start_request(prompt, prompt_file, append_file, repository, branch, title, run, agent_type,
                             llm_model, git_provider)
        return await self._transport.call(start_app_conversation, expect=AppConversationStartTask, body=body,
                                          retry=False)

    async def stream_start_conversation(
        self,
        prompt: str | None = None,
        *,
        prompt_file: str | os.PathLike[str] | None = None,
        append_file: str | os.PathLike[str] | None = None,
        repository: str | None = None,
        branch: str | None = None,
        title: str | None = None,
        run: bool = True,
        agent_type: str | None = None,
        timeout_s: float = C.V1_START_TIMEOUT_S,
    ) -> AsyncIterator[AppConversationStartTask]:
        """Start a conversation and yield every start-task snapshot as the server streams it.

        ``POST /app-conversations/stream-start`` writes one JSON array, an element per status
        change, ending with READY or ERROR. Elements are decoded as they arrive, so every
        intermediate status (the fast ones that polling misses) is seen. Ends after the last one;
        an ERROR snapshot is yielded, then :class:`~openhands_api.StartTaskFailedError` is raised.
        """
        body = start_request(prompt, prompt_file, append_file, repository, branch, title, run, agent_type, None, None)
        timeout = httpx.Timeout(timeout_s, connect=C.DEFAULT_TIMEOUT.connect)
        decoder = StartTaskStream()
        last: AppConversationStartTask | None = None
        async with self._transport.stream("POST", _STREAM_START_PATH, json=body.to_dict(), timeout=timeout) as response:
            async for chunk in response.aiter_text():
                for last in decoder.feed(chunk):
                    yield last
        if last is None:
            raise UnexpectedContentError("stream-start answered no start task")
        if str(last.status) == "ERROR":
            raise StartTaskFailedError(last)

    async def wait_until_ready(
        self,
        task_id: str,
        *,
        timeout_s: float = C.V1_START_TIMEOUT_S,
        on_progress: Callable[[AppConversationStartTask], None] | None = None,
        initial_interval_s: float = C.V1_START_POLL_INITIAL_S,
        max_interval_s: float = C.V1_START_POLL_MAX_S,
    ) -> AppConversationStartTask:
        """Poll the start task (about 2 s growing to 10 s) until READY; return it.

        ERROR raises :class:`~openhands_api.StartTaskFailedError` with the server's detail; running
        out of time raises :class:`~openhands_api.WaitTimeoutError` naming the last status.
        ``on_progress`` sees every poll.
        """
        check_conversation_id(task_id, what="start task id")
        task = await poll_until(
            lambda: self.get_start_task(task_id),
            lambda t: str(t.status) in C.V1_START_TASK_DONE_STATUSES,
            timeout_s=timeout_s, describe=lambda t: f"status={t.status}", on_progress=on_progress,
            initial_interval_s=initial_interval_s, max_interval_s=max_interval_s, factor=C.V1_START_POLL_FACTOR,
            what=f"start task {task_id}", sleep=self._sleep, clock=self._clock,
        )
        if str(task.status) == "ERROR":
            raise StartTaskFailedError(task)
        ready_conversation_id(task)
        return task

    async def wait_until_finished(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        on_progress: Callable[[AppConversation], None] | None = None,
        stop_on: frozenset[str] = C.FINISHED_STATUSES | C.NEEDS_USER_STATUSES,
        initial_interval_s: float = C.V1_START_POLL_INITIAL_S,
        max_interval_s: float = C.V1_START_POLL_MAX_S,
        settle_s: float = DEFAULT_SETTLE_S,
    ) -> AppConversation:
        """Poll the conversation until it has *settled* in an execution status of ``stop_on``
        (finished/error/stuck, paused/waiting_for_confirmation by default); return it.

        Settled is the rule of :mod:`openhands_api._settle` (the one ``follow()`` uses): the status
        held for ``settle_s`` seconds of polling with ``updated_at`` unchanged; a status that flips
        back to running (a stop hook) keeps the wait going. ``settle_s=0``: the first such status.
        The execution status is only known while the sandbox runs: a sandbox that is PAUSED,
        MISSING or in ERROR raises :class:`~openhands_api.ResolverError` at once instead of waiting
        in vain.
        """
        settle: PollSettle[AppConversation] = PollSettle(
            lambda c: _text(present(c.execution_status)), lambda c: c.raw.get("updated_at"),
            settle_s=settle_s, final_statuses=stop_on)

        def done(conv: AppConversation) -> bool:
            sandbox_status = present(conv.sandbox_status)
            if sandbox_status:
                check_sandbox_usable(str(sandbox_status), f"conversation {conversation_id}: its sandbox",
                                     paused_ok=False)
            return settle.done(conv)

        return await poll_until(
            lambda: self.get_conversation(conversation_id), done, timeout_s=timeout_s,
            describe=lambda c: f"execution_status={present(c.execution_status)}, sandbox_status={present(c.sandbox_status)}",
            on_progress=on_progress, initial_interval_s=initial_interval_s, max_interval_s=max_interval_s,
            factor=C.V1_START_POLL_FACTOR, what=f"conversation {conversation_id}", sleep=self._sleep, clock=self._clock,
            pace=settle.pace,
        )

    async def start_conversation_and_wait(
        self,
        prompt: str | None = None,
        *,
        prompt_file: str | os.PathLike[str] | None = None,
        append_file: str | os.PathLike[str] | None = None,
        repository: str | None = None,
        branch: str | None = None,
        title: str | None = None,
        agent_type: str | None = None,
        wait_finished: bool = True,
        timeout_s: float = C.V1_START_TIMEOUT_S,
        on_progress: Callable[[str], None] | None = None,
        settle_s: float = DEFAULT_SETTLE_S,
    ) -> StartedConversation:
        """Start, wait for READY, then (``wait_finished``) for a terminal execution status.

        ``on_progress`` receives one human line per status change ("start task: WAITING_FOR_SANDBOX").
        ``settle_s``: the settle window of :meth:`wait_until_finished`.
        """
        last: dict[str, str] = {}

        def report(kind: str, status: str) -> None:
            if on_progress is not None and last.get(kind) != status:
                last[kind] = status
                on_progress(f"{kind}: {status}")

        deadline = self._clock() + timeout_s
        task = await self.start_conversation(prompt, prompt_file=prompt_file, append_file=append_file,
                                             repository=repository, branch=branch, title=title, agent_type=agent_type)
        if on_progress is not None:
            on_progress(f"start task {task.id} created")
        report("start task", str(task.status))
        task = await self.wait_until_ready(task.id, timeout_s=timeout_s,
                                           on_progress=lambda t: report("start task", str(t.status)))
        conversation_id = ready_conversation_id(task)
        report("conversation", f"{conversation_id} ready")
        if wait_finished:
            conversation = await self.wait_until_finished(
                conversation_id, timeout_s=max(1.0, deadline - self._clock()), settle_s=settle_s,
                on_progress=lambda c: report("execution", str(present(c.execution_status))),
            )
        else:
            conversation = await self.get_conversation(conversation_id)
        return StartedConversation(task=task, conversation=conversation)

    # --- agent servers and counting -----------------------------------------------------------------

    async def resolve_agent_server(self, any_id: str, *, resume: bool = True,
                                   timeout_s: float = C.V1_SANDBOX_WAIT_TIMEOUT_S,
                                   on_progress: Callable[[str], None] | None = None) -> AsyncResolvedAgentServer:
        """The agent server behind a conversation id, a start-task id or a sandbox id (URL + key).

        Order: the start task's ``agent_server_url``, the conversation's ``conversation_url`` (with
        its ``session_api_key``), the sandbox's ``AGENT_SERVER`` exposed URL (with its key). A PAUSED
        sandbox is resumed and waited for unless ``resume=False``. Failures raise
        :class:`~openhands_api.ResolverError` naming the step.
        """
        return await resolve_agent_server(self, any_id, client_kwargs=self._agent_client_kwargs, resume=resume,
                                          timeout_s=timeout_s, on_progress=on_progress)

    def follow(
        self,
        any_id: str,
        *,
        resume: bool = False,
        since: str | datetime | None = None,
        deadline_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        settle_s: float = DEFAULT_SETTLE_S,
        final_statuses: Iterable[str] = C.FINISHED_STATUSES | C.NEEDS_USER_STATUSES,
        on_progress: Callable[[str], None] | None = None,
    ) -> AsyncV1Follower:
        """Follow the conversation that ``any_id`` names (conversation, start task or sandbox) live.

        ``async with oh.follow(any_id) as events: async for event in events: ...``. The id is
        resolved to its agent server when iteration starts (a start task is waited for until READY);
        when that server stops answering or refuses the key (its sandbox paused), it is resolved
        again, resuming the sandbox if ``resume=True``, and following goes on from the last event,
        nothing lost or repeated. Ends when the conversation settles (:mod:`openhands_api._settle`),
        at ``deadline_s`` (WaitTimeoutError) or when you stop. ``on_progress`` gets one line per step.
        """
        from ._async_following import AsyncV1Follower  # lazily: the WebSocket library loads only for follow()

        return AsyncV1Follower(self, any_id, resume=resume, since=since, deadline_s=deadline_s, settle_s=settle_s,
                               final_statuses=final_statuses, on_progress=on_progress)

    async def agent_client(self, any_id: str, *, resume: bool = True) -> AsyncAgentServerClient:
        """A ready agent-server client for the id's agent server (close it when done)."""
        return (await self.resolve_agent_server(any_id, resume=resume)).client()

    async def count_events(self, conversation_id: str, *, source: CountSource | None = None,
                           resume_paused: bool = False) -> EventCount:
        """Count a conversation's events: app server, else agent server, else trajectory zip.

        Returns the number, the source that answered and why earlier sources failed; ``source=``
        forces one. The sources count differently (see :data:`openhands_api.v1.RELATION`).
        Unknown id → NotFoundError, malformed id → InvalidArgumentError: never a silent 0.
        A paused sandbox is not resumed for counting unless ``resume_paused=True`` (its agent
        server would hang); the zip is used instead.
        """
        return await count_events(self, conversation_id, source=source, resume_paused=resume_paused, clock=self._clock)

    async def compare_event_counts(self, conversation_id: str) -> dict[CountSource, EventCount | OpenHandsAPIError]:
        """Every source's count (or its error), for showing the relation between them."""
        return await compare_event_counts(self, conversation_id)


def _text(value: object) -> str | None:
    return None if value is None else str(value)

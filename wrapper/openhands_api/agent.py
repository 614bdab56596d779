"""The agent server client: conversations, events, bash and files on one agent server.

    from openhands_api import AgentServerClient

    with AgentServerClient("http://127.0.0.1:8000", session_key="...") as agent:
        conv = agent.start_conversation(prompt="say hello", working_dir="/tmp/ws",
                                        llm_model="openai/gpt-4o", llm_api_key="sk-...")
        done = agent.wait_until_finished(conv.id, on_progress=lambda c: print(c.execution_status))
        print(agent.count_events(conv.id))
        print(agent.bash("echo hi").stdout)

Every method returns the generated, typed models of ``openhands_api_agent``; each keeps the JSON it
was parsed from in ``.raw``. Errors are the classes of :mod:`openhands_api._exceptions`.
"""

from __future__ import annotations

import functools
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, TypeAlias, cast

import httpx

from . import _constants as C
from ._auth import SessionKeyAuth, session_key_from
from ._exceptions import InvalidArgumentError
from ._pagination import Pager, check_limit
from ._polling import poll_until
from ._secret import MASK, Secret
from ._transport import Transport

if TYPE_CHECKING:
    from openhands_api_agent.models import (
        ActionEvent,
        AgentErrorEvent,
        BashOutput,
        ConversationErrorEvent,
        ConversationInfo,
        ConversationPage,
        ConversationStateUpdateEvent,
        EventPage,
        ExecuteBashRequest,
        MessageEvent,
        ObservationEvent,
        PauseEvent,
        SendMessageRequest,
        ServerInfo,
        StartConversationRequest,
        SystemPromptEvent,
        UnknownEvent,
        UploadFileBody,
        UploadResult,
    )

    #: Any event; ``UnknownEvent`` is a kind this client does not model (all fields kept).
    Event: TypeAlias = (
        ActionEvent
        | ObservationEvent
        | MessageEvent
        | ConversationStateUpdateEvent
        | SystemPromptEvent
        | PauseEvent
        | AgentErrorEvent
        | ConversationErrorEvent
        | UnknownEvent
    )

#: Execution statuses after which a conversation does not move on by itself.
FINISHED_STATUSES = frozenset({"finished", "error", "stuck"})
NEEDS_USER_STATUSES = frozenset({"paused", "waiting_for_confirmation"})
TerminalType = Literal["tmux", "subprocess"]


@dataclass(frozen=True)
class BashResult:
    """The outcome of a shell command. A non-zero ``exit_code`` is a result, not an error."""

    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    raw: BashOutput

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _require_absolute(path: str) -> str:
    if not isinstance(path, str) or not PurePosixPath(path).is_absolute():
        raise InvalidArgumentError(
            f"remote path {path!r} is not absolute",
            hint="the agent server only accepts absolute paths, e.g. /workspace/file.txt",
        )
    return path


def start_request(
    *,
    working_dir: str,
    llm_model: str,
    llm_api_key: str | Secret | None,
    llm_base_url: str | None,
    prompt: str | None,
    tools: Sequence[str],
    terminal_type: TerminalType | None,
    max_iterations: int | None,
    conversation_id: str | None,
    autotitle: bool | None,
    tags: dict[str, str] | None,
    llm_extra: dict[str, Any] | None,
) -> StartConversationRequest:
    """The body of ``POST /api/conversations`` (shared by the sync and async clients)."""
    from openhands_api_agent.models import StartConversationRequest

    llm: dict[str, Any] = {"model": llm_model, **(llm_extra or {})}
    if llm_base_url is not None:
        llm["base_url"] = llm_base_url
    if llm_api_key is not None:
        llm["api_key"] = llm_api_key.reveal() if isinstance(llm_api_key, Secret) else llm_api_key
    tool_specs: list[dict[str, Any]] = []
    for name in tools:
        spec: dict[str, Any] = {"name": name}
        if name == "terminal" and terminal_type is not None:
            spec["params"] = {"terminal_type": terminal_type}
        tool_specs.append(spec)
    body: dict[str, Any] = {"agent": {"llm": llm, "tools": tool_specs}, "workspace": {"working_dir": working_dir}}
    if prompt is not None:
        body["initial_message"] = {"role": "user", "content": [{"type": "text", "text": prompt}]}
    for key, value in (("max_iterations", max_iterations), ("conversation_id", conversation_id),
                       ("autotitle", autotitle), ("tags", tags)):
        if value is not None:
            body[key] = value
    return StartConversationRequest.from_dict(body)


def message_request(text: str, run: bool) -> SendMessageRequest:
    from openhands_api_agent.models import SendMessageRequest

    return SendMessageRequest.from_dict({"role": "user", "content": [{"type": "text", "text": text}], "run": run})


def bash_request(command: str, cwd: str | None, timeout_s: int | None) -> tuple[ExecuteBashRequest, httpx.Timeout]:
    """The body of ``execute_bash_command`` and the HTTP timeout it needs (the answer comes when the
    command ends: its whole timeout, server default 300 s, plus the usual read time)."""
    from openhands_api_agent.models import ExecuteBashRequest

    body: dict[str, Any] = {"command": command}
    if cwd is not None:
        body["cwd"] = _require_absolute(cwd)
    if timeout_s is not None:
        body["timeout"] = int(timeout_s)
    command_timeout = float(timeout_s if timeout_s is not None else 300)
    http_timeout = httpx.Timeout(command_timeout + C.DEFAULT_TIMEOUT.read, connect=C.DEFAULT_TIMEOUT.connect)  # type: ignore[operator]
    return ExecuteBashRequest.from_dict(body), http_timeout


def bash_result(command: str, out: BashOutput) -> BashResult:
    stderr = out.stderr if isinstance(out.stderr, str) else ""
    exit_code = out.exit_code if isinstance(out.exit_code, int) else None
    # -1 means "killed on timeout" unless the server itself could not start the command.
    timed_out = exit_code == -1 and not stderr.startswith("Error executing command")
    return BashResult(command=command, exit_code=exit_code, stdout=out.stdout if isinstance(out.stdout, str) else "",
                      stderr=stderr, timed_out=timed_out, raw=out)


def upload_body(payload: IO[bytes], remote_path: str) -> UploadFileBody:
    from openhands_api_agent.models import UploadFileBody
    from openhands_api_agent.types import File

    return UploadFileBody(file=File(payload=cast("BinaryIO", payload), file_name=PurePosixPath(remote_path).name))


class AgentServerClient:
    """A client for one agent server (``url`` + session key).

    ``session_key`` defaults to ``$OH_SESSION_API_KEY``. One keep-alive connection pool is shared by
    every call; close it with :meth:`close` or use the client as a context manager.
    """

    def __init__(
        self,
        url: str,
        session_key: str | Secret | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key = session_key_from(session_key)
        self._transport = Transport(
            url, auth=SessionKeyAuth(self._key), timeout=timeout, max_retries=max_retries, http_transport=http_transport
        )

    @property
    def url(self) -> str:
        return self._transport.base_url

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> AgentServerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AgentServerClient(url={self.url!r}, session_key={MASK!r})"

    # --- server -------------------------------------------------------------------------------------

    def server_info(self) -> ServerInfo:
        from openhands_api_agent.api.server import get_server_info

        return cast("ServerInfo", self._transport.call(get_server_info))

    def is_alive(self) -> bool:
        """True when ``/health`` answers ok (no key needed)."""
        from openhands_api_agent.api.server import get_health

        return getattr(self._transport.call(get_health), "status", None) == "ok"

    def is_ready(self) -> bool:
        """True when ``/ready`` answers ready: the server accepts conversations (no key needed)."""
        from openhands_api_agent.api.server import get_ready

        return getattr(self._transport.call(get_ready), "status", None) == "ready"

    # --- conversations ------------------------------------------------------------------------------

    def start_conversation(
        self,
        *,
        working_dir: str,
        llm_model: str,
        llm_api_key: str | Secret | None = None,
        llm_base_url: str | None = None,
        prompt: str | None = None,
        tools: Sequence[str] = ("terminal",),
        terminal_type: TerminalType | None = None,
        max_iterations: int | None = None,
        conversation_id: str | None = None,
        autotitle: bool | None = None,
        tags: dict[str, str] | None = None,
        llm_extra: dict[str, Any] | None = None,
    ) -> ConversationInfo:
        """Start a conversation; with ``prompt`` the agent starts running at once.

        ``terminal_type="subprocess"`` makes terminal output deterministic (the default tmux
        terminal's text varies between runs). The LLM key is sent once and never echoed back.
        """
        from openhands_api_agent.api.conversations import start_conversation

        # Not retried: a retry after a lost answer would start a second conversation.
        body = start_request(
            working_dir=working_dir, llm_model=llm_model, llm_api_key=llm_api_key, llm_base_url=llm_base_url, prompt=prompt,
            tools=tools, terminal_type=terminal_type, max_iterations=max_iterations, conversation_id=conversation_id,
            autotitle=autotitle, tags=tags, llm_extra=llm_extra,
        )
        return cast("ConversationInfo", self._transport.call(start_conversation, body=body, retry=False))

    def get_conversation(self, conversation_id: str) -> ConversationInfo:
        from openhands_api_agent.api.conversations import get_conversation

        return cast("ConversationInfo", self._transport.call(get_conversation, conversation_id=conversation_id))

    def get_conversations(self, conversation_ids: Sequence[str]) -> list[ConversationInfo | None]:
        """Several conversations at once, in order; ``None`` where an id is unknown."""
        from openhands_api_agent.api.conversations import get_conversations_batch

        return cast("list[ConversationInfo | None]", self._transport.call(get_conversations_batch, ids=list(conversation_ids)))

    def search_conversations(
        self, *, limit: int | None = None, page_id: str | None = None, status: str | None = None, sort_order: str | None = None
    ) -> ConversationPage:
        """One page of conversations (newest first by default)."""
        from openhands_api_agent.api.conversations import search_conversations

        check_limit(limit)
        return cast("ConversationPage", self._transport.call(
            search_conversations, limit=limit, page_id=page_id or None, status=status, sort_order=sort_order
        ))

    def iter_conversations(
        self, *, status: str | None = None, sort_order: str | None = None, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None
    ) -> Pager[ConversationInfo]:
        """Every conversation, fetching pages lazily."""
        return Pager.over(self.search_conversations, page_size=page_size, max_items=max_items, status=status, sort_order=sort_order)

    def count_conversations(self, status: str | None = None) -> int:
        from openhands_api_agent.api.conversations import count_conversations

        return cast(int, self._transport.call(count_conversations, status=status))

    def delete_conversation(self, conversation_id: str) -> None:
        from openhands_api_agent.api.conversations import delete_conversation

        self._transport.call(delete_conversation, conversation_id=conversation_id)

    def run(self, conversation_id: str) -> None:
        """Start or resume the agent loop (ConflictError if it is already running)."""
        from openhands_api_agent.api.conversations import run_conversation

        self._transport.call(run_conversation, conversation_id=conversation_id, retry=False)

    def pause(self, conversation_id: str) -> None:
        """Ask the agent to pause; it stops after the step in flight."""
        from openhands_api_agent.api.conversations import pause_conversation

        self._transport.call(pause_conversation, conversation_id=conversation_id, retry=False)

    def send_message(self, conversation_id: str, text: str, *, run: bool = False) -> None:
        """Append a user message; ``run=True`` also starts the agent loop."""
        from openhands_api_agent.api.conversations import send_message

        self._transport.call(send_message, conversation_id=conversation_id, body=message_request(text, run), retry=False)

    def wait_until_finished(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        on_progress: Callable[[ConversationInfo], None] | None = None,
        stop_on: Iterable[str] = FINISHED_STATUSES | NEEDS_USER_STATUSES,
        sleep: Callable[[float], None] | None = None,
    ) -> ConversationInfo:
        """Poll the conversation (with backoff) until its execution status is in ``stop_on``.

        By default that is finished/error/stuck, plus paused/waiting_for_confirmation, which never
        move on without you. Raises :class:`WaitTimeoutError` naming the last status.
        """
        stops = frozenset(stop_on)
        kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        return poll_until(
            lambda: self.get_conversation(conversation_id),
            lambda conv: str(conv.execution_status) in stops,
            timeout_s=timeout_s,
            describe=lambda conv: f"execution_status={conv.execution_status}",
            on_progress=on_progress,
            what=f"conversation {conversation_id}",
            **kwargs,
        )

    # --- events -------------------------------------------------------------------------------------

    def search_events(
        self,
        conversation_id: str,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        body: str | None = None,
        sort_order: str | None = None,
        timestamp_gte: str | None = None,
        timestamp_lt: str | None = None,
    ) -> EventPage:
        """One page of events (oldest first by default; ``kind`` is an event class such as ActionEvent)."""
        from openhands_api_agent.api.events import search_events

        check_limit(limit)
        return cast("EventPage", self._transport.call(
            search_events, conversation_id=conversation_id, limit=limit, page_id=page_id, kind=kind, source=source,
            body=body, sort_order=sort_order, timestamp_gte=timestamp_gte, timestamp_lt=timestamp_lt,
        ))

    def iter_events(
        self,
        conversation_id: str,
        *,
        kind: str | None = None,
        source: str | None = None,
        sort_order: str | None = None,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Pager[Event]:
        """Every event, following ``next_page_id`` lazily (one request per page, when reached)."""
        return Pager.over(functools.partial(self.search_events, conversation_id), page_size=page_size, max_items=max_items,
                          kind=kind, source=source, sort_order=sort_order)

    def count_events(self, conversation_id: str, *, kind: str | None = None, source: str | None = None) -> int:
        """The server's own count (404 → NotFoundError for an unknown conversation)."""
        from openhands_api_agent.api.events import count_events

        return cast(int, self._transport.call(count_events, conversation_id=conversation_id, kind=kind, source=source))

    def count_events_by_kind(self, conversation_id: str) -> Counter[str]:
        """Events per ``kind`` (ActionEvent, ObservationEvent ...), read through every page."""
        return Counter(str(event.kind) for event in self.iter_events(conversation_id))

    def get_event(self, conversation_id: str, event_id: str) -> Event:
        from openhands_api_agent.api.events import get_event

        return cast("Event", self._transport.call(get_event, conversation_id=conversation_id, event_id=event_id))

    # --- bash ---------------------------------------------------------------------------------------

    def bash(self, command: str, *, cwd: str | None = None, timeout_s: int | None = None) -> BashResult:
        """Run ``command`` and wait for it. A non-zero exit is returned, not raised.

        When the command outlives ``timeout_s`` (server default 300 s) the server kills it and
        answers exit code -1 with the output so far: ``timed_out`` is then True.
        """
        from openhands_api_agent.api.bash import execute_bash_command

        body, http_timeout = bash_request(command, cwd, timeout_s)
        out = self._transport.call(execute_bash_command, body=body, retry=False, timeout=http_timeout)
        return bash_result(command, cast("BashOutput", out))

    # --- files --------------------------------------------------------------------------------------

    def upload_file(self, source: str | os.PathLike[str] | bytes | IO[bytes], remote_path: str) -> UploadResult:
        """Write ``source`` (a local path, bytes, or a binary file object) to ``remote_path`` (absolute).

        Parent folders are created; an existing file is overwritten. A local file is streamed.
        """
        from openhands_api_agent.api.files import upload_file

        _require_absolute(remote_path)
        if isinstance(source, bytes | bytearray):
            source = io.BytesIO(bytes(source))
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as fh:
                return cast("UploadResult", self._transport.call(upload_file, path=remote_path, body=upload_body(fh, remote_path), retry=False))
        return cast("UploadResult", self._transport.call(upload_file, path=remote_path, body=upload_body(source, remote_path), retry=False))

    def download_file(self, remote_path: str, local_path: str | os.PathLike[str]) -> int:
        """Stream ``remote_path`` into ``local_path``; return the number of bytes written.

        The bytes go to a temporary file beside ``local_path`` that is renamed only when the whole
        body has arrived: on any error (NotFoundError for a missing file ...) no partial file is left.
        """
        _require_absolute(remote_path)
        return self._transport.download("/api/file/download", local_path, params={"path": remote_path})

    def read_file(self, remote_path: str) -> bytes:
        """The whole content of ``remote_path`` in memory (use :meth:`download_file` for large files)."""
        from openhands_api_agent.api.files import download_file

        _require_absolute(remote_path)
        result = self._transport.call(download_file, path=remote_path)
        return cast(bytes, result.payload.read())

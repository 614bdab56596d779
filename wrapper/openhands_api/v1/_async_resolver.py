"""From a V1 id (conversation, start task or sandbox) to a ready agent server: URL + session key.

Where the two values live on a V1 app server (measured on 1.11.0; Cloud sends the same fields):

* the **start task** has ``agent_server_url`` (from STARTING_CONVERSATION on) and ``sandbox_id``,
  but no key;
* the **app conversation** has ``conversation_url`` = ``<agent server>/api/conversations/<id>`` and
  ``session_api_key``, both null unless its sandbox is RUNNING;
* the **sandbox** has ``exposed_urls`` (the entry named ``AGENT_SERVER``) and ``session_api_key``,
  again null unless RUNNING.

URLs are tried in that order, keys from the conversation, then the sandbox. The sandbox status is
checked *before* anything talks to the agent server: a PAUSED sandbox (SIGSTOP on process
sandboxes) makes agent-server calls hang rather than fail. It is resumed and waited for by
default; MISSING or ERROR end in :class:`ResolverError` naming the step that failed.

The resolver needs only the reads of :class:`AsyncV1Lookups`, not the client: the client passes
itself (and the options for the agent-server client) in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from openhands_api_v1.models import AppConversation, AppConversationStartTask, SandboxInfo

from .. import _constants as C
from .._exceptions import ResolverError
from .._ids import is_uuid
from .._models import present
from .._secret import MASK, Secret
from ..agent import AsyncAgentServerClient
from ._shapes import (
    AGENT_SERVER_URL_NAME,
    agent_base_from_conversation_url,
    agent_url_from_sandbox,
    check_sandbox_usable,
)


class AsyncV1Lookups(Protocol):
    """What the resolver reads from a V1 app server."""

    async def get_conversations(self, conversation_ids: Sequence[str]) -> list[AppConversation | None]: ...
    async def get_start_tasks(self, task_ids: Sequence[str]) -> list[AppConversationStartTask | None]: ...
    async def get_sandboxes(self, sandbox_ids: Sequence[str]) -> list[SandboxInfo | None]: ...
    async def resume_sandbox(self, sandbox_id: str) -> SandboxInfo | None: ...
    async def wait_sandbox_running(self, sandbox_id: str, *, timeout_s: float) -> SandboxInfo: ...


@dataclass(frozen=True)
class AsyncResolvedAgentServer:
    """A resolved agent server. The key never shows in repr; ``client()`` builds the agent client."""

    url: str
    session_key: Secret = field(repr=False)
    conversation_id: str | None
    sandbox_id: str | None
    start_task_id: str | None
    url_source: str
    key_source: str
    resumed: bool = False
    steps: tuple[str, ...] = ()
    client_kwargs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def client(self, **kwargs: Any) -> AsyncAgentServerClient:
        """An agent-server client for this server, with the V1 client's options (close it when done)."""
        return AsyncAgentServerClient(self.url, self.session_key, **{**self.client_kwargs, **kwargs})

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(url={self.url!r}, session_key={MASK!r}, conversation_id={self.conversation_id!r}, "
            f"sandbox_id={self.sandbox_id!r}, url_source={self.url_source!r}, resumed={self.resumed})"
        )


async def _identify(api: AsyncV1Lookups, any_id: str, steps: list[str]) -> tuple[
        AppConversationStartTask | None, AppConversation | None, SandboxInfo | None]:
    """Find what ``any_id`` names. Conversation and start-task ids are UUIDs; sandbox ids are not
    on self-hosted servers (22 base62 characters), so a non-UUID goes straight to the sandboxes."""
    if is_uuid(any_id):
        conv = (await api.get_conversations([any_id]))[0]
        if conv is not None:
            steps.append(f"{any_id} is a conversation")
            return None, conv, None
        task = (await api.get_start_tasks([any_id]))[0]
        if task is not None:
            steps.append(f"{any_id} is a start task ({task.status})")
            return task, None, None
    sandbox = (await api.get_sandboxes([any_id]))[0]
    if sandbox is not None:
        steps.append(f"{any_id} is a sandbox ({sandbox.status})")
        return None, None, sandbox
    raise ResolverError(
        f"no conversation, start task or sandbox has id {any_id}", step="identify",
        hint="check the id with `openhands-api search-conversations` or `openhands-api sandboxes`",
    )


def _url_of(task: AppConversationStartTask | None, conv: AppConversation | None,
            sandbox: SandboxInfo) -> tuple[str, str]:
    """The agent server URL and where it came from: start task, then conversation, then sandbox.

    The URL comes from the server: one that is not http(s) is the server's fault, a ResolverError
    (not the ConfigurationError a bad URL from the caller would be)."""
    url, source = _named_url(task, conv, sandbox)
    if not url.startswith(("http://", "https://")):
        raise ResolverError(f"the {source} is not an http(s) URL: {url[:100]!r}", step="url",
                            hint="the app server named an agent server this client cannot reach")
    return url, source


def _named_url(task: AppConversationStartTask | None, conv: AppConversation | None,
               sandbox: SandboxInfo) -> tuple[str, str]:
    task_url = present(task.agent_server_url) if task is not None else None
    if task_url:
        return task_url.rstrip("/"), "start task agent_server_url"
    conversation_url = present(conv.conversation_url) if conv is not None else None
    url = agent_base_from_conversation_url(conversation_url) if conversation_url else None
    if url is not None:
        return url, "conversation conversation_url"
    url = agent_url_from_sandbox(sandbox)
    if url is None:
        raise ResolverError(f"neither the start task, the conversation nor sandbox {sandbox.id} names an agent server URL",
                            step="url", hint="the sandbox may still be starting; retry in a few seconds")
    return url, f"sandbox exposed_urls[{AGENT_SERVER_URL_NAME}]"


def _key_of(conv: AppConversation | None, sandbox: SandboxInfo) -> tuple[str, str]:
    """The session key and where it came from: conversation, then sandbox."""
    conversation_key = present(conv.session_api_key) if conv is not None else None
    if conversation_key:
        return conversation_key, "conversation session_api_key"
    sandbox_key = present(sandbox.session_api_key)
    if sandbox_key:
        return sandbox_key, "sandbox session_api_key"
    raise ResolverError(f"no session key for sandbox {sandbox.id}", step="key",
                        hint="the server hides it unless the sandbox is RUNNING and you own it")


async def resolve_agent_server(
    api: AsyncV1Lookups,
    any_id: str,
    *,
    client_kwargs: dict[str, Any],
    resume: bool = True,
    timeout_s: float = C.V1_SANDBOX_WAIT_TIMEOUT_S,
    on_progress: Callable[[str], None] | None = None,
) -> AsyncResolvedAgentServer:
    """Resolve ``any_id`` (see the module docstring). ``client_kwargs`` go to the agent-server client."""
    steps: list[str] = []

    def note(message: str) -> None:
        steps.append(message)
        if on_progress is not None:
            on_progress(message)

    task, conv, sandbox = await _identify(api, any_id.strip(), steps)

    # Start task → its conversation and sandbox.
    if task is not None:
        status = str(task.status)
        if status == "ERROR":
            detail = present(task.detail) or "(no detail)"
            raise ResolverError(f"start task {task.id} ended in ERROR: {detail}", step="start task",
                                hint="start a new conversation; the failed one has no agent server")
        conversation_id = present(task.app_conversation_id)
        if conversation_id:
            conv = (await api.get_conversations([conversation_id]))[0]
        if conv is None and not present(task.sandbox_id):
            raise ResolverError(f"start task {task.id} is still {status}: it has no sandbox yet", step="start task",
                                hint="wait for it first (wait_until_ready / `openhands-api start-conversation` waits)")

    sandbox_id = (present(sandbox.id) if sandbox is not None else None) \
        or (present(conv.sandbox_id) if conv is not None else None) \
        or (present(task.sandbox_id) if task is not None else None)
    if sandbox is None and sandbox_id:
        sandbox = (await api.get_sandboxes([sandbox_id]))[0]
        if sandbox is None:
            raise ResolverError(f"sandbox {sandbox_id} does not exist any more", step="sandbox",
                                hint="it was deleted (or the server restarted and forgot it): start a new conversation")
    if sandbox is None:
        raise ResolverError(f"{any_id} names no sandbox", step="sandbox")

    # Check the status before touching the agent server: PAUSED would hang, not fail.
    resumed = False
    status = str(sandbox.status)
    note(f"sandbox {sandbox.id} is {status}")
    check_sandbox_usable(status, f"sandbox {sandbox.id}", paused_ok=resume)
    if status == "PAUSED":
        note(f"resuming sandbox {sandbox.id}")
        await api.resume_sandbox(str(sandbox.id))
        resumed = True
        status = "STARTING"
    if status == "STARTING":
        sandbox = await api.wait_sandbox_running(str(sandbox.id), timeout_s=timeout_s)
        note(f"sandbox {sandbox.id} is RUNNING")
        if conv is not None:  # URL and key appear on the conversation only while RUNNING
            conv = (await api.get_conversations([conv.id]))[0]
    elif status != "RUNNING":
        raise ResolverError(f"sandbox {sandbox.id} has status {status!r}, which this client does not know",
                            step="sandbox", hint="upgrade openhands-api, or resume/inspect the sandbox by hand")

    url, url_source = _url_of(task, conv, sandbox)
    key, key_source = _key_of(conv, sandbox)
    note(f"agent server {url} (url from {url_source}, key from {key_source})")
    return AsyncResolvedAgentServer(
        url=url,
        session_key=Secret(key),
        conversation_id=conv.id if conv is not None else None,
        sandbox_id=str(sandbox.id),
        start_task_id=task.id if task is not None else None,
        url_source=url_source,
        key_source=key_source,
        resumed=resumed,
        steps=tuple(steps),
        client_kwargs=client_kwargs,
    )

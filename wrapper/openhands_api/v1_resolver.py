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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._exceptions import ResolverError
from ._secret import MASK, Secret

if TYPE_CHECKING:
    from openhands_api_v1.models import AppConversation, AppConversationStartTask, SandboxInfo

    from .agent import AgentServerClient
    from .v1 import OpenHandsV1

AGENT_SERVER_URL_NAME = "AGENT_SERVER"
_CONVERSATION_PATH = "/api/conversations"


@dataclass(frozen=True)
class ResolvedAgentServer:
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

    def client(self, **kwargs: Any) -> AgentServerClient:
        """An :class:`~openhands_api.agent.AgentServerClient` for this server (close it when done)."""
        from .agent import AgentServerClient

        return AgentServerClient(self.url, self.session_key, **{**self.client_kwargs, **kwargs})

    def __repr__(self) -> str:
        return (
            f"ResolvedAgentServer(url={self.url!r}, session_key={MASK!r}, conversation_id={self.conversation_id!r}, "
            f"sandbox_id={self.sandbox_id!r}, url_source={self.url_source!r}, resumed={self.resumed})"
        )


def agent_base_from_conversation_url(conversation_url: str) -> str | None:
    """``http://host:port/api/conversations/<id>`` → ``http://host:port`` (None if not that shape)."""
    index = conversation_url.find(_CONVERSATION_PATH)
    if index <= 0:
        return None
    return conversation_url[:index].rstrip("/")


def agent_url_from_sandbox(sandbox: SandboxInfo) -> str | None:
    from ._models import present

    for exposed in present(sandbox.exposed_urls) or []:
        if str(exposed.name) == AGENT_SERVER_URL_NAME and exposed.url:
            return str(exposed.url).rstrip("/")
    return None


def _identify(api: OpenHandsV1, any_id: str, steps: list[str]) -> tuple[
        AppConversationStartTask | None, AppConversation | None, SandboxInfo | None]:
    """Find what ``any_id`` names. Conversation and start-task ids are UUIDs; sandbox ids are not
    on self-hosted servers (22 base62 characters), so a non-UUID goes straight to the sandboxes."""
    from ._ids import is_uuid

    if is_uuid(any_id):
        conv = api.get_conversations([any_id])[0]
        if conv is not None:
            steps.append(f"{any_id} is a conversation")
            return None, conv, None
        task = api.get_start_tasks([any_id])[0]
        if task is not None:
            steps.append(f"{any_id} is a start task ({task.status})")
            return task, None, None
    sandbox = api.get_sandboxes([any_id])[0]
    if sandbox is not None:
        steps.append(f"{any_id} is a sandbox ({sandbox.status})")
        return None, None, sandbox
    raise ResolverError(
        f"no conversation, start task or sandbox has id {any_id}", step="identify",
        hint="check the id with `openhands-api search-conversations` or `openhands-api sandboxes`",
    )


def resolve_agent_server(
    api: OpenHandsV1,
    any_id: str,
    *,
    resume: bool = True,
    timeout_s: float = 120.0,
    on_progress: Callable[[str], None] | None = None,
) -> ResolvedAgentServer:
    """Resolve ``any_id`` (see the module docstring); used by :meth:`OpenHandsV1.resolve_agent_server`."""
    from ._models import present

    steps: list[str] = []

    def note(message: str) -> None:
        steps.append(message)
        if on_progress is not None:
            on_progress(message)

    task, conv, sandbox = _identify(api, any_id.strip(), steps)

    # Start task → its conversation and sandbox.
    if task is not None:
        status = str(task.status)
        if status == "ERROR":
            detail = present(task.detail) or "(no detail)"
            raise ResolverError(f"start task {task.id} ended in ERROR: {detail}", step="start task",
                                hint="start a new conversation; the failed one has no agent server")
        conversation_id = present(task.app_conversation_id)
        if conversation_id:
            conv = api.get_conversations([conversation_id])[0]
        sandbox_id = present(task.sandbox_id)
        if conv is None and not sandbox_id:
            raise ResolverError(f"start task {task.id} is still {status}: it has no sandbox yet", step="start task",
                                hint="wait for it first (wait_until_ready / `openhands-api start-conversation` waits)")

    sandbox_id = (present(sandbox.id) if sandbox is not None else None) or (conv.sandbox_id if conv is not None and bool(present(conv.sandbox_id)) else None) \
        or (present(task.sandbox_id) if task is not None else None)
    if sandbox is None and sandbox_id:
        sandbox = api.get_sandboxes([sandbox_id])[0]
        if sandbox is None:
            raise ResolverError(f"sandbox {sandbox_id} does not exist any more", step="sandbox",
                                hint="it was deleted (or the server restarted and forgot it): start a new conversation")
    if sandbox is None:
        raise ResolverError(f"{any_id} names no sandbox", step="sandbox")

    # Check the status before touching the agent server: PAUSED would hang, not fail.
    resumed = False
    status = str(sandbox.status)
    note(f"sandbox {sandbox.id} is {status}")
    if status == "PAUSED":
        if not resume:
            raise ResolverError(f"sandbox {sandbox.id} is PAUSED; its agent server would hang", step="sandbox",
                                hint="resume it (resume=True, or `openhands-api resume-sandbox ID`)")
        note(f"resuming sandbox {sandbox.id}")
        api.resume_sandbox(str(sandbox.id))
        resumed = True
        status = "STARTING"
    if status == "STARTING":
        sandbox = api.wait_sandbox_running(str(sandbox.id), timeout_s=timeout_s)
        note(f"sandbox {sandbox.id} is RUNNING")
        if conv is not None:  # URL and key appear on the conversation only while RUNNING
            conv = api.get_conversations([conv.id])[0]
    elif status in ("MISSING", "ERROR"):
        raise ResolverError(f"sandbox {sandbox.id} is {status}", step="sandbox",
                            hint="its agent server is gone: start a new conversation")
    elif status != "RUNNING":
        raise ResolverError(f"sandbox {sandbox.id} has status {status!r}, which this client does not know",
                            step="sandbox", hint="upgrade openhands-api, or resume/inspect the sandbox by hand")

    # URL: start task, then conversation, then sandbox.
    url = url_source = None
    if task is not None and bool(present(task.agent_server_url)):
        url, url_source = str(task.agent_server_url).rstrip("/"), "start task agent_server_url"
    elif conv is not None and bool(present(conv.conversation_url)):
        url = agent_base_from_conversation_url(str(conv.conversation_url))
        url_source = "conversation conversation_url"
    if url is None:
        url = agent_url_from_sandbox(sandbox)
        url_source = f"sandbox exposed_urls[{AGENT_SERVER_URL_NAME}]"
    if url is None:
        raise ResolverError(f"neither the start task, the conversation nor sandbox {sandbox.id} names an agent server URL",
                            step="url", hint="the sandbox may still be starting; retry in a few seconds")

    # Key: conversation, then sandbox.
    key = key_source = None
    if conv is not None and bool(present(conv.session_api_key)):
        key, key_source = str(conv.session_api_key), "conversation session_api_key"
    elif present(sandbox.session_api_key):
        key, key_source = str(sandbox.session_api_key), "sandbox session_api_key"
    if key is None:
        raise ResolverError(f"no session key for sandbox {sandbox.id}", step="key",
                            hint="the server hides it unless the sandbox is RUNNING and you own it")
    note(f"agent server {url} (url from {url_source}, key from {key_source})")
    return ResolvedAgentServer(
        url=url,
        session_key=Secret(key),
        conversation_id=conv.id if conv is not None else None,
        sandbox_id=str(sandbox.id),
        start_task_id=task.id if task is not None else None,
        url_source=str(url_source),
        key_source=str(key_source),
        resumed=resumed,
        steps=tuple(steps),
        client_kwargs=api._agent_client_kwargs(),
    )

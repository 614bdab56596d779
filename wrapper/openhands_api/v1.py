"""The V1 app server client (``/api/v1/...``): self-hosted ``openhands-ai`` and OpenHands Cloud.

    from openhands_api.v1 import OpenHandsV1

    with OpenHandsV1() as oh:                      # base URL + key by discovery (see _auth)
        task = oh.start_conversation("say hello")  # a start task, not yet a conversation
        task = oh.wait_until_ready(task.id, on_progress=lambda t: print(t.status))
        conv = oh.wait_until_finished(task.app_conversation_id)
        agent = oh.resolve_agent_server(conv.id)   # URL + key of the sandbox's agent server
        with agent.client() as a:
            print(a.bash("echo hi").stdout)
        print(oh.count_events(conv.id))            # app -> agent -> zip, with the reasons

Every method returns the generated, typed models of ``openhands_api_v1`` (``.raw`` keeps the JSON);
errors are the classes of :mod:`openhands_api._exceptions` plus :class:`StartTaskFailedError`,
:class:`~openhands_api.v1_resolver.ResolverError` and
:class:`~openhands_api.v1_counting.EventCountError`.

Things about the real server this client hides (details in docs/v1-app-server.md):

* there is no ``GET /app-conversations/{id}``: single reads go through the batch endpoints, whose
  ``null`` entries become :class:`~openhands_api._exceptions.NotFoundError` here;
* an unknown conversation has 0 events and an empty event page (200, no 404), and a non-UUID id
  is answered with a bare 500: ids are checked locally and conversations are looked up first, so
  a typo is reported as "invalid id" / "not found", never as 0 events;
* starting is asynchronous: ``POST /app-conversations`` answers with a *start task* whose id is
  not a conversation id; using one where a conversation id is expected gets a hint saying so;
* ``DELETE /sandboxes/{id}`` really reads the query ``sandbox_id``;
* the trajectory download is a zip (declared JSON upstream) and is streamed to disk here;
* 10 requests/s per client, then 429 + Retry-After: retried by the transport.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import httpx

from . import _constants as C
from ._auth import AppCredentials, AuthScheme, discover_app_credentials
from ._exceptions import (
    InvalidArgumentError,
    NotFoundError,
    OpenHandsAPIError,
    ResolverError,
    StartTaskFailedError,
    StartTaskTimeout,
    UnexpectedContentError,
    WaitTimeoutError,
)
from ._ids import check_uuid
from ._models import present
from ._pagination import Pager, check_limit
from ._polling import poll_until
from ._secret import MASK, Secret
from ._transport import Transport
from .v1_counting import CountSource, EventCount, compare_event_counts, count_events
from .v1_resolver import ResolvedAgentServer, resolve_agent_server

if TYPE_CHECKING:
    from openhands_api_agent.models import BashOutput as AgentBashOutput
    from openhands_api_agent.models import EventPage as AgentEventPage
    from openhands_api_agent.models import UploadResult as AgentUploadResult
    from openhands_api_v1.models import (
        ActionEvent,
        AgentErrorEvent,
        AppConversation,
        AppConversationPage,
        AppConversationStartTask,
        AppConversationStartTaskPage,
        ConversationErrorEvent,
        ConversationStateUpdateEvent,
        EventPage,
        MessageEvent,
        ObservationEvent,
        PauseEvent,
        SandboxInfo,
        SandboxPage,
        SandboxSpecInfo,
        SandboxSpecPage,
        Settings,
        StreamingDeltaEvent,
        SystemPromptEvent,
        UnknownEvent,
        UserInfo,
    )

    from .agent import AgentServerClient

    #: Any stored event; ``UnknownEvent`` is a kind this client does not model (all fields kept).
    Event: TypeAlias = (
        ActionEvent
        | ObservationEvent
        | MessageEvent
        | ConversationStateUpdateEvent
        | SystemPromptEvent
        | StreamingDeltaEvent
        | PauseEvent
        | AgentErrorEvent
        | ConversationErrorEvent
        | UnknownEvent
    )

__all__ = [
    "FINISHED_EXECUTION_STATUSES",
    "START_TASK_ACTIVE_STATUSES",
    "CountSource",
    "EventCount",
    "OpenHandsV1",
    "OpenHandsV1API",
    "ResolvedAgentServer",
    "ResolverError",
    "StartTaskFailedError",
    "StartedConversation",
]


#: Start-task statuses in the order a start goes through them (READY and ERROR end it).
START_TASK_ACTIVE_STATUSES = (
    "WORKING",
    "WAITING_FOR_SANDBOX",
    "PREPARING_REPOSITORY",
    "RUNNING_SETUP_SCRIPT",
    "SETTING_UP_GIT_HOOKS",
    "SETTING_UP_SKILLS",
    "STARTING_CONVERSATION",
)
#: Execution statuses after which a conversation does not move on by itself.
FINISHED_EXECUTION_STATUSES = frozenset({"finished", "error", "stuck"})
#: ... and those that wait for the user (the agent will not continue without a message/confirmation).
NEEDS_USER_EXECUTION_STATUSES = frozenset({"paused", "waiting_for_confirmation"})

# Polling a start task: about 2 s growing to 10 s (a sandbox takes 15-25 s to boot locally, longer
# on Cloud), and polite to the 10 requests/s limit.
START_POLL_INITIAL_S = 2.0
START_POLL_MAX_S = 10.0
START_POLL_FACTOR = 1.5
DEFAULT_START_TIMEOUT_S = 600.0

def check_conversation_id(conversation_id: str, *, what: str = "conversation id") -> str:
    """Reject a malformed id before any request (the events routes answer it with a bare 500)."""
    return check_uuid(conversation_id, what=what,
                      hint="copy the id from `openhands-api search-conversations`; sandbox ids are not conversation ids")


def _typed_items(items: Sequence[Any], cls_name: str, response_hint: str) -> list[Any]:
    """A batch answer whose item did not parse comes back as a plain dict: refuse it loudly."""
    for item in items:
        if isinstance(item, dict):
            raise UnexpectedContentError(
                f"{response_hint}: an item does not match this client's {cls_name} schema", raw=item
            )
    return list(items)


@dataclass(frozen=True)
class StartedConversation:
    """What :meth:`OpenHandsV1.start_conversation_and_wait` returns."""

    task: AppConversationStartTask
    conversation: AppConversation

    @property
    def conversation_id(self) -> str:
        return self.conversation.id


def _compose_prompt(prompt: str | None, prompt_file: str | os.PathLike[str] | None,
                    append_file: str | os.PathLike[str] | None) -> str:
    """The initial message: ``prompt`` or the file's text, with ``append_file``'s text after a blank line."""
    if (prompt is None) == (prompt_file is None):
        raise InvalidArgumentError("give exactly one of prompt= and prompt_file=")
    if prompt_file is not None:
        try:
            text = Path(prompt_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidArgumentError(f"cannot read the prompt file {str(prompt_file)!r}: {exc.strerror}") from exc
    else:
        text = cast(str, prompt)
    if append_file is not None:
        try:
            tail = Path(append_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidArgumentError(f"cannot read the file to append {str(append_file)!r}: {exc.strerror}") from exc
        text = f"{text}\n\n{tail}"
    if not text.strip():
        raise InvalidArgumentError("the prompt is empty")
    return text


class OpenHandsV1:
    """A client for one V1 app server.

    Credentials come from :func:`openhands_api._auth.discover_app_credentials`: ``api_key=``, then
    ``OPENHANDS_API_KEY`` / ``OPENHANDS_CLOUD_API_KEY`` / ``OH_API_KEY``, then a key file; the base
    URL from ``base_url=``, ``OPENHANDS_BASE_URL`` / ``OPENHANDS_APP_BASE``, else Cloud. Cloud gets
    ``Authorization: Bearer``, a loopback/private host ``X-Session-API-Key`` (override with
    ``auth_scheme=``). ``credentials=`` takes an already discovered :class:`AppCredentials`.

    ``http_transport`` is used for the app server and ``agent_http_transport`` for the agent
    servers the resolver finds (tests pass ``httpx.MockTransport`` objects here).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | Secret | None = None,
        auth_scheme: AuthScheme | None = None,
        credentials: AppCredentials | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.BaseTransport | None = None,
        agent_http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.credentials = credentials or discover_app_credentials(api_key, base_url, auth_scheme)
        # Looked up at call time, so a test that patches time.sleep speeds up every wait.
        self._sleep: Callable[[float], None] = sleep or (lambda s: time.sleep(s))
        self._timeout = timeout
        self._max_retries = max_retries
        self._agent_http_transport = agent_http_transport
        self._transport = Transport(
            self.credentials.base_url, auth=self.credentials.auth(), timeout=timeout, max_retries=max_retries,
            http_transport=http_transport, sleep=self._sleep,
        )

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.credentials.base_url

    @property
    def api_v1_url(self) -> str:
        return f"{self.base_url}/api/v1"

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> OpenHandsV1:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        key = MASK if self.credentials.key is not None else None
        return f"{type(self).__name__}(base_url={self.base_url!r}, key={key!r}, scheme={self.credentials.scheme!r})"

    def _call(self, endpoint: Any, /, **kwargs: Any) -> Any:
        return self._transport.call(endpoint, **kwargs)

    # --- server, user, settings ---------------------------------------------------------------------

    def health(self) -> str:
        """``"OK"`` when the server is up (no key needed)."""
        from openhands_api_v1.api.server import get_health

        return cast(str, self._call(get_health))

    def me(self) -> UserInfo:
        """The current user. Self-hosted: the stored settings with ``id`` null and secrets masked."""
        from openhands_api_v1.api.users import get_current_user

        return cast("UserInfo", self._call(get_current_user))

    def get_settings(self) -> Settings:
        """The stored settings (NotFoundError until something was stored; the LLM key comes back null)."""
        from openhands_api_v1.api.settings import get_settings

        return cast("Settings", self._call(get_settings))

    def store_settings(self, *, agent_settings_diff: dict[str, Any] | None = None,
                       conversation_settings_diff: dict[str, Any] | None = None) -> None:
        """Merge partial settings into the stored ones (the server wants these *_diff objects)."""
        from openhands_api_v1.api.settings import store_settings
        from openhands_api_v1.models import SettingsUpdate

        body: dict[str, Any] = {}
        if agent_settings_diff is not None:
            body["agent_settings_diff"] = agent_settings_diff
        if conversation_settings_diff is not None:
            body["conversation_settings_diff"] = conversation_settings_diff
        if not body:
            raise InvalidArgumentError("nothing to store: pass agent_settings_diff= or conversation_settings_diff=")
        self._call(store_settings, body=SettingsUpdate.from_dict(body))

    def set_llm(self, model: str, *, base_url: str | None = None, api_key: str | Secret | None = None) -> None:
        """Store the LLM the agent of every new conversation uses (model, base URL, key)."""
        llm: dict[str, Any] = {"model": model}
        if base_url is not None:
            llm["base_url"] = base_url
        if api_key is not None:
            llm["api_key"] = api_key.reveal() if isinstance(api_key, Secret) else api_key
        self.store_settings(agent_settings_diff={"llm": llm})

    # --- starting conversations ---------------------------------------------------------------------

    @staticmethod
    def _start_body(prompt: str | None, prompt_file: str | os.PathLike[str] | None,
                    append_file: str | os.PathLike[str] | None, repository: str | None, branch: str | None,
                    title: str | None, run: bool, agent_type: str | None, llm_model: str | None,
                    git_provider: str | None) -> Any:
        from openhands_api_v1.models import AppConversationStartRequest

        body: dict[str, Any] = {}
        if prompt is not None or prompt_file is not None:
            text = _compose_prompt(prompt, prompt_file, append_file)
            body["initial_message"] = {"role": "user", "content": [{"type": "text", "text": text}], "run": bool(run)}
        elif append_file is not None:
            raise InvalidArgumentError("append_file= needs prompt= or prompt_file=")
        if repository is not None:
            if repository.count("/") != 1 or repository.startswith("/") or repository.endswith("/"):
                raise InvalidArgumentError(f"repository {repository!r} must look like owner/repo")
            body["selected_repository"] = repository
        for key, value in (("selected_branch", branch), ("title", title), ("agent_type", agent_type),
                           ("llm_model", llm_model), ("git_provider", git_provider)):
            if value is not None:
                body[key] = value
        return AppConversationStartRequest.from_dict(body)

    def start_conversation(
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
        from openhands_api_v1.api.app_conversations import start_app_conversation

        body = self._start_body(prompt, prompt_file, append_file, repository, branch, title, run, agent_type,
                                llm_model, git_provider)
        return cast("AppConversationStartTask", self._call(start_app_conversation, body=body, retry=False))

    def stream_start_conversation(
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
        timeout_s: float = DEFAULT_START_TIMEOUT_S,
    ) -> Iterator[AppConversationStartTask]:
        """Start a conversation and yield every start-task snapshot as the server streams it.

        ``POST /app-conversations/stream-start`` writes one JSON array, an element per status
        change, ending with READY or ERROR. Elements are decoded as they arrive, so every
        intermediate status (the fast ones that polling misses) is seen. Ends after the last one;
        an ERROR snapshot is yielded, then :class:`StartTaskFailedError` is raised.
        """
        import json

        from openhands_api_v1.models import AppConversationStartTask

        body = self._start_body(prompt, prompt_file, append_file, repository, branch, title, run, agent_type,
                                None, None)
        timeout = httpx.Timeout(timeout_s, connect=C.DEFAULT_TIMEOUT.connect)
        decoder = json.JSONDecoder()
        buffer = ""
        started = False
        last: AppConversationStartTask | None = None
        with self._transport.stream("POST", "/api/v1/app-conversations/stream-start", json=body.to_dict(),
                                    timeout=timeout) as response:
            for chunk in response.iter_text():
                buffer += chunk
                while True:
                    buffer = buffer.lstrip()
                    if not started:
                        if not buffer:
                            break
                        if buffer[0] != "[":
                            raise UnexpectedContentError("stream-start did not answer a JSON array",
                                                         response=response, raw=buffer[:200])
                        started, buffer = True, buffer[1:]
                        continue
                    if buffer[:1] in (",", "]"):
                        buffer = buffer[1:]
                        continue
                    if not buffer:
                        break
                    try:
                        item, end = decoder.raw_decode(buffer)
                    except json.JSONDecodeError:
                        break  # incomplete element: wait for more bytes
                    buffer = buffer[end:]
                    last = AppConversationStartTask.from_dict(item)
                    yield last
        if last is None:
            raise UnexpectedContentError("stream-start answered no start task")
        if str(last.status) == "ERROR":
            raise StartTaskFailedError(last)

    def get_start_tasks(self, task_ids: Sequence[str]) -> list[AppConversationStartTask | None]:
        """Start tasks by id, in order; ``None`` where an id is unknown."""
        from openhands_api_v1.api.start_tasks import batch_get_start_tasks

        if not task_ids:
            return []
        for task_id in task_ids:
            check_conversation_id(task_id, what="start task id")
        items = self._call(batch_get_start_tasks, ids=list(task_ids))
        return _typed_items(items, "AppConversationStartTask", "start tasks")

    def get_start_task(self, task_id: str) -> AppConversationStartTask:
        """One start task (NotFoundError if unknown; says so when the id is a conversation id)."""
        task = self.get_start_tasks([task_id])[0]
        if task is None:
            hint = "check the id"
            if self.get_conversations([task_id])[0] is not None:
                hint = "this is a conversation id, not a start-task id: use get_conversation() with it"
            raise self._not_found(f"no start task has id {task_id}", hint,
                                  f"/api/v1/app-conversations/start-tasks?ids={task_id}")
        return task

    def search_start_tasks(self, *, limit: int | None = None, page_id: str | None = None,
                           conversation_id: str | None = None, sort_order: str | None = None) -> AppConversationStartTaskPage:
        from openhands_api_v1.api.start_tasks import search_start_tasks

        check_limit(limit)
        return cast("AppConversationStartTaskPage", self._call(search_start_tasks,
            limit=limit, page_id=page_id, conversation_id_eq=conversation_id, sort_order=sort_order))

    def iter_start_tasks(self, *, conversation_id: str | None = None, sort_order: str | None = None,
                         page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None) -> Pager[AppConversationStartTask]:
        return Pager.over(self.search_start_tasks, page_size=page_size, max_items=max_items,
                          conversation_id=conversation_id, sort_order=sort_order)

    def count_start_tasks(self) -> int:
        from openhands_api_v1.api.start_tasks import count_start_tasks

        return cast(int, self._call(count_start_tasks))

    def wait_until_ready(
        self,
        task_id: str,
        *,
        timeout_s: float = DEFAULT_START_TIMEOUT_S,
        on_progress: Callable[[AppConversationStartTask], None] | None = None,
        initial_interval_s: float = START_POLL_INITIAL_S,
        max_interval_s: float = START_POLL_MAX_S,
    ) -> AppConversationStartTask:
        """Poll the start task (about 2 s growing to 10 s) until READY; return it.

        ERROR raises :class:`StartTaskFailedError` with the server's detail; running out of time
        raises :class:`WaitTimeoutError` naming the last status. ``on_progress`` sees every poll.
        """
        check_conversation_id(task_id, what="start task id")
        task = poll_until(
            lambda: self.get_start_task(task_id),
            lambda t: str(t.status) in ("READY", "ERROR"),
            timeout_s=timeout_s,
            describe=lambda t: f"status={t.status}",
            on_progress=on_progress,
            initial_interval_s=initial_interval_s,
            max_interval_s=max_interval_s,
            factor=START_POLL_FACTOR,
            what=f"start task {task_id}",
            sleep=self._sleep,
        )
        if str(task.status) == "ERROR":
            raise StartTaskFailedError(task)
        if not present(task.app_conversation_id):
            raise UnexpectedContentError(f"start task {task_id} is READY but names no app_conversation_id", raw=task.raw)
        return task

    def wait_until_finished(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        on_progress: Callable[[AppConversation], None] | None = None,
        stop_on: frozenset[str] = FINISHED_EXECUTION_STATUSES | NEEDS_USER_EXECUTION_STATUSES,
        initial_interval_s: float = START_POLL_INITIAL_S,
        max_interval_s: float = START_POLL_MAX_S,
    ) -> AppConversation:
        """Poll the conversation until its execution status is in ``stop_on`` (finished/error/stuck,
        paused/waiting_for_confirmation by default); return it.

        The execution status is only known while the sandbox runs: a sandbox that is PAUSED,
        MISSING or in ERROR raises :class:`ResolverError` at once instead of waiting in vain.
        """
        def done(conv: AppConversation) -> bool:
            sandbox_status = str(present(conv.sandbox_status) or "")
            if sandbox_status in ("PAUSED", "MISSING", "ERROR"):
                raise ResolverError(
                    f"conversation {conversation_id}: its sandbox is {sandbox_status}, so it cannot finish",
                    step="sandbox",
                    hint="resume a PAUSED sandbox (resume_sandbox / `openhands-api resume-sandbox`); "
                    "MISSING or ERROR means it is gone: start a new conversation",
                )
            return str(present(conv.execution_status)) in stop_on

        return poll_until(
            lambda: self.get_conversation(conversation_id),
            done,
            timeout_s=timeout_s,
            describe=lambda c: f"execution_status={present(c.execution_status)}, sandbox_status={present(c.sandbox_status)}",
            on_progress=on_progress,
            initial_interval_s=initial_interval_s,
            max_interval_s=max_interval_s,
            factor=START_POLL_FACTOR,
            what=f"conversation {conversation_id}",
            sleep=self._sleep,
        )

    def start_conversation_and_wait(
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
        timeout_s: float = DEFAULT_START_TIMEOUT_S,
        on_progress: Callable[[str], None] | None = None,
    ) -> StartedConversation:
        """Start, wait for READY, then (``wait_finished``) for a terminal execution status.

        ``on_progress`` receives one human line per status change ("start task: WAITING_FOR_SANDBOX").
        """
        last: dict[str, str] = {}

        def report(kind: str, status: str) -> None:
            if on_progress is not None and last.get(kind) != status:
                last[kind] = status
                on_progress(f"{kind}: {status}")

        deadline = time.monotonic() + timeout_s
        task = self.start_conversation(prompt, prompt_file=prompt_file, append_file=append_file, repository=repository,
                                       branch=branch, title=title, agent_type=agent_type)
        if on_progress is not None:
            on_progress(f"start task {task.id} created")
        report("start task", str(task.status))
        task = self.wait_until_ready(task.id, timeout_s=timeout_s,
                                     on_progress=lambda t: report("start task", str(t.status)))
        conversation_id = cast(str, present(task.app_conversation_id))
        report("conversation", f"{conversation_id} ready")
        if wait_finished:
            conversation = self.wait_until_finished(
                conversation_id, timeout_s=max(1.0, deadline - time.monotonic()),
                on_progress=lambda c: report("execution", str(present(c.execution_status))),
            )
        else:
            conversation = self.get_conversation(conversation_id)
        return StartedConversation(task=task, conversation=conversation)

    # --- app conversations --------------------------------------------------------------------------

    def _not_found(self, message: str, hint: str, path: str) -> NotFoundError:
        """A NotFoundError for a batch answer's ``null`` (HTTP 200 on the wire, "404" in meaning)."""
        request = httpx.Request("GET", f"{self.base_url}{path}")
        response = httpx.Response(404, request=request, json={"detail": message})
        return NotFoundError(message, response=response, body={"detail": message}, hint=hint)

    def get_conversations(self, conversation_ids: Sequence[str]) -> list[AppConversation | None]:
        """Conversations by id, in order; ``None`` where an id is unknown (InvalidArgumentError for a non-UUID)."""
        from openhands_api_v1.api.app_conversations import batch_get_app_conversations

        if not conversation_ids:
            return []
        ids = [check_conversation_id(cid) for cid in conversation_ids]
        items = self._call(batch_get_app_conversations, ids=ids)
        return _typed_items(items, "AppConversation", "app conversations")

    def get_conversation(self, conversation_id: str) -> AppConversation:
        """One conversation. Unknown → NotFoundError; a start-task id gets a hint naming its conversation."""
        conv = self.get_conversations([conversation_id])[0]
        if conv is not None:
            return conv
        raise self._conversation_not_found(conversation_id)

    def _conversation_not_found(self, conversation_id: str) -> NotFoundError:
        hint = "check the id with `openhands-api search-conversations`"
        try:
            task = self.get_start_tasks([conversation_id])[0]
        except OpenHandsAPIError:
            task = None
        if task is not None:
            target = present(task.app_conversation_id)
            hint = (
                f"{conversation_id} is a start-task id, not a conversation id; "
                + (f"its conversation is {target}" if target else f"its conversation is not ready yet (status {task.status})")
            )
        return self._not_found(f"no conversation has id {conversation_id}", hint,
                               f"/api/v1/app-conversations?ids={conversation_id}")

    def search_conversations(
        self,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        title_contains: str | None = None,
        sandbox_id: str | None = None,
        include_sub_conversations: bool | None = None,
    ) -> AppConversationPage:
        """One page of conversations, newest first."""
        from openhands_api_v1.api.app_conversations import search_app_conversations

        check_limit(limit)
        return cast("AppConversationPage", self._call(search_app_conversations,
            limit=limit, page_id=page_id, title_contains=title_contains, sandbox_id_eq=sandbox_id,
            include_sub_conversations=include_sub_conversations))

    def iter_conversations(self, *, title_contains: str | None = None, sandbox_id: str | None = None,
                           page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None) -> Pager[AppConversation]:
        """Every conversation, newest first, fetching pages lazily."""
        return Pager.over(self.search_conversations, page_size=page_size, max_items=max_items,
                          title_contains=title_contains, sandbox_id=sandbox_id)

    def count_conversations(self) -> int:
        from openhands_api_v1.api.app_conversations import count_app_conversations

        return cast(int, self._call(count_app_conversations))

    def delete_conversation(self, conversation_id: str) -> None:
        """Delete a conversation (its sandbox goes too unless shared; stored events stay on the server)."""
        from openhands_api_v1.api.app_conversations import delete_app_conversation

        self._call(delete_app_conversation, conversation_id=check_conversation_id(conversation_id))

    def download_trajectory(self, conversation_id: str, path: str | os.PathLike[str]) -> int:
        """Stream the conversation's trajectory zip to ``path``; return its size in bytes.

        Written to a temporary file beside ``path`` and renamed at the end: no partial file is
        left on error. Unknown conversation → NotFoundError.
        """
        check_conversation_id(conversation_id)
        return self._transport.download(f"/api/v1/app-conversations/{conversation_id}/download", path, html_is_error=True)

    # --- events -------------------------------------------------------------------------------------

    def search_events(
        self,
        conversation_id: str,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        kind: str | None = None,
        sort_order: str | None = None,
        timestamp_gte: str | None = None,
        timestamp_lt: str | None = None,
    ) -> EventPage:
        """One page of the events the app server stored (oldest first by default).

        Raw endpoint semantics: an unknown conversation gives an empty page. :meth:`iter_events`
        checks that the conversation exists first.
        """
        from openhands_api_v1.api.events import search_events

        check_conversation_id(conversation_id)
        check_limit(limit)
        return cast("EventPage", self._call(search_events, conversation_id=conversation_id,
            limit=limit, page_id=page_id, kind_eq=kind, sort_order=sort_order, timestamp_gte=timestamp_gte,
            timestamp_lt=timestamp_lt))

    def iter_events(self, conversation_id: str, *, kind: str | None = None, sort_order: str | None = None,
                    page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None,
                    check_exists: bool = True) -> Pager[Event]:
        """Every stored event of an existing conversation (NotFoundError otherwise), pages fetched lazily."""
        check_limit(page_size)
        if check_exists:
            self.get_conversation(conversation_id)

        return Pager.over(functools.partial(self.search_events, conversation_id), page_size=page_size,
                          max_items=max_items, kind=kind, sort_order=sort_order)

    def count_events_app(self, conversation_id: str, *, kind: str | None = None) -> int:
        """The app server's raw count. It answers 0 for an unknown id: prefer :meth:`count_events`."""
        from openhands_api_v1.api.events import count_events as count_events_endpoint

        check_conversation_id(conversation_id)
        return cast(int, self._call(count_events_endpoint, conversation_id=conversation_id, kind_eq=kind))

    def count_events(self, conversation_id: str, *, source: CountSource | None = None,
                     resume_paused: bool = False) -> EventCount:
        """Count a conversation's events: app server, else agent server, else trajectory zip.

        Returns the number, the source that answered and why earlier sources failed; ``source=``
        forces one. The sources count differently (see :data:`openhands_api.v1_counting.RELATION`).
        Unknown id → NotFoundError, malformed id → InvalidArgumentError: never a silent 0.
        A paused sandbox is not resumed for counting unless ``resume_paused=True`` (its agent
        server would hang); the zip is used instead.
        """
        return count_events(self, conversation_id, source=source, resume_paused=resume_paused)

    def compare_event_counts(self, conversation_id: str) -> dict[CountSource, EventCount | OpenHandsAPIError]:
        """Every source's count (or its error), for showing the relation between them."""
        return compare_event_counts(self, conversation_id)

    # --- sandboxes ----------------------------------------------------------------------------------

    def search_sandboxes(self, *, limit: int | None = None, page_id: str | None = None) -> SandboxPage:
        from openhands_api_v1.api.sandboxes import search_sandboxes

        check_limit(limit)
        return cast("SandboxPage", self._call(search_sandboxes, limit=limit, page_id=page_id))

    def iter_sandboxes(self, *, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None) -> Pager[SandboxInfo]:
        return Pager.over(self.search_sandboxes, page_size=page_size, max_items=max_items)

    def get_sandboxes(self, sandbox_ids: Sequence[str]) -> list[SandboxInfo | None]:
        """Sandboxes by id, in order; ``None`` where unknown."""
        from openhands_api_v1.api.sandboxes import batch_get_sandboxes

        if not sandbox_ids:
            return []
        items = self._call(batch_get_sandboxes, id=list(sandbox_ids))
        return _typed_items(items, "SandboxInfo", "sandboxes")

    def get_sandbox(self, sandbox_id: str) -> SandboxInfo:
        sandbox = self.get_sandboxes([sandbox_id])[0]
        if sandbox is None:
            raise self._not_found(f"no sandbox has id {sandbox_id}",
                                  "it may have been deleted; list them with `openhands-api sandboxes`",
                                  f"/api/v1/sandboxes?id={sandbox_id}")
        return sandbox

    def pause_sandbox(self, sandbox_id: str) -> None:
        """Pause a sandbox. Its agent server then hangs (no error) until resumed."""
        from openhands_api_v1.api.sandboxes import pause_sandbox

        self._call(pause_sandbox, sandbox_id=sandbox_id, retry=False)

    def resume_sandbox(self, sandbox_id: str, *, wait: bool = False, timeout_s: float = 120.0) -> SandboxInfo | None:
        """Resume a paused sandbox (fine on a running one); ``wait=True`` waits until RUNNING and returns it."""
        from openhands_api_v1.api.sandboxes import resume_sandbox

        self._call(resume_sandbox, sandbox_id=sandbox_id, retry=False)
        if not wait:
            return None
        return self.wait_sandbox_running(sandbox_id, timeout_s=timeout_s)

    def wait_sandbox_running(self, sandbox_id: str, *, timeout_s: float = 120.0,
                             on_progress: Callable[[SandboxInfo], None] | None = None) -> SandboxInfo:
        """Poll a sandbox until RUNNING; MISSING/ERROR raise :class:`ResolverError`."""
        def done(sandbox: SandboxInfo) -> bool:
            status = str(sandbox.status)
            if status in ("MISSING", "ERROR"):
                raise ResolverError(f"sandbox {sandbox_id} is {status}", step="sandbox",
                                    hint="it cannot be used any more: start a new conversation")
            return status == "RUNNING"

        return poll_until(lambda: self.get_sandbox(sandbox_id), done, timeout_s=timeout_s,
                          describe=lambda s: f"status={s.status}", on_progress=on_progress,
                          initial_interval_s=1.0, max_interval_s=5.0, what=f"sandbox {sandbox_id}", sleep=self._sleep)

    def delete_sandbox(self, sandbox_id: str) -> None:
        """Delete a sandbox and stop its agent server (the route reads the query ``sandbox_id``)."""
        from openhands_api_v1.api.sandboxes import delete_sandbox

        self._call(delete_sandbox, id=sandbox_id, sandbox_id=sandbox_id)

    def search_sandbox_specs(self, *, limit: int | None = None, page_id: str | None = None) -> SandboxSpecPage:
        from openhands_api_v1.api.sandboxes import search_sandbox_specs

        check_limit(limit)
        return cast("SandboxSpecPage", self._call(search_sandbox_specs, limit=limit, page_id=page_id))

    def iter_sandbox_specs(self, *, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None) -> Pager[SandboxSpecInfo]:
        return Pager.over(self.search_sandbox_specs, page_size=page_size, max_items=max_items)

    # --- agent servers ------------------------------------------------------------------------------

    def resolve_agent_server(self, any_id: str, *, resume: bool = True, timeout_s: float = 120.0,
                             on_progress: Callable[[str], None] | None = None) -> ResolvedAgentServer:
        """The agent server behind a conversation id, a start-task id or a sandbox id (URL + key).

        Order: the start task's ``agent_server_url``, the conversation's ``conversation_url`` (with
        its ``session_api_key``), the sandbox's ``AGENT_SERVER`` exposed URL (with its key). A PAUSED
        sandbox is resumed and waited for unless ``resume=False``. Failures raise
        :class:`ResolverError` naming the step.
        """
        return resolve_agent_server(self, any_id, resume=resume, timeout_s=timeout_s, on_progress=on_progress)

    def agent_client(self, any_id: str, *, resume: bool = True) -> AgentServerClient:
        """A ready :class:`~openhands_api.agent.AgentServerClient` for the id's agent server."""
        return self.resolve_agent_server(any_id, resume=resume).client()

    def _agent_client_kwargs(self) -> dict[str, Any]:
        return {"timeout": self._timeout, "max_retries": self._max_retries, "http_transport": self._agent_http_transport}


class OpenHandsV1API(OpenHandsV1):
    """Drop-in replacement for the seed script's ``OpenHandsV1API``: same method names, typed results.

    Switch with one import: ``from openhands_api.v1 import OpenHandsV1API``. Differences, all on
    purpose: results are typed models (``.raw`` is the seed's dict); errors are this package's
    classes (``raise_for_status`` errors were httpx's); the key and URL are found by discovery
    (the seed only read ``OPENHANDS_API_KEY`` and defaulted to Cloud); :meth:`poll_start_task_until_ready`
    raises :class:`StartTaskTimeout`, which is also a ``TimeoutError`` like the seed's.
    """

    def __init__(self, api_key: str | None = None, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, api_key=api_key, **kwargs)

    # app server -------------------------------------------------------------------------------------

    def users_me(self) -> UserInfo:
        return self.me()

    def app_conversations_search(self, *, limit: int = 20) -> AppConversationPage:
        return self.search_conversations(limit=min(max(1, int(limit)), C.MAX_PAGE_SIZE))

    def app_conversations_count(self) -> int:
        return self.count_conversations()

    def app_conversations_get_batch(self, *, ids: list[str]) -> list[AppConversation | None]:
        return self.get_conversations(ids)

    def app_conversation_get(self, conversation_id: str) -> AppConversation | None:
        """``None`` for an unknown id, like the seed (``get_conversation`` raises instead)."""
        return self.get_conversations([conversation_id])[0]

    def sandboxes_search(self, *, limit: int = 20) -> SandboxPage:
        return self.search_sandboxes(limit=min(max(1, int(limit)), C.MAX_PAGE_SIZE))

    def sandbox_specs_search(self, *, limit: int = 20) -> SandboxSpecPage:
        return self.search_sandbox_specs(limit=min(max(1, int(limit)), C.MAX_PAGE_SIZE))

    def conversation_events_search(self, conversation_id: str, *, limit: int = 50) -> EventPage:
        return self.search_events(conversation_id, limit=min(max(1, int(limit)), C.MAX_PAGE_SIZE))

    def conversation_events_count(self, conversation_id: str) -> int:
        """The app server's own count, but an unknown conversation raises NotFoundError (not 0)."""
        self.get_conversation(conversation_id)
        return self.count_events_app(conversation_id)

    def app_conversation_start(self, *, initial_message: str, selected_repository: str | None = None,
                               selected_branch: str | None = None, title: str | None = None,
                               run: bool = True) -> AppConversationStartTask:
        return self.start_conversation(initial_message, repository=selected_repository, branch=selected_branch,
                                       title=title, run=run)

    def app_conversation_start_from_prompt_files(
        self, prompt_file: str | Path, *, selected_repository: str | None = None, selected_branch: str | None = None,
        title: str | None = None, append_file: str | Path | None = None, run: bool = True,
    ) -> AppConversationStartTask:
        # The seed skipped a missing append file silently; keep that.
        append = append_file if append_file is not None and Path(append_file).exists() else None
        return self.start_conversation(prompt_file=prompt_file, append_file=append, repository=selected_repository,
                                       branch=selected_branch, title=title, run=run)

    def app_conversations_start_tasks_get_batch(self, *, ids: list[str]) -> list[AppConversationStartTask | None]:
        return self.get_start_tasks(ids)

    def app_conversation_start_task_get(self, task_id: str) -> AppConversationStartTask | None:
        return self.get_start_tasks([task_id])[0]

    def poll_start_task_until_ready(self, task_id: str, *, timeout_s: int = 10 * 60, poll_interval_s: float = 2.0,
                                    backoff_factor: float = 1.5, max_interval_s: float = 10.0,
                                    max_polls: int | None = None) -> AppConversationStartTask:
        """Poll until READY or ERROR and return the task (ERROR is returned, as in the seed).

        The seed's knobs map onto :func:`poll_until`; running out of time or of ``max_polls`` raises
        :class:`StartTaskTimeout`.
        """
        polls = 0

        def done(task: AppConversationStartTask | None) -> bool:
            nonlocal polls
            polls += 1
            if task is not None and str(task.status) in ("READY", "ERROR"):
                return True
            if max_polls is not None and polls >= max_polls:
                raise StartTaskTimeout(f"start task {task_id} not finished after {max_polls} polls", last_status=task)
            return False

        interval = max(0.25, float(poll_interval_s))
        try:
            task = poll_until(
                lambda: self.app_conversation_start_task_get(task_id), done, timeout_s=float(timeout_s),
                describe=lambda t: f"status={t.status if t is not None else 'unknown'}",
                initial_interval_s=interval, max_interval_s=max(interval, float(max_interval_s)),
                factor=max(1.0, float(backoff_factor)), what=f"start task {task_id}", sleep=self._sleep,
            )
        except StartTaskTimeout:
            raise
        except WaitTimeoutError as exc:
            raise StartTaskTimeout(str(exc.message), last_status=exc.last_status) from exc
        return cast("AppConversationStartTask", task)

    def sandboxes_pause(self, sandbox_id: str) -> dict[str, bool]:
        self.pause_sandbox(sandbox_id)
        return {"success": True}

    def sandboxes_resume(self, sandbox_id: str) -> dict[str, bool]:
        self.resume_sandbox(sandbox_id)
        return {"success": True}

    def app_conversation_download_zip(self, conversation_id: str, *, output_file: str | Path) -> dict[str, Any]:
        size = self.download_trajectory(conversation_id, output_file)
        return {"file": str(output_file), "size": size, "content_type": "application/zip"}

    def count_events_via_trajectory_zip(self, conversation_id: str, *, zip_file: str | Path,
                                        extract_dir: str | Path) -> dict[str, Any]:
        """The seed's zip fallback: download, extract, count ``event_*.json`` (see count_events for the better way)."""
        import zipfile

        download = self.app_conversation_download_zip(conversation_id, output_file=zip_file)
        extract = Path(extract_dir)
        extract.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_file) as archive:
            archive.extractall(extract)
        return {"event_count": len(list(extract.glob("event_*.json"))), "has_meta": (extract / "meta.json").exists(),
                "zip": download, "extract_dir": str(extract)}

    # agent server (through AgentServerClient) -------------------------------------------------------

    @staticmethod
    def agent_headers(session_api_key: str) -> dict[str, str]:
        return {"X-Session-API-Key": session_api_key, "Content-Type": "application/json"}

    def _agent(self, agent_server_url: str, session_api_key: str) -> AgentServerClient:
        from .agent import AgentServerClient

        return AgentServerClient(agent_server_url, session_api_key, **self._agent_client_kwargs())

    def agent_events_search(self, *, agent_server_url: str, session_api_key: str, conversation_id: str, limit: int = 50,
                            sort_order: str | None = None, timestamp_gte: str | None = None,
                            timestamp_lt: str | None = None, kind: str | None = None, source: str | None = None,
                            body: str | None = None) -> AgentEventPage:
        with self._agent(agent_server_url, session_api_key) as agent:
            return agent.search_events(conversation_id, limit=min(max(1, int(limit)), C.MAX_PAGE_SIZE),
                                       sort_order=sort_order, timestamp_gte=timestamp_gte, timestamp_lt=timestamp_lt,
                                       kind=kind, source=source, body=body)

    def agent_events_count(self, *, agent_server_url: str, session_api_key: str, conversation_id: str,
                           timestamp_gte: str | None = None, timestamp_lt: str | None = None, kind: str | None = None,
                           source: str | None = None, body: str | None = None) -> int:
        if timestamp_gte is not None or timestamp_lt is not None or body is not None:
            raise InvalidArgumentError("timestamp and body filters are not supported here; use kind= or source=")
        with self._agent(agent_server_url, session_api_key) as agent:
            return agent.count_events(conversation_id, kind=kind, source=source)

    def agent_execute_bash(self, *, agent_server_url: str, session_api_key: str, command: str, cwd: str | None = None,
                           timeout_s: int = 30) -> AgentBashOutput:
        """The agent server's BashOutput (typed); ``exit_code`` != 0 is a result, not an error."""
        with self._agent(agent_server_url, session_api_key) as agent:
            return agent.bash(command, cwd=cwd, timeout_s=timeout_s).raw

    def agent_download_file(self, *, agent_server_url: str, session_api_key: str, path: str,
                            output_file: str | Path) -> dict[str, Any]:
        remote = path if path.startswith("/") else f"/{path}"
        with self._agent(agent_server_url, session_api_key) as agent:
            size = agent.download_file(remote, output_file)
        return {"file": str(output_file), "size": size}

    def agent_upload_text_file(self, *, agent_server_url: str, session_api_key: str, path: str, content: str,
                               content_type: str = "text/plain") -> AgentUploadResult:
        remote = path if path.startswith("/") else f"/{path}"
        with self._agent(agent_server_url, session_api_key) as agent:
            return agent.upload_file(content.encode("utf-8"), remote)

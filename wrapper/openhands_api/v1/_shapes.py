"""V1 request bodies and result helpers: no I/O, shared by the sync and async clients.

Bodies are built with the generated constructors, so a misspelled field is a type error; a field
the caller did not give stays ``UNSET`` and is left out of the JSON (the server's default applies).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import httpx
from openhands_api_v1.models import (
    ActionEvent,
    AgentErrorEvent,
    AppConversation,
    AppConversationStartRequest,
    AppConversationStartTask,
    ConversationErrorEvent,
    ConversationStateUpdateEvent,
    MessageEvent,
    ObservationEvent,
    PauseEvent,
    SandboxInfo,
    SendMessageRequest,
    SettingsUpdate,
    SettingsUpdateAgentSettingsDiff,
    SettingsUpdateConversationSettingsDiff,
    StreamingDeltaEvent,
    SystemPromptEvent,
    TextContent,
    UnknownEvent,
)
from openhands_api_v1.models.agent_type import check_agent_type
from openhands_api_v1.models.provider_type import check_provider_type
from openhands_api_v1.types import UNSET, Unset

from .. import _constants as C
from .._exceptions import InvalidArgumentError, NotFoundError, ResolverError, UnexpectedContentError
from .._ids import check_uuid
from .._models import present
from .._seam import building_request
from .._secret import Secret

T = TypeVar("T")

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
EVENT_CLASSES: tuple[type, ...] = (
    ActionEvent, ObservationEvent, MessageEvent, ConversationStateUpdateEvent, SystemPromptEvent,
    StreamingDeltaEvent, PauseEvent, AgentErrorEvent, ConversationErrorEvent, UnknownEvent,
)

AGENT_SERVER_URL_NAME = "AGENT_SERVER"
_CONVERSATION_PATH = "/api/conversations"


def _given(value: T | None) -> T | Unset:
    """None (not given) → UNSET, so the field is left out of the request body."""
    return UNSET if value is None else value


# --- ids and errors -----------------------------------------------------------------------------------


def check_conversation_id(conversation_id: str, *, what: str = "conversation id") -> str:
    """Reject a malformed id before any request (the events routes answer it with a bare 500)."""
    return check_uuid(conversation_id, what=what,
                      hint="copy the id from `openhands-api search-conversations`; sandbox ids are not conversation ids")


def not_found(base_url: str, message: str, hint: str, path: str) -> NotFoundError:
    """A NotFoundError for a batch answer's ``null`` (HTTP 200 on the wire, "404" in meaning)."""
    request = httpx.Request("GET", f"{base_url}{path}")
    response = httpx.Response(404, request=request, json={"detail": message})
    return NotFoundError(message, response=response, body={"detail": message}, hint=hint)


def check_sandbox_usable(status: str, subject: str, *, paused_ok: bool) -> None:
    """The one rule for "can this sandbox's agent server be used (or still finish)?".

    MISSING and ERROR are gone for good. PAUSED is refused unless the caller is about to resume it
    (``paused_ok``): a paused sandbox's agent server hangs instead of failing, so it is checked
    before anything talks to it. Raises :class:`ResolverError` with ``step="sandbox"``.
    """
    if status in C.V1_GONE_SANDBOX_STATUSES:
        raise ResolverError(f"{subject} is {status}", step="sandbox",
                            hint="its agent server is gone: start a new conversation")
    if status == "PAUSED" and not paused_ok:
        raise ResolverError(f"{subject} is PAUSED; its agent server would hang", step="sandbox",
                            hint="resume it (resume_sandbox, resume=True, or `openhands-api resume-sandbox ID`)")


# --- request bodies -----------------------------------------------------------------------------------


def _read(path: str | os.PathLike[str], what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read {what} {str(path)!r}: {exc.strerror}") from exc


def compose_prompt(prompt: str | None, prompt_file: str | os.PathLike[str] | None,
                   append_file: str | os.PathLike[str] | None) -> str:
    """The initial message: ``prompt`` or the file's text, with ``append_file``'s text after a blank line."""
    if prompt is not None and prompt_file is None:
        text = prompt
    elif prompt_file is not None and prompt is None:
        text = _read(prompt_file, "the prompt file")
    else:
        raise InvalidArgumentError("give exactly one of prompt= and prompt_file=")
    if append_file is not None:
        text = f"{text}\n\n{_read(append_file, 'the file to append')}"
    if not text.strip():
        raise InvalidArgumentError("the prompt is empty")
    return text


@building_request()
def start_request(prompt: str | None, prompt_file: str | os.PathLike[str] | None,
                  append_file: str | os.PathLike[str] | None, repository: str | None, branch: str | None,
                  title: str | None, run: bool, agent_type: str | None, llm_model: str | None,
                  git_provider: str | None) -> AppConversationStartRequest:
    """The body of ``POST /app-conversations`` (and of stream-start)."""
    message: SendMessageRequest | Unset = UNSET
    if prompt is not None or prompt_file is not None:
        text = compose_prompt(prompt, prompt_file, append_file)
        message = SendMessageRequest(content=[TextContent(text=text)], role="user", run=bool(run))
    elif append_file is not None:
        raise InvalidArgumentError("append_file= needs prompt= or prompt_file=")
    if repository is not None and (repository.count("/") != 1 or repository.startswith("/") or repository.endswith("/")):
        raise InvalidArgumentError(f"repository {repository!r} must look like owner/repo")
    return AppConversationStartRequest(
        initial_message=message, selected_repository=_given(repository), selected_branch=_given(branch),
        title=_given(title), llm_model=_given(llm_model),
        agent_type=UNSET if agent_type is None else check_agent_type(agent_type),
        git_provider=UNSET if git_provider is None else check_provider_type(git_provider),
    )


@building_request()
def settings_update(agent_settings_diff: Mapping[str, Any] | None,
                    conversation_settings_diff: Mapping[str, Any] | None) -> SettingsUpdate:
    """The body of ``POST /settings``: the diffs are free-form objects (the server merges them)."""
    if agent_settings_diff is None and conversation_settings_diff is None:
        raise InvalidArgumentError("nothing to store: pass agent_settings_diff= or conversation_settings_diff=")
    return SettingsUpdate(
        agent_settings_diff=UNSET if agent_settings_diff is None
        else SettingsUpdateAgentSettingsDiff.from_dict(agent_settings_diff),
        conversation_settings_diff=UNSET if conversation_settings_diff is None
        else SettingsUpdateConversationSettingsDiff.from_dict(conversation_settings_diff),
    )


def llm_diff(model: str, base_url: str | None, api_key: str | Secret | None) -> dict[str, Any]:
    """``agent_settings_diff`` that sets the LLM (the key is revealed only into the request body)."""
    llm: dict[str, Any] = {"model": model}
    if base_url is not None:
        llm["base_url"] = base_url
    if api_key is not None:
        llm["api_key"] = api_key.reveal() if isinstance(api_key, Secret) else api_key
    return {"llm": llm}


# --- results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedConversation:
    """What ``start_conversation_and_wait`` returns."""

    task: AppConversationStartTask
    conversation: AppConversation

    @property
    def conversation_id(self) -> str:
        return self.conversation.id


def ready_conversation_id(task: AppConversationStartTask) -> str:
    """The conversation id of a READY task (a READY task without one is not what the API promises)."""
    conversation_id = present(task.app_conversation_id)
    if not isinstance(conversation_id, str) or not conversation_id:
        raise UnexpectedContentError(f"start task {task.id} is READY but names no app_conversation_id", raw=task.raw)
    return conversation_id


def agent_base_from_conversation_url(conversation_url: str) -> str | None:
    """``http://host:port/api/conversations/<id>`` → ``http://host:port`` (None if not that shape)."""
    index = conversation_url.find(_CONVERSATION_PATH)
    if index <= 0:
        return None
    return conversation_url[:index].rstrip("/")


def agent_url_from_sandbox(sandbox: SandboxInfo) -> str | None:
    """The sandbox's exposed URL named ``AGENT_SERVER``, if any."""
    for exposed in present(sandbox.exposed_urls) or []:
        if str(exposed.name) == AGENT_SERVER_URL_NAME and exposed.url:
            return str(exposed.url).rstrip("/")
    return None


class StartTaskStream:
    """Decodes the body of ``POST /app-conversations/stream-start`` as it arrives.

    The server writes one JSON array, an element per status change. ``feed(text)`` yields every
    element completed by ``text``; an incomplete element waits for more text.
    """

    def __init__(self) -> None:
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._started = False

    def feed(self, text: str) -> Iterator[AppConversationStartTask]:
        self._buffer += text
        while True:
            self._buffer = self._buffer.lstrip()
            if not self._buffer:
                return
            if not self._started:
                if self._buffer[0] != "[":
                    raise UnexpectedContentError("stream-start did not answer a JSON array", raw=self._buffer[:200])
                self._started, self._buffer = True, self._buffer[1:]
                continue
            if self._buffer[0] in ",]":
                self._buffer = self._buffer[1:]
                continue
            if len(self._buffer) > C.MAX_RESPONSE_BYTES:
                raise UnexpectedContentError("a stream-start element is larger than the JSON body cap",
                                             raw=self._buffer[:200])
            try:
                item, end = self._decoder.raw_decode(self._buffer)
            except json.JSONDecodeError:
                return  # incomplete element: wait for more text
            except RecursionError as exc:  # nesting deeper than Python's stack: a hostile answer
                raise UnexpectedContentError("a stream-start element is nested too deeply", raw=self._buffer[:200]) from exc
            self._buffer = self._buffer[end:]
            try:
                task = AppConversationStartTask.from_dict(item)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise UnexpectedContentError(
                    f"a stream-start element does not match this client's AppConversationStartTask schema "
                    f"({type(exc).__name__}: {exc})", raw=item,
                ) from exc
            yield task

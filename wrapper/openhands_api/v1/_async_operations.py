"""The V1 app server's conversation messaging, rename, git and secrets endpoints (a mixin of the client).

Kept apart from :mod:`._async_resources` so each module stays readable. What the real server
(openhands-ai 1.11.0) does here, measured (docs/v1-app-server.md):

* ``send_message`` reaches the conversation's agent server (a paused sandbox is resumed first);
* a pending message is queued under ``task-<start task id>`` and delivered, with ``run``, when the
  start task turns READY; any other id is accepted too (201) and never delivered, so this client
  takes the start task's id and builds the queue name itself;
* git changes/diff are asked of the conversation's agent server: a missing file is its 400, passed
  on as 502 (ServerError), an unknown conversation 404 "not reachable";
* a secret's value is sent once and never comes back (the search lists names and descriptions).

This async module is the source; ``_operations.py`` is derived from it by ``scripts/unasync.py``.
"""

from __future__ import annotations

import uuid

from openhands_api_v1.api.app_conversations import (
    get_app_conversation_git_changes,
    get_app_conversation_git_diff,
    queue_pending_message,
    send_app_message,
    update_app_conversation,
)
from openhands_api_v1.api.secrets import create_secret, delete_secret, search_secrets
from openhands_api_v1.models import (
    AppConversation,
    AppConversationUpdateRequest,
    AppSendMessageRequest,
    AppSendMessageResponse,
    GitChange,
    GitDiff,
    MessageResponse,
    PendingMessageRequest,
    PendingMessageResponse,
    SecretCreate,
    SecretInfo,
    SecretPage,
    TextContent,
)
from openhands_api_v1.types import UNSET

from .. import _constants as C
from .._async_pagination import AsyncPager
from .._async_transport import AsyncTransport
from .._ids import check_uuid, path_segment
from .._paging import check_limit
from .._seam import building_request
from .._secret import Secret
from ._shapes import check_conversation_id


@building_request()
def _message_body(text: str, run: bool) -> AppSendMessageRequest:
    return AppSendMessageRequest(content=[TextContent(text=text)], role="user", run=run)


@building_request()
def _pending_body(text: str) -> PendingMessageRequest:
    return PendingMessageRequest(content=[TextContent(text=text)], role="user")


@building_request()
def _rename_body(title: str) -> AppConversationUpdateRequest:
    return AppConversationUpdateRequest(title=title)


@building_request()
def _secret_body(name: str, value: str | Secret, description: str | None) -> SecretCreate:
    return SecretCreate(name=name, value=value.reveal() if isinstance(value, Secret) else value,
                        description=UNSET if description is None else description)


class AsyncV1Operations:
    """Messages, pending messages, rename, git changes/diff and secrets (mixed into the V1 client)."""

    _transport: AsyncTransport

    # --- messages -----------------------------------------------------------------------------------

    async def send_message(self, conversation_id: str, text: str, *, run: bool = True) -> AppSendMessageResponse:
        """Send a user message; ``run`` (the server's default) starts the agent on it.

        Unknown conversation → NotFoundError. ``success`` is False when the agent server did not take it.
        """
        return await self._transport.call(send_app_message, expect=AppSendMessageResponse,
                                          conversation_id=check_conversation_id(conversation_id),
                                          body=_message_body(text, run), retry=False)

    async def queue_message(self, task_id: str, text: str) -> PendingMessageResponse:
        """Queue ``text`` for the conversation a start task is starting; delivered (and run) at READY.

        ``task_id`` is the start task's id (what :meth:`start_conversation` returns). At most 10
        messages wait per task (RateLimitError after that).
        """
        checked = check_uuid(task_id, what="start task id", hint="use the id start_conversation returned (its start task)")
        queue = f"task-{uuid.UUID(checked).hex}"
        return await self._transport.call(queue_pending_message, expect=PendingMessageResponse, conversation_id=queue,
                                          body=_pending_body(text), retry=False)

    async def rename(self, conversation_id: str, title: str) -> AppConversation:
        """Set the conversation's title; returns the updated conversation."""
        return await self._transport.call(update_app_conversation, expect=AppConversation,
                                          conversation_id=check_conversation_id(conversation_id), body=_rename_body(title),
                                          retry=False)

    # --- git in the conversation's sandbox ----------------------------------------------------------

    async def git_changes(self, conversation_id: str, path: str, *, ref: str | None = None) -> list[GitChange]:
        """The changed files of the repository at ``path`` in the sandbox; ``[]`` where there is none."""
        changes: list[GitChange] = await self._transport.call(
            get_app_conversation_git_changes, expect=list, conversation_id=check_conversation_id(conversation_id),
            path=path, ref=ref)
        return changes

    async def git_diff(self, conversation_id: str, path: str, *, ref: str | None = None) -> GitDiff:
        """A file's original and modified text (a missing file: ServerError 502, the agent server's 400)."""
        return await self._transport.call(get_app_conversation_git_diff, expect=GitDiff,
                                          conversation_id=check_conversation_id(conversation_id), path=path, ref=ref)

    # --- secrets ------------------------------------------------------------------------------------

    async def search_secrets(self, *, name_contains: str | None = None, limit: int | None = None,
                             page_id: str | None = None) -> SecretPage:
        """One page of the user's custom secrets by name: names and descriptions, never values."""
        check_limit(limit)
        return await self._transport.call(search_secrets, expect=SecretPage, name_contains=name_contains, limit=limit,
                                          page_id=page_id)

    def iter_secrets(self, *, name_contains: str | None = None, page_size: int = C.DEFAULT_PAGE_SIZE,
                     max_items: int | None = None) -> AsyncPager[SecretInfo]:
        """Every custom secret (name and description), fetching pages lazily."""
        return AsyncPager.over(self.search_secrets, page_size=page_size, max_items=max_items, name_contains=name_contains)

    async def create_secret(self, name: str, value: str | Secret, *, description: str | None = None) -> None:
        """Store a custom secret (an existing name is overwritten). The value is sent once, never logged."""
        await self._transport.call(create_secret, expect=MessageResponse, body=_secret_body(name, value, description),
                                   retry=False)

    async def delete_secret(self, name: str) -> None:
        """Delete a custom secret (unknown name → NotFoundError)."""
        await self._transport.call(delete_secret, expect=MessageResponse, secret_id=path_segment(name, what="secret name"))


__all__ = ["AsyncV1Operations"]

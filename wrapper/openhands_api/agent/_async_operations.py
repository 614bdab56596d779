"""The agent server's less common operations: steering a conversation, background shell, git, trajectory.

A mixin of :class:`~openhands_api.agent.AsyncAgentServerClient` (kept apart so each module stays
readable): confirmation and interrupt drive a conversation started with ``confirm_actions=True`` to
its end; ``start_bash`` + ``iter_bash_events`` run a command without waiting for it; ``git_changes``
/ ``git_diff`` read a repository in the workspace. This async module is the source; ``_operations.py``
is derived from it by ``scripts/unasync.py``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from .. import _constants as C
from .._async_pagination import AsyncPager
from .._async_transport import AsyncTransport
from .._exceptions import NotFoundError
from .._ids import path_segment
from .._paging import check_limit
from .._seam import building_request
from . import _generated as G
from ._requests import bash_body, require_absolute

if TYPE_CHECKING:
    from ._types import BashEvent


@building_request()
def _confirmation_body(accept: bool, reason: str | None) -> G.ConfirmationResponseRequest:
    return G.ConfirmationResponseRequest(accept=accept, reason=G.UNSET if reason is None else reason)


@building_request()
def _rename_body(title: str) -> G.UpdateConversationRequest:
    return G.UpdateConversationRequest(title=title)


class AsyncAgentOperations:
    """Conversation steering, background bash, git and trajectory download (mixed into the client)."""

    _transport: AsyncTransport

    # --- steering a conversation --------------------------------------------------------------------

    async def interrupt(self, conversation_id: str) -> None:
        """Stop the agent at once (unlike :meth:`pause`, the step in flight is cancelled). Fine when idle.

        An unknown conversation: NotFoundError on 1.58; 1.34 answers 400 (BadRequestError), as for pause.
        """
        await self._transport.send(G.interrupt_conversation, conversation_id=conversation_id, retry=False)

    async def respond_to_confirmation(self, conversation_id: str, *, accept: bool, reason: str | None = None) -> None:
        """Accept or reject the actions a ``waiting_for_confirmation`` conversation holds.

        Accepting runs them (the agent then goes on until it needs the next confirmation); rejecting
        tells the agent why (``reason``) and lets it choose again.
        """
        await self._transport.send(G.respond_to_confirmation, conversation_id=conversation_id,
                                   body=_confirmation_body(accept, reason), retry=False)

    async def final_response(self, conversation_id: str) -> str:
        """The agent's final answer (its finish message), or ``""`` while it has none."""
        result = await self._transport.call(G.get_agent_final_response, expect=G.AgentResponseResult, conversation_id=conversation_id)
        return result.response

    async def rename(self, conversation_id: str, title: str) -> None:
        """Set the conversation's title."""
        answer, response = await self._transport.call_with_response(
            G.update_conversation, expect=G.Success, conversation_id=conversation_id, body=_rename_body(title), retry=False)
        # 1.34 answers a rename of an unknown conversation 200 {"success": false} (1.58: 404): the same error here.
        if answer.success is False:
            raise NotFoundError(f"conversation {conversation_id} not found (the server answered success=false)",
                                response=response, body=answer.raw)

    async def download_trajectory(self, conversation_id: str, local_path: str | os.PathLike[str]) -> int:
        """Save the conversation's trajectory (a zip: base_state.json and every event) to ``local_path``.

        Written atomically like :meth:`download_file`; returns the number of bytes.
        """
        url = f"/api/file/download-trajectory/{quote(path_segment(conversation_id, what='conversation id'), safe='')}"
        return await self._transport.download(url, local_path)

    # --- background bash ----------------------------------------------------------------------------

    async def start_bash(self, command: str, *, cwd: str | None = None, timeout_s: int | None = None) -> G.BashCommand:
        """Start ``command`` without waiting; its output arrives as ``BashOutput`` events (:meth:`iter_bash_events`)."""
        # Not retried: a retry after a lost answer would run the command twice.
        return await self._transport.call(G.start_bash_command, expect=G.BashCommand, body=bash_body(command, cwd, timeout_s),
                                          retry=False)

    async def search_bash_events(
        self,
        *,
        command_id: str | None = None,
        kind: G.SearchBashEventsKindEq | None = None,
        sort_order: G.SearchBashEventsSortOrder | None = None,
        limit: int | None = None,
        page_id: str | None = None,
    ) -> G.BashEventPage:
        """One page of background-shell events (every command's, or ``command_id``'s), oldest first."""
        check_limit(limit)
        return await self._transport.call(G.search_bash_events, expect=G.BashEventPage, command_id_eq=command_id, kind_eq=kind,
                                          sort_order=sort_order, limit=limit, page_id=page_id)

    def iter_bash_events(
        self,
        *,
        command_id: str | None = None,
        kind: G.SearchBashEventsKindEq | None = None,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> AsyncPager[BashEvent]:
        """Every background-shell event, fetching pages lazily."""
        return AsyncPager.over(self.search_bash_events, page_size=page_size, max_items=max_items, command_id=command_id, kind=kind)

    # --- git ----------------------------------------------------------------------------------------

    async def git_changes(self, path: str, *, ref: str | None = None) -> list[G.GitChange]:
        """The changed files of the repository at ``path`` (absolute); ``[]`` when it is not a repository.

        What they are compared with differs: 1.58 diffs against HEAD; 1.34, without an upstream
        branch, against the empty tree (every file is ADDED).
        """
        changes: list[G.GitChange] = await self._transport.call(G.git_changes, expect=list, path=require_absolute(path), ref=ref)
        return changes

    async def git_diff(self, path: str, *, ref: str | None = None) -> G.GitDiff:
        """A file's ``original`` and ``modified`` text (``path`` absolute; BadRequestError if it does not exist)."""
        return await self._transport.call(G.git_diff, expect=G.GitDiff, path=require_absolute(path), ref=ref)


__all__ = ["AsyncAgentOperations"]

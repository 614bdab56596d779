"""Follow a conversation live: the agent server's event socket, with REST to fill every gap.

    async with afollow(agent, conversation_id) as events:
        async for event in events:          # typed events (``.raw`` kept), each exactly once
            print(event.kind)
    print(events.status, events.settled)    # e.g. "finished", True

This file is the source; ``_follow.py`` (sync) is generated from it by ``scripts/unasync.py``.

How no event is lost or delivered twice:

1. connect to ``/sockets/events/{id}`` and authenticate with a first frame (the key never goes in
   the URL). A server that refuses that (close 4001 before any frame, or an HTTP 403 on upgrade)
   gets one more try with the ``X-Session-API-Key`` header, the older form; the mode that worked
   is kept for reconnections;
2. wait for the server's first frame (the full-state snapshot it sends to each new subscriber): we
   are subscribed, so every later event reaches the socket;
3. only then catch up through REST ``events/search``, from a page that starts at an event already
   delivered (the listing is in storage order, which timestamps are not), or from ``since``;
   frames that arrived meanwhile wait in the socket and are dropped by id when REST had them;
4. on any disconnect, reconnect with jittered backoff and go to 2. The server's own replay
   (``resend_mode`` on 1.58, ``resend_all`` on older servers) is not used: the REST catch-up is the
   same on every version and is the one place that decides what was missed.

It stops when the :class:`~openhands_api._settle.SettleRule` says the conversation has settled
(confirmed by one more REST catch-up and status read), when the caller stops iterating, or at the
deadline (:class:`WaitTimeoutError`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from . import _constants as C
from ._exceptions import UNTRUSTED_CERTIFICATE_HINT, APIConnectionError, AuthenticationError
from ._follow_core import (
    CLOSE_AUTH_FAILED,
    CLOSE_NOT_FOUND,
    KEY_HEADER,
    Ledger,
    auth_error,
    auth_frame,
    deadline_error,
    events_url,
    is_transient,
    not_found_error,
    parse_frame,
    to_event,
)
from ._paging import next_cursor, remember
from ._retry import backoff_delay
from ._settle import DEFAULT_SETTLE_S, FINAL_STATUSES, NEEDS_USER_STATUSES, SettleRule, status_in_event
from ._ws import AsyncSocket, SocketClosed, SocketRejected, SocketUnavailable, SocketUntrusted

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator

    from openhands_api_agent.models import ConversationInfo, EventPage

    from ._secret import Secret
    from .agent._types import Event

logger = logging.getLogger("openhands_api")

# How long to wait for the subscription snapshot before catching up anyway (a server that sends
# none is still caught up again before follow() ends, so nothing is lost, only delivered later).
FIRST_FRAME_TIMEOUT_S = 10.0
# A quiet socket while the conversation is not in a final state: re-read REST this often, in case
# the socket silently missed something (a half-open connection, a server that drops a frame).
IDLE_CHECK_S = 15.0
# Consecutive failed connection attempts before giving up with APIConnectionError.
MAX_CONNECT_FAILURES = 8
# Consecutive re-resolutions (see ``reresolve``) without a working socket before giving up.
MAX_RERESOLVES = 3


class AsyncFollowClient(Protocol):
    """What the follow engine needs from an agent-server client (the async agent client has it)."""

    @property
    def url(self) -> str: ...

    @property
    def session_key(self) -> Secret | None: ...

    async def search_events(
        self, conversation_id: str, *, limit: int | None = None, page_id: str | None = None, timestamp_gte: str | None = None
    ) -> EventPage: ...

    async def get_conversation(self, conversation_id: str) -> ConversationInfo: ...


class AsyncEventStream:
    """The lifecycle every follower shares: one pass over ``_run()``, closed on exit or ``aclose()``."""

    _events: AsyncGenerator[Event, None] | None = None

    def _run(self) -> AsyncGenerator[Event, None]:
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._events is None:
            self._events = self._run()
        return self._events

    async def aclose(self) -> None:
        """Stop now: close the socket (and whatever the follower opened); also done when iteration
        ends or the ``async with`` block exits."""
        if self._events is not None:
            await self._events.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncFollower(AsyncEventStream):
    """An async iterator over a conversation's events, live (:data:`afollow` is this class).

    ``since``: None (from the first event), an event id (the events after it: resume with a
    previous ``last_event_id``) or a datetime (events stamped at or after it). ``settle_s`` and
    ``final_statuses``: the settle rule (:mod:`openhands_api._settle`). ``reresolve``: called when
    the agent server cannot be reached or refuses the key (a V1 sandbox that paused and resumed has
    a new URL or key); it returns a fresh client and following goes on from the last event, with
    nothing lost or repeated. The other options are for tests and tuning.

    After iteration: ``status`` is the last execution status seen, ``settled`` whether it ended
    because the conversation settled, ``last_event_id`` the cursor to resume from (``since=``),
    ``reconnects`` how many times the socket was re-opened.
    """

    def __init__(
        self,
        client: AsyncFollowClient,
        conversation_id: str,
        *,
        since: str | datetime | None = None,
        deadline_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        settle_s: float = DEFAULT_SETTLE_S,
        final_statuses: Iterable[str] = FINAL_STATUSES | NEEDS_USER_STATUSES,
        reconnect_base_s: float = C.INITIAL_RETRY_DELAY_S,
        idle_check_s: float = IDLE_CHECK_S,
        first_frame_timeout_s: float = FIRST_FRAME_TIMEOUT_S,
        max_connect_failures: int = MAX_CONNECT_FAILURES,
        reresolve: Callable[[], Awaitable[AsyncFollowClient]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conversation_id = conversation_id
        self.rule = SettleRule(settle_s=settle_s, final_statuses=final_statuses, clock=clock)
        self.reconnects = 0
        self.reresolved = 0
        self.settled = False
        self._client = client
        self._ledger = Ledger(since)
        self._url = events_url(client.url, conversation_id)
        self._deadline_s = deadline_s
        self._reconnect_base_s = reconnect_base_s
        self._idle_check_s = idle_check_s
        self._first_frame_timeout_s = first_frame_timeout_s
        self._max_connect_failures = max_connect_failures
        self._clock = clock
        self._reresolve = reresolve
        self._reresolves_left = MAX_RERESOLVES
        self._deadline = 0.0
        self._header_auth = False
        self._pending: list[str | bytes] = []

    @property
    def status(self) -> str | None:
        return self.rule.status

    @property
    def last_event_id(self) -> str | None:
        return self._ledger.last_event_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r}, status={self.status!r}, settled={self.settled})"

    # --- the loop ---------------------------------------------------------------------------------

    async def _run(self) -> AsyncGenerator[Event, None]:
        self._deadline = self._clock() + self._deadline_s
        first = True
        while True:
            socket = await self._open()
            try:
                async for event in self._catch_up():
                    yield event
                self._reresolves_left = MAX_RERESOLVES  # this client works again
                if first:
                    self._ledger.check_since_found(self.conversation_id)
                    first = False
                for frame in self._pending:
                    taken = self._take(frame)
                    if taken is not None:
                        yield taken
                self._pending.clear()
                async for event in self._stream(socket):
                    yield event
                return
            except SocketClosed as closed:
                self._raise_if_fatal(closed)
                self.reconnects += 1
                logger.info("event socket of %s closed (%s); reconnecting", self.conversation_id, closed.code)
            except (APIConnectionError, AuthenticationError):
                if not await self._switch_client():  # REST failed too: a paused sandbox, a new key
                    raise
            finally:
                await socket.close()

    async def _stream(self, socket: AsyncSocket) -> AsyncIterator[Event]:
        """Frames until settled (returns) or the socket closes (SocketClosed)."""
        while True:
            self._check_deadline()
            if self.rule.settled:
                async for event in self._recheck():
                    yield event
                if self.rule.settled:
                    self.settled = True
                    return
                continue
            remaining = self.rule.remaining()
            wait = self._idle_check_s if remaining is None else min(remaining, self._idle_check_s)
            frame = await socket.receive(min(wait, self._deadline - self._clock()))
            if frame is None:
                if remaining is None:
                    async for event in self._recheck():
                        yield event
                continue
            taken = self._take(frame)
            if taken is not None:
                yield taken

    async def _recheck(self) -> AsyncIterator[Event]:
        """Fill any gap through REST and read the status: the confirmation before stopping."""
        async for event in self._catch_up():
            yield event
        conversation = await self._client.get_conversation(self.conversation_id)
        self.rule.status_seen(str(conversation.execution_status))

    async def _catch_up(self) -> AsyncIterator[Event]:
        page_id, timestamp_gte = self._ledger.catch_up_from()
        cursors: set[str] = set()
        while True:
            page = await self._client.search_events(self.conversation_id, limit=C.MAX_PAGE_SIZE, page_id=page_id,
                                                    timestamp_gte=timestamp_gte)
            for event in page.items:
                if self._admit(event.raw):
                    yield event
            next_page = next_cursor(page.next_page_id)
            if next_page is None:
                return
            page_id = remember(next_page, cursors)  # a repeated cursor raises instead of looping

    # --- frames and events ------------------------------------------------------------------------

    def _take(self, frame: str | bytes) -> Event | None:
        raw = parse_frame(frame)
        if raw is None or not self._admit(raw):
            return None
        return to_event(raw)

    def _admit(self, raw: Mapping[str, Any]) -> bool:
        """Feed the settle rule; True when this is a new, persisted event to deliver."""
        status = status_in_event(raw)
        event_id = raw.get("id")
        if is_transient(raw) or not isinstance(event_id, str):
            if status is not None:
                self.rule.status_seen(status)
            return False
        if not self._ledger.admit(event_id, raw.get("timestamp")):
            return False
        self.rule.event_seen()
        if status is not None:
            self.rule.status_seen(status)
        return True

    # --- connecting -------------------------------------------------------------------------------

    async def _open(self) -> AsyncSocket:
        """A subscribed socket; from a re-resolved client when this one cannot give one."""
        while True:
            try:
                return await self._open_here()
            except (APIConnectionError, AuthenticationError):
                if not await self._switch_client():
                    raise

    async def _switch_client(self) -> bool:
        """Take a fresh client from ``reresolve`` (a resumed sandbox has a new URL or key)."""
        if self._reresolve is None or self._reresolves_left <= 0:
            return False
        self._reresolves_left -= 1
        self._client = await self._reresolve()
        self._url = events_url(self._client.url, self.conversation_id)
        self._header_auth = False
        self.reresolved += 1
        logger.info("following %s on a re-resolved agent server", self.conversation_id)
        return True

    async def _open_here(self) -> AsyncSocket:
        """A subscribed socket from this client, after as many attempts as the deadline and failure budget allow."""
        failures = 0
        while True:
            try:
                return await self._handshake()
            except (SocketUnavailable, SocketClosed) as exc:
                if isinstance(exc, SocketClosed):
                    self._raise_if_fatal(exc)
                if isinstance(exc, SocketUntrusted):
                    raise APIConnectionError(f"cannot open the event socket: {exc}", url=self._url,
                                             hint=UNTRUSTED_CERTIFICATE_HINT) from None
                failures += 1
                if failures >= self._max_connect_failures:
                    raise APIConnectionError(f"cannot open the event socket after {failures} attempts: {exc}", url=self._url) from None
                delay = backoff_delay(failures - 1) * self._reconnect_base_s / C.INITIAL_RETRY_DELAY_S
                if self._clock() + delay >= self._deadline:
                    raise deadline_error(self.conversation_id, self._deadline_s, self.status) from None
                await AsyncSocket.sleep(delay)

    async def _handshake(self) -> AsyncSocket:
        key = self._client.session_key
        if key is not None and not self._header_auth:
            try:
                socket = await AsyncSocket.connect(self._url, {})
            except SocketRejected:
                socket = None  # an older server: it wants the key during the upgrade
            if socket is not None:
                try:
                    await socket.send(auth_frame(key.reveal()))
                    await self._wait_subscribed(socket)
                    return socket
                except SocketClosed as closed:
                    await socket.close()
                    if closed.code != CLOSE_AUTH_FAILED:
                        raise
            self._header_auth = True
            logger.info("event socket: first-message auth refused; trying the %s header", KEY_HEADER)
        headers = {KEY_HEADER: key.reveal()} if key is not None else {}
        try:
            socket = await AsyncSocket.connect(self._url, headers)
        except SocketRejected as rejected:
            if rejected.status in (401, 403):
                raise auth_error(self._url) from None
            raise SocketUnavailable(str(rejected)) from None
        try:
            await self._wait_subscribed(socket)
        except BaseException:
            await socket.close()
            raise
        return socket

    async def _wait_subscribed(self, socket: AsyncSocket) -> None:
        """The first frame says we are subscribed (the server sends its snapshot after subscribing us)."""
        frame = await socket.receive(self._first_frame_timeout_s)
        raw = parse_frame(frame) if frame is not None else None
        if raw is not None and is_transient(raw):
            self._admit(raw)  # the snapshot's status is older than anything the catch-up brings: apply it first
        elif frame is not None:
            self._pending.append(frame)  # an event: delivered after the catch-up, to keep the order

    def _raise_if_fatal(self, closed: SocketClosed) -> None:
        if closed.code == CLOSE_AUTH_FAILED:
            raise auth_error(self._url) from None
        if closed.code == CLOSE_NOT_FOUND:
            raise not_found_error(self._url, self.conversation_id) from None

    def _check_deadline(self) -> None:
        if self._clock() >= self._deadline:
            raise deadline_error(self.conversation_id, self._deadline_s, self.status)


#: The entry point: ``afollow(client, conversation_id, since=..., deadline_s=..., settle_s=...)``.
#: Follow ``conversation_id`` live, every event exactly once and in order, until it settles, the
#: caller stops, or ``deadline_s`` passes (WaitTimeoutError). Other errors: AuthenticationError
#: (key refused), NotFoundError (unknown conversation), APIConnectionError (no socket), all
#: OpenHandsAPIError. An alias, not a wrapper, so the options are declared once (AsyncFollower).
afollow = AsyncFollower

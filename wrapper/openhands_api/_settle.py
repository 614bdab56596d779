"""When is a conversation done? One rule for every wait in this package.

A conversation is **settled** when

1. its last known execution status is a final one (``finished``, ``error``, ``stuck``, and by
   default also ``paused`` and ``waiting_for_confirmation``, which never move on without a user), and
2. that status has held for ``settle_s`` seconds (default 2 s), and
3. no new event arrived in that window.

Why not stop on the first ``finished``: a stop hook (or a message sent with ``run=True`` right
after) can put a conversation back to ``running``, and the events of a step can still be arriving
after the status flipped. So any new event restarts the window, and a status that flips back to a
non-final one (``running``) un-settles it until a final status is seen again and holds.

The rule is pure: it does no I/O and reads time only through the injected ``clock``. Callers feed
it what they observe, from any source:

* ``status_seen(status)``: a status from a WebSocket state update, a full-state snapshot, or a
  REST ``get_conversation`` poll. The same status again does not restart the window;
* ``event_seen()``: a new (not yet seen) event, whatever its kind.

``follow()`` feeds both from the event stream and confirms with one REST read before it stops.
A polling wait (``wait_until_finished`` of the agent and V1 clients) goes through
:class:`PollSettle`: it feeds ``status_seen`` after each poll and ``event_seen`` when the
conversation's ``updated_at`` moved (no extra request), and stops when ``settled``. Its clock is
the time slept between polls: a lower bound on real time (so the window is never shorter), and
the same sequence of polls live and replayed from a cassette, where sleeping is skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Statuses after which a conversation does not move on by itself.
FINAL_STATUSES = frozenset({"finished", "error", "stuck"})
#: Statuses that wait for a user: also final for a wait, by default.
NEEDS_USER_STATUSES = frozenset({"paused", "waiting_for_confirmation"})
DEFAULT_SETTLE_S = 2.0


class SettleRule:
    """The settle state of one conversation (see the module docstring for the rule)."""

    def __init__(
        self,
        *,
        settle_s: float = DEFAULT_SETTLE_S,
        final_statuses: Iterable[str] = FINAL_STATUSES | NEEDS_USER_STATUSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settle_s < 0:
            raise ValueError("settle_s must be >= 0")
        self.settle_s = settle_s
        self.final_statuses = frozenset(final_statuses)
        self._clock = clock
        self.status: str | None = None
        self._quiet_since: float | None = None  # set while the status is final; reset by events

    def status_seen(self, status: str) -> None:
        status = str(status)
        if status == self.status:
            return
        self.status = status
        self._quiet_since = self._clock() if status in self.final_statuses else None

    def event_seen(self) -> None:
        if self._quiet_since is not None:
            self._quiet_since = self._clock()

    def remaining(self) -> float | None:
        """Seconds until settled if nothing changes; None while the status is not final."""
        if self._quiet_since is None:
            return None
        return max(0.0, self._quiet_since + self.settle_s - self._clock())

    @property
    def settled(self) -> bool:
        return self.remaining() == 0.0

    def __repr__(self) -> str:
        return f"SettleRule(status={self.status!r}, settled={self.settled}, settle_s={self.settle_s})"


class PollSettle(Generic[T]):
    """The settle rule for a polling wait: ``done`` is its stop test, ``pace`` its pause filter.

    ``status_of(value)`` reads the execution status from a polled value (None: unknown yet) and
    ``marker_of(value)`` something that moves when the conversation gets an event (``updated_at``).
    """

    def __init__(self, status_of: Callable[[T], str | None], marker_of: Callable[[T], object], *,
                 settle_s: float = DEFAULT_SETTLE_S, final_statuses: Iterable[str] = FINAL_STATUSES | NEEDS_USER_STATUSES) -> None:
        self.slept = 0.0
        self.rule = SettleRule(settle_s=settle_s, final_statuses=final_statuses, clock=lambda: self.slept)
        self._status_of, self._marker_of = status_of, marker_of
        self._marker: object = _UNSEEN

    def done(self, value: T) -> bool:
        status = self._status_of(value)
        if status is not None:
            self.rule.status_seen(status)
        marker = self._marker_of(value)
        if marker != self._marker:
            if self._marker is not _UNSEEN:
                self.rule.event_seen()
            self._marker = marker
        return self.rule.settled

    def pace(self, pause: float) -> float:
        """The next pause: no longer than what the settle window still needs; counted as time held."""
        remaining = self.rule.remaining()
        if remaining is not None:
            pause = min(pause, remaining)
        self.slept += pause
        return pause


_UNSEEN = object()


def status_in_event(raw: Mapping[str, Any]) -> str | None:
    """The execution status an event announces, if any.

    ``ConversationStateUpdateEvent`` carries it as ``key="execution_status"`` (one field changed)
    or inside ``key="full_state"`` (the snapshot the agent server sends to each new subscriber).
    """
    if raw.get("kind") != "ConversationStateUpdateEvent":
        return None
    key, value = raw.get("key"), raw.get("value")
    if key == "execution_status" and isinstance(value, str):
        return value
    if key == "full_state" and isinstance(value, Mapping):
        status = value.get("execution_status")
        return status if isinstance(status, str) else None
    return None

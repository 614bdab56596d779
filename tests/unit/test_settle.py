"""The settle rule (pure, injected clock) and the follow engine's I/O-free parts."""

from __future__ import annotations

from datetime import datetime

import pytest
from openhands_api import InvalidArgumentError
from openhands_api._follow_core import (
    CATCH_UP_OVERLAP_EVENTS,
    Ledger,
    auth_frame,
    events_url,
    is_transient,
    parse_frame,
)
from openhands_api._settle import SettleRule, status_in_event


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_final_status_settles_only_after_a_quiet_window() -> None:
    clock = Clock()
    rule = SettleRule(settle_s=2.0, clock=clock)
    assert rule.remaining() is None and not rule.settled
    rule.status_seen("running")
    clock.now += 100
    assert rule.remaining() is None  # running never settles, however long
    rule.status_seen("finished")
    assert rule.remaining() == 2.0 and not rule.settled
    clock.now += 1.5
    rule.event_seen()  # a late event of the last step restarts the window
    clock.now += 1.5
    assert not rule.settled and rule.remaining() == 0.5
    rule.status_seen("finished")  # the same status again (REST confirmation) does not restart it
    clock.now += 0.5
    assert rule.settled and rule.status == "finished"


def test_a_flip_back_to_running_unsettles_until_final_again() -> None:
    clock = Clock()
    rule = SettleRule(settle_s=2.0, clock=clock)
    rule.status_seen("finished")
    clock.now += 1.0
    rule.status_seen("running")  # a stop hook resumed the conversation
    clock.now += 10.0
    assert not rule.settled and rule.remaining() is None
    rule.status_seen("finished")
    assert not rule.settled  # the window starts again from the new `finished`
    clock.now += 2.0
    assert rule.settled


def test_settled_is_not_sticky_and_statuses_are_configurable() -> None:
    clock = Clock()
    rule = SettleRule(settle_s=0.0, final_statuses={"finished"}, clock=clock)
    rule.status_seen("paused")
    assert not rule.settled  # not final under this configuration
    rule.status_seen("finished")
    assert rule.settled
    rule.status_seen("running")
    assert not rule.settled
    with pytest.raises(ValueError):
        SettleRule(settle_s=-1)


def test_status_in_event_reads_updates_and_snapshots() -> None:
    assert status_in_event({"kind": "ConversationStateUpdateEvent", "key": "execution_status", "value": "running"}) == "running"
    snapshot = {"kind": "ConversationStateUpdateEvent", "key": "full_state", "value": {"execution_status": "finished"}}
    assert status_in_event(snapshot) == "finished"
    assert status_in_event({"kind": "ConversationStateUpdateEvent", "key": "stats", "value": {}}) is None
    assert status_in_event({"kind": "ActionEvent", "key": "execution_status", "value": "x"}) is None


def test_events_url_keeps_a_path_prefix_and_never_holds_the_key() -> None:
    assert events_url("http://127.0.0.1:8000", "abc") == "ws://127.0.0.1:8000/sockets/events/abc"
    assert events_url("https://host.test/runtime/xyz/", "a b") == "wss://host.test/runtime/xyz/sockets/events/a%20b"
    assert '"type": "auth"' in auth_frame("k")


def test_frames_and_transient_kinds() -> None:
    assert parse_frame('{"id": "1"}') == {"id": "1"}
    assert parse_frame("[1]") is None and parse_frame(b"\xff") is None and parse_frame("not json") is None
    assert is_transient({"kind": "ConversationStateUpdateEvent", "key": "full_state"})
    assert is_transient({"kind": "StreamingDeltaEvent"})
    assert not is_transient({"kind": "ConversationStateUpdateEvent", "key": "execution_status"})


def test_ledger_dedupes_and_restarts_catch_up_at_an_event_already_delivered() -> None:
    ledger = Ledger()
    assert ledger.catch_up_from() == (None, None)
    assert ledger.admit("a", "2026-12-01T10:00:05.000000")
    assert not ledger.admit("a", "2026-12-01T10:00:05.000000")
    assert ledger.catch_up_from() == ("a", None) and ledger.last_event_id == "a"
    for number in range(CATCH_UP_OVERLAP_EVENTS + 5):
        ledger.admit(f"e{number}", None)
    assert ledger.catch_up_from() == ("e5", None)  # a bounded overlap, in storage order
    assert Ledger(since=datetime(2026, 12, 1, 9)).catch_up_from() == (None, "2026-12-01T09:00:00")
    skipping = Ledger(since="b")
    assert skipping.catch_up_from() == (None, None)  # from the start, to see every event up to "b"
    skipping.admit("a", None)
    assert skipping.catch_up_from() == ("a", None) and skipping.last_event_id is None


def test_ledger_since_an_event_id_skips_up_to_it_and_fails_when_absent() -> None:
    ledger = Ledger(since="b")
    assert [ledger.admit(i, None) for i in "abcd"] == [False, False, True, True]
    ledger.check_since_found("conv")
    missing = Ledger(since="zz")
    missing.admit("a", None)
    with pytest.raises(InvalidArgumentError):
        missing.check_since_found("conv")
    with pytest.raises(InvalidArgumentError):
        Ledger(since=" ")


def test_ledger_since_a_time_drops_older_live_frames() -> None:
    ledger = Ledger(since=datetime(2026, 12, 1, 10))
    assert not ledger.admit("old", "2026-12-01T09:59:59.999999")
    assert ledger.admit("new", "2026-12-01T10:00:00")
    assert ledger.admit("unreadable", "yesterday")  # delivered rather than lost

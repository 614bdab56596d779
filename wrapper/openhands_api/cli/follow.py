"""``openhands-api ... follow ID [--since EVENT_ID|TIME] [--json]``: print events as they come.

One line per event (``--json``: one JSON object per line, the server's JSON as is), flushed at
once so a pipe sees each event when it happens. At the end one line on stderr says which state
the conversation settled in. Exit codes: 0 settled ``finished``; 1 settled in any other final
state (error, stuck, paused, waiting_for_confirmation), or an error, or the deadline; 2 usage.

The command group that owns the client wires it in: ``follow.register(commands, common,
client=lambda args: AgentServerClient(args.url, args.session_key))``.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from .._constants import DEFAULT_WAIT_TIMEOUT_S
from .._follow import FollowClient, follow
from .._settle import DEFAULT_SETTLE_S
from .main import CLIContext, event_line

ClientFactory = Callable[[argparse.Namespace], Any]  # returns a context manager yielding a FollowClient


def register(commands: Any, common: argparse.ArgumentParser, *, client: ClientFactory) -> None:
    parser = commands.add_parser(
        "follow", parents=[common], help="print a conversation's events live until it settles",
        description="Follow a conversation over the event socket, filling gaps through REST. Exit 0 when it "
        "settles finished, 1 on error, stuck, another final state or the deadline.",
    )
    parser.add_argument("conversation_id")
    parser.add_argument("--since", type=since_value, default=None,
                        help="start after this event id, or at this ISO time (default: from the first event)")
    parser.add_argument("--deadline", type=float, default=DEFAULT_WAIT_TIMEOUT_S, help="give up after this many seconds")
    parser.add_argument("--settle", type=float, default=DEFAULT_SETTLE_S,
                        help="a final status must hold this long with no new event (default 2 s)")
    parser.set_defaults(handler=functools.partial(run_follow, client=client))


def since_value(text: str) -> str | datetime:
    """An ISO time (``2026-12-01T10:00:00``, naive = the server's local time) or else an event id."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def run_follow(args: argparse.Namespace, ctx: CLIContext, *, client: ClientFactory) -> int:
    manager: AbstractContextManager[FollowClient] = client(args)
    count = 0
    with manager as source, follow(source, args.conversation_id, since=args.since, deadline_s=args.deadline,
                                   settle_s=args.settle) as events:
        for event in events:
            count += 1
            ctx.emit(event, functools.partial(event_line, event))
            ctx.stdout.flush()
    ctx.progress(f"openhands-api: conversation {args.conversation_id} settled: {events.status} "
                 f"({count} events, {events.reconnects} reconnects)")
    return 0 if events.status == "finished" else 1

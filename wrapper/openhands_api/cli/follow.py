"""``openhands-api ... follow ID [--since EVENT_ID|TIME] [--json]``: print events as they come.

One line per event (``--json``: one JSON object per line, the server's JSON as is), flushed at
once so a pipe sees each event when it happens. At the end one line on stderr says which state
the conversation settled in. Exit codes: 0 settled ``finished``; 1 settled in any other final
state (error, stuck, paused, waiting_for_confirmation), or an error, or the deadline; 2 usage.

The command group that owns the client wires it in: ``follow.register(commands, common,
client=lambda args: AgentServerClient(args.url, args.session_key))`` (one agent server), or
``follower=`` a factory of the follower itself (V1: ``oh.follow(any_id)``, see :mod:`.v1_extra`).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._constants import DEFAULT_WAIT_TIMEOUT_S
from .._settle import DEFAULT_SETTLE_S
from .main import CLIContext, event_line

if TYPE_CHECKING:
    from .._follow import FollowClient

ClientFactory = Callable[[argparse.Namespace], Any]  # returns a context manager yielding a FollowClient
# (args, ctx, stack) -> a follower (iterable of events, with .status/.reconnects); ``stack`` closes what it opens
FollowerFactory = Callable[[argparse.Namespace, CLIContext, ExitStack], Any]


def register(commands: Any, common: argparse.ArgumentParser, *, client: ClientFactory | None = None,
             follower: FollowerFactory | None = None, id_help: str = "the conversation id") -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "follow", parents=[common], help="print a conversation's events live until it settles",
        description="Follow a conversation over the event socket, filling gaps through REST. Exit 0 when it "
        "settles finished, 1 on error, stuck, another final state or the deadline.",
    )
    parser.add_argument("conversation_id", metavar="ID", help=id_help)
    parser.add_argument("--since", type=since_value, default=None,
                        help="start after this event id, or at this ISO time (default: from the first event)")
    parser.add_argument("--deadline", type=float, default=DEFAULT_WAIT_TIMEOUT_S, help="give up after this many seconds")
    parser.add_argument("--settle", type=float, default=DEFAULT_SETTLE_S,
                        help="a final status must hold this long with no new event (default 2 s)")
    if follower is None:
        assert client is not None, "register(client=...) or register(follower=...)"
        follower = functools.partial(_agent_follower, client)
    parser.set_defaults(handler=functools.partial(run_follow, follower=follower))
    return parser


def since_value(text: str) -> str | datetime:
    """An ISO time (``2026-12-01T10:00:00``, naive = the server's local time) or else an event id."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _agent_follower(client: ClientFactory, args: argparse.Namespace, _ctx: CLIContext, stack: ExitStack) -> Any:
    from .._follow import follow  # lazily: the WebSocket library loads only when following

    manager: AbstractContextManager[FollowClient] = client(args)
    source = stack.enter_context(manager)
    return stack.enter_context(follow(source, args.conversation_id, since=args.since, deadline_s=args.deadline,
                                      settle_s=args.settle))


def run_follow(args: argparse.Namespace, ctx: CLIContext, *, follower: FollowerFactory) -> int:
    count = 0
    with ExitStack() as stack:
        events = follower(args, ctx, stack)
        for event in events:
            count += 1
            ctx.emit(event, functools.partial(event_line, event))
            ctx.stdout.flush()
    conversation_id = getattr(events, "conversation_id", None) or args.conversation_id  # V1: the resolved id
    ctx.progress(f"openhands-api: conversation {conversation_id} settled: {events.status} "
                 f"({count} events, {events.reconnects} reconnects)")
    return 0 if events.status == "finished" else 1

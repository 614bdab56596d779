"""More V1 app server commands: ``follow`` (any id), ``start-task``, ``count-conversations``.

Same conventions as :mod:`.v1` (base URL and key from the options or discovery, never printed).
``follow`` resolves a conversation, start-task or sandbox id to its agent server, prints the events
as they come and exits 0 when the conversation settles finished (see :mod:`.follow`).
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from .._models import present
from . import follow
from .main import CLIContext
from .progress import Progress

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..v1 import OpenHandsV1


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = follow.register(subparsers, common, follower=_v1_follower,
                             id_help="a V1 conversation, start-task or sandbox id")
    parser.add_argument("--resume", action="store_true",
                        help="resume the sandbox if it is (or becomes) paused, then go on from the last event")

    task = subparsers.add_parser("start-task", parents=[common], help="show a start task's status (--wait: until READY)",
                                 description="V1 app server: a start task's status; --wait polls until READY or ERROR.")
    task.add_argument("task_id", metavar="TASK_ID")
    task.add_argument("--wait", action="store_true", help="wait until READY (exit 1 on ERROR or timeout)")
    task.add_argument("--timeout", type=float, default=600.0, help="seconds to wait (default 600)")
    task.set_defaults(handler=_start_task)

    count = subparsers.add_parser("count-conversations", parents=[common], help="count app conversations",
                                  description="V1 app server: the number of app conversations.")
    count.set_defaults(handler=_count_conversations)


def _client(ctx: CLIContext) -> OpenHandsV1:
    from ..v1 import OpenHandsV1

    return OpenHandsV1(ctx.base_url, api_key=ctx.api_key)


def _v1_follower(args: argparse.Namespace, ctx: CLIContext, stack: ExitStack) -> Any:
    oh = stack.enter_context(_client(ctx))
    return stack.enter_context(oh.follow(args.conversation_id, resume=args.resume, since=args.since,
                                         deadline_s=args.deadline, settle_s=args.settle, on_progress=ctx.progress))


def _start_task(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        if args.wait:
            with Progress(ctx, f"start task {args.task_id}") as progress:
                task = oh.wait_until_ready(args.task_id, timeout_s=args.timeout,
                                           on_progress=lambda t: progress.update(t.status))
        else:
            task = oh.get_start_task(args.task_id)

    def human() -> str:
        parts = [f"start task {task.id}: {task.status}"]
        if present(task.app_conversation_id):
            parts.append(f"conversation {present(task.app_conversation_id)}")
        if present(task.detail):
            parts.append(f"detail: {present(task.detail)}")
        return "  ".join(parts)

    ctx.emit(task, human)
    return 0


def _count_conversations(_args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        count = oh.count_conversations()
    ctx.emit({"count": count}, str(count))
    return 0

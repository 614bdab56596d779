"""V1 app server commands for messages, rename, git and secrets (registered by :mod:`openhands_api.cli.v1`).

A secret's value is never taken from the command line (it would show in ``ps`` and shell history):
``create-secret NAME`` reads it from stdin, or from the environment variable ``--value-env`` names.
No command prints a value: the server never sends one back.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError
from .._secret import Secret
from .agent_steer import changes_text, diff_text
from .main import CLIContext

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..v1 import OpenHandsV1


def register(subparsers: Any, common: argparse.ArgumentParser, client: Callable[[CLIContext], OpenHandsV1]) -> None:
    """Add the commands; ``client`` builds the V1 client from the context (cli.v1's, so tests can swap it)."""

    def add(name: str, help_text: str, handler: Any, *positionals: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(name, parents=[common], help=help_text,
                                                                description=f"V1 app server: {help_text}.")
        for positional in positionals:
            parser.add_argument(positional)
        parser.set_defaults(handler=handler, v1_client=client)
        return parser

    send = add("send-message", "send a user message to a conversation (the agent runs on it)", _send, "conversation_id", "text")
    send.add_argument("--no-run", action="store_true", help="only add the message; do not start the agent")
    add("queue-message", "queue a message for a conversation still starting (by start task id)", _queue, "task_id", "text")
    add("rename", "set a conversation's title", _rename, "conversation_id", "title")
    for name, help_text, handler in (("git-changes", "list the changed files of a git repository in the sandbox", _git_changes),
                                     ("git-diff", "print a file's original and modified text in the sandbox", _git_diff)):
        git = add(name, help_text, handler, "conversation_id", "path")
        git.add_argument("--ref", help="compare with this git ref")
    secrets = add("secrets", "list your custom secrets (names and descriptions; values are never shown)", _secrets)
    secrets.add_argument("--name-contains", help="only names containing this")
    create = add("create-secret", "store a custom secret; the value comes from stdin or --value-env, never argv",
                 _create_secret, "name")
    create.add_argument("--value-env", metavar="VAR", help="read the value from this environment variable")
    create.add_argument("--description", help="what the secret is for")
    add("delete-secret", "delete a custom secret", _delete_secret, "name")


def _send(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        sent = v1.send_message(args.conversation_id, args.text, run=not args.no_run)
    ctx.emit(sent, f"sent to {args.conversation_id} (sandbox {sent.sandbox_status}, success={sent.success})")
    return 0 if sent.success else 1


def _queue(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        queued = v1.queue_message(args.task_id, args.text)
    ctx.emit(queued, f"queued for start task {args.task_id} at position {queued.position} (delivered when it is ready)")
    return 0


def _rename(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        conversation = v1.rename(args.conversation_id, args.title)
    ctx.emit(conversation, f"renamed {args.conversation_id}: {args.title}")
    return 0


def _git_changes(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        changes = v1.git_changes(args.conversation_id, args.path, ref=args.ref)
    ctx.emit(changes, lambda: changes_text(changes))
    return 0


def _git_diff(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        diff = v1.git_diff(args.conversation_id, args.path, ref=args.ref)
    ctx.emit(diff, lambda: diff_text(diff))
    return 0


def _secrets(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        items = list(v1.iter_secrets(name_contains=args.name_contains))
    ctx.emit(items, lambda: "\n".join(f"{s.name}  {s.description or ''}".rstrip() for s in items) or "(no secrets)")
    return 0


def _secret_value(args: argparse.Namespace) -> Secret:
    if args.value_env:
        value = os.environ.get(args.value_env)
        if value is None:
            raise ConfigurationError(f"${args.value_env} is not set")
    else:
        if sys.stdin.isatty():
            print("secret value (one line; input is visible: prefer a pipe or --value-env):", file=sys.stderr)
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ConfigurationError("the secret value is empty: pipe it on stdin or name a variable with --value-env")
    return Secret(value)  # masked wherever it could be printed


def _create_secret(args: argparse.Namespace, ctx: CLIContext) -> int:
    value = _secret_value(args)
    with args.v1_client(ctx) as v1:
        v1.create_secret(args.name, value, description=args.description)
    ctx.emit({"name": args.name, "created": True}, f"stored secret {args.name}")
    return 0


def _delete_secret(args: argparse.Namespace, ctx: CLIContext) -> int:
    with args.v1_client(ctx) as v1:
        v1.delete_secret(args.name)
    ctx.emit({"name": args.name, "deleted": True}, f"deleted secret {args.name}")
    return 0

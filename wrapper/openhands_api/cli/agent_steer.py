"""``openhands-api agent ...``: steering a conversation, background bash, git and trajectory commands.

Registered by :mod:`openhands_api.cli.agent` under the same ``agent --url URL`` group; kept in its own
module so each stays short. Every command calls one typed client method.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._models import present
from .main import CLIContext

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..agent import AgentServerClient, BashEvent

Client = Callable[[argparse.Namespace], "AgentServerClient"]


def register(commands: Any, common: argparse.ArgumentParser, client: Client) -> None:
    """Add the commands; ``client`` builds the agent client from the arguments (cli.agent's)."""

    def command(name: str, help_text: str, handler: Any, *ids: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, parents=[common], help=help_text)
        for arg in ids:
            parser.add_argument(arg)
        parser.set_defaults(handler=handler, agent_client=client)
        return parser

    command("interrupt", "stop a conversation's agent at once (the step in flight is cancelled)", _interrupt, "conversation_id")
    confirm = command("confirm", "accept or reject the actions a conversation waits to have confirmed", _confirm, "conversation_id")
    choice = confirm.add_mutually_exclusive_group(required=True)
    choice.add_argument("--accept", dest="accept", action="store_true", help="run the held actions")
    choice.add_argument("--reject", dest="accept", action="store_false", help="refuse them (the agent chooses again)")
    confirm.add_argument("--reason", help="why (sent to the agent with --reject)")
    command("final-response", "print the agent's final answer (empty while it has none)", _final_response, "conversation_id")
    command("rename", "set a conversation's title", _rename, "conversation_id", "title")
    command("download-trajectory", "save a conversation's trajectory (a zip) to a local file", _trajectory,
            "conversation_id", "local")
    changes = command("git-changes", "list the changed files of a git repository on the server", _git_changes, "path")
    changes.add_argument("--ref", help="compare with this ref instead of the server's default")
    diff = command("git-diff", "print a file's original and modified text", _git_diff, "path")
    diff.add_argument("--ref", help="compare with this ref instead of the server's default")
    events = command("bash-events", "list background commands' output (see `bash --background`)", _bash_events)
    events.add_argument("--command-id", help="only this command's events")
    events.add_argument("--limit", type=int, default=None, help="at most this many events (default all)")


def _client(args: argparse.Namespace) -> AgentServerClient:
    client: Client = args.agent_client
    return client(args)


def start_background(args: argparse.Namespace, ctx: CLIContext, client: Client) -> int:
    """``bash --background COMMAND``: start it and print its id; its output: ``bash-events --command-id ID``."""
    with client(args) as agent:
        started = agent.start_bash(args.shell_command, cwd=args.cwd, timeout_s=args.timeout)
    ctx.emit(started, f"started {started.id} (output: openhands-api agent bash-events --command-id {started.id})")
    return 0


def _interrupt(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        agent.interrupt(args.conversation_id)
    ctx.emit({"conversation_id": args.conversation_id, "interrupted": True}, f"interrupted {args.conversation_id}")
    return 0


def _confirm(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        agent.respond_to_confirmation(args.conversation_id, accept=args.accept, reason=args.reason)
    verb = "accepted" if args.accept else "rejected"
    ctx.emit({"conversation_id": args.conversation_id, "accept": args.accept}, f"{verb} the pending actions of {args.conversation_id}")
    return 0


def _final_response(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        text = agent.final_response(args.conversation_id)
    ctx.emit({"conversation_id": args.conversation_id, "response": text}, text)
    return 0


def _rename(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        agent.rename(args.conversation_id, args.title)
    ctx.emit({"conversation_id": args.conversation_id, "title": args.title}, f"renamed {args.conversation_id}: {args.title}")
    return 0


def _trajectory(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        size = agent.download_trajectory(args.conversation_id, args.local)
    ctx.emit({"local": args.local, "bytes": size}, f"downloaded the trajectory of {args.conversation_id} -> {args.local} ({size} bytes)")
    return 0


def _git_changes(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        changes = agent.git_changes(args.path, ref=args.ref)
    ctx.emit(changes, lambda: changes_text(changes))
    return 0


def _git_diff(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        diff = agent.git_diff(args.path, ref=args.ref)
    ctx.emit(diff, lambda: diff_text(diff))
    return 0


def changes_text(changes: Sequence[Any]) -> str:
    """Changed files, one a line (agent server and V1 app server answers alike)."""
    return "\n".join(f"{c.status:<8} {c.path}" for c in changes) or "(no changes)"


def diff_text(diff: Any) -> str:
    return f"--- original\n{diff.original or ''}\n+++ modified\n{diff.modified or ''}"


def _bash_events(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        events = list(agent.iter_bash_events(command_id=args.command_id, max_items=args.limit))

    from openhands_api_agent.models import BashCommand, BashOutput

    def line(event: BashEvent) -> str:
        if isinstance(event, BashCommand):
            return f"{event.id}  command  {present(event.command) or ''}"
        if isinstance(event, BashOutput):
            text = ((present(event.stdout) or "") + (present(event.stderr) or "")).rstrip("\n")
            code = present(event.exit_code)
            return f"{event.command_id}  output   {text}" + ("" if code is None else f" [exit code {code}]")
        return f"{present(getattr(event, 'id', None)) or ''}  {event.kind}"

    ctx.emit(events, lambda: "\n".join(line(e) for e in events) or "(no events)")
    return 0

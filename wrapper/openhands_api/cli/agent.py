"""``openhands-api agent --url URL [--session-key KEY] COMMAND``: one agent server."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from typing import TYPE_CHECKING, Any

from .._models import present
from . import agent_steer
from .main import CLIContext, event_line

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..agent import AgentServerClient


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    agent = subparsers.add_parser(
        "agent", parents=[common], help="talk to one agent server (bash, files, conversations, events)",
        description="Commands for one agent server. The key comes from --session-key or $OH_SESSION_API_KEY.",
    )
    agent.add_argument("--url", required=True, help="agent server base URL, e.g. http://127.0.0.1:8000")
    agent.add_argument("--session-key", default=None, help="X-Session-API-Key (else $OH_SESSION_API_KEY); never printed")
    commands = agent.add_subparsers(dest="agent_command", metavar="COMMAND", required=True)

    bash = commands.add_parser("bash", parents=[common], help="run a shell command and print its output")
    bash.add_argument("shell_command", metavar="COMMAND")
    bash.add_argument("--cwd", help="absolute working directory on the server")
    bash.add_argument("--timeout", type=int, help="seconds before the server kills the command (default 300)")
    bash.add_argument("--background", action="store_true", help="start it and print its id instead of waiting (see bash-events)")
    bash.set_defaults(handler=_bash)

    upload = commands.add_parser("upload", parents=[common], help="upload a local file to an absolute remote path")
    upload.add_argument("local")
    upload.add_argument("remote", metavar="REMOTE_ABS")
    upload.set_defaults(handler=_upload)

    download = commands.add_parser("download", parents=[common], help="download an absolute remote path to a local file")
    download.add_argument("remote", metavar="REMOTE_ABS")
    download.add_argument("local")
    download.set_defaults(handler=_download)

    conversations = commands.add_parser("conversations", parents=[common], help="list conversations, newest first")
    conversations.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    conversations.set_defaults(handler=_conversations)

    events = commands.add_parser("events", parents=[common], help="list a conversation's events")
    events.add_argument("conversation_id")
    events.add_argument("--limit", type=int, default=None, help="at most this many events (default all)")
    events.set_defaults(handler=_events)

    count = commands.add_parser("count-events", parents=[common], help="count a conversation's events")
    count.add_argument("conversation_id")
    count.set_defaults(handler=_count_events)

    from .follow import register as register_follow  # here: the CLI's other commands need no WebSocket library

    register_follow(commands, common, client=_client)

    agent_steer.register(commands, common, client=_client)


def _client(args: argparse.Namespace) -> AgentServerClient:
    from ..agent import AgentServerClient

    return AgentServerClient(args.url, args.session_key)


def _bash(args: argparse.Namespace, ctx: CLIContext) -> int:
    if getattr(args, "background", False):  # `sandbox bash` reuses this handler without --background
        return agent_steer.start_background(args, ctx, _client)
    with _client(args) as agent:
        result = agent.bash(args.shell_command, cwd=args.cwd, timeout_s=args.timeout)
    data = {"command": result.command, "exit_code": result.exit_code, "stdout": result.stdout,
            "stderr": result.stderr, "timed_out": result.timed_out}

    def human() -> str:
        lines = [result.stdout.rstrip("\n")] if result.stdout else []
        if result.stderr:
            lines.append(result.stderr.rstrip("\n"))
        status = f"timed out after {args.timeout} s" if result.timed_out else f"exit code {result.exit_code}"
        lines.append(f"[{status}]")
        return "\n".join(lines)

    ctx.emit(data, human)
    return 0


def _upload(args: argparse.Namespace, ctx: CLIContext) -> int:
    if not os.path.isfile(args.local):
        ctx.progress(f"openhands-api: error: local file {args.local!r} does not exist")
        return 2
    with _client(args) as agent:
        result = agent.upload_file(args.local, args.remote)
    size = present(result.file_size)
    size = os.path.getsize(args.local) if size is None else size  # agent server 1.34 (V1 sandboxes) does not say
    ctx.emit({"remote": args.remote, "bytes": size}, f"uploaded {args.local} -> {args.remote} ({size} bytes)")
    return 0


def _download(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        size = agent.download_file(args.remote, args.local)
    ctx.emit({"local": args.local, "bytes": size}, f"downloaded {args.remote} -> {args.local} ({size} bytes)")
    return 0


def _conversations(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        items = list(agent.iter_conversations(page_size=min(max(args.limit, 1), 100), max_items=args.limit))
    ctx.emit(items, lambda: "\n".join(f"{c.id}  {c.execution_status:<10}  {c.title or ''}" for c in items) or "(no conversations)")
    return 0


def _events(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        events = list(agent.iter_events(args.conversation_id, max_items=args.limit))

    def human() -> str:
        lines = [event_line(e) for e in events]
        return "\n".join(lines) or "(no events)"

    ctx.emit(events, human)
    return 0


def _count_events(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(args) as agent:
        total = agent.count_events(args.conversation_id)
        by_kind: Counter[str] = agent.count_events_by_kind(args.conversation_id) if not ctx.json_output else Counter()
    if ctx.json_output:
        ctx.emit({"conversation_id": args.conversation_id, "count": total, "source": "agent"})
    else:
        ctx.emit(None, f"{total} events" + "".join(f"\n  {k}: {n}" for k, n in sorted(by_kind.items())))
    return 0

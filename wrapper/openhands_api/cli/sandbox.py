"""``openhands-api sandbox bash|upload|download ID ...``: work in a V1 sandbox by any id.

The id (a conversation, start-task or sandbox id) is resolved through the V1 app server to its
agent server's URL and session key; the key stays a :class:`~openhands_api.Secret`, is handed to
the agent-server client and is never printed. The commands then run exactly as ``openhands-api
agent --url URL bash|upload|download`` (same output, same exit codes). A paused sandbox is resumed
first unless ``--no-resume``.
"""

from __future__ import annotations

import argparse
import functools
from typing import TYPE_CHECKING, Any

from . import agent
from .main import CLIContext, Handler
from .progress import Progress

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..v1 import OpenHandsV1


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    sandbox = subparsers.add_parser(
        "sandbox", parents=[common], help="work in a V1 sandbox by any id: bash, upload, download",
        description="Resolve a V1 conversation, start-task or sandbox id to its agent server (URL and key; "
        "the key is never printed), then run the command there.",
    )
    commands = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, parents=[common], help=help_text)
        parser.add_argument("any_id", metavar="ID", help="a V1 conversation, start-task or sandbox id")
        parser.add_argument("--no-resume", action="store_true", help="fail instead of resuming a paused sandbox")
        parser.set_defaults(handler=functools.partial(_in_sandbox, handler))
        return parser

    bash = add("bash", "run a shell command in the sandbox and print its output", agent._bash)
    bash.add_argument("shell_command", metavar="COMMAND")
    bash.add_argument("--cwd", help="absolute working directory in the sandbox")
    bash.add_argument("--timeout", type=int, help="seconds before the server kills the command (default 300)")

    upload = add("upload", "upload a local file to an absolute path in the sandbox", agent._upload)
    upload.add_argument("local")
    upload.add_argument("remote", metavar="REMOTE_ABS")

    download = add("download", "download an absolute path in the sandbox to a local file", agent._download)
    download.add_argument("remote", metavar="REMOTE_ABS")
    download.add_argument("local")


def _client(ctx: CLIContext) -> OpenHandsV1:
    from ..v1 import OpenHandsV1

    return OpenHandsV1(ctx.base_url, api_key=ctx.api_key)


def _in_sandbox(handler: Handler, args: argparse.Namespace, ctx: CLIContext) -> int | None:
    with _client(ctx) as oh, Progress(ctx, f"resolving {args.any_id}") as progress:
        resolved = oh.resolve_agent_server(args.any_id, resume=not args.no_resume, on_progress=progress.update)
    args.url, args.session_key = resolved.url, resolved.session_key  # a Secret: the agent client sends it, nobody prints it
    return handler(args, ctx)

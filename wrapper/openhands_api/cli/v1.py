"""The V1 app server commands: ``openhands-api search-conversations``, ``start-conversation`` ...

They talk to the app server given by ``--base-url`` (else ``$OPENHANDS_BASE_URL`` /
``$OPENHANDS_APP_BASE``, else OpenHands Cloud) with the key from ``--api-key`` (else
``$OPENHANDS_API_KEY`` / ``$OPENHANDS_CLOUD_API_KEY`` / ``$OH_API_KEY`` / a key file). Keys are never
printed; ``agent-url`` prints the agent server's URL only.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from .. import _constants as C
from .._exceptions import ConfigurationError
from .._models import present
from . import v1_ops
from .main import CLIContext, event_line

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..v1 import OpenHandsV1, StartedConversation

# The count sources (``openhands_api.v1.SOURCES``, checked equal by a test), written out so that
# building the parser does not import the V1 client.
SOURCES = ("app", "agent", "zip")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    def add(name: str, help_text: str, handler: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = subparsers.add_parser(name, parents=[common], help=help_text,
                                                                description=f"V1 app server: {help_text}.")
        parser.set_defaults(handler=handler)
        return parser

    search = add("search-conversations", "list app conversations, newest first", _search_conversations)
    search.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")

    start = add("start-conversation", "start a conversation and wait until it is ready and finished", _start_conversation)
    prompt = start.add_mutually_exclusive_group(required=True)
    prompt.add_argument("--prompt", help="the first message")
    prompt.add_argument("--prompt-file", help="read the first message from this file")
    prompt.add_argument("--prompts-file", metavar="FILE.jsonl",
                        help="start one conversation per line (a prompt, or JSON: prompt, repo, branch, title); "
                             "a summary table at the end, exit 0 only if all finished")
    start.add_argument("--append-file", help="append this file's text to the prompt (after a blank line)")
    start.add_argument("--repo", help="repository to work on, owner/repo")
    start.add_argument("--branch", help="branch of --repo")
    start.add_argument("--title", help="conversation title")
    start.add_argument("--no-wait", action="store_true", help="print the start task and return at once")
    start.add_argument("--no-wait-finished", action="store_true", help="return once the conversation is READY")
    start.add_argument("--timeout", type=float, default=600.0, help="seconds to wait in total (default 600)")
    _fan_out_options(start)

    conversation = add("conversation", "show one app conversation", _conversation)
    conversation.add_argument("conversation_id")

    count = add("count-events", "count a conversation's events (app server, else agent server, else zip)", _count_events)
    count.add_argument("conversation_ids", nargs="+", metavar="conversation_id",
                       help="one id, or several (counted --concurrency at a time; a row each)")
    _fan_out_options(count)
    count.add_argument("--source", choices=SOURCES, help="use only this source")
    count.add_argument("--resume", action="store_true", help="resume a paused sandbox to ask its agent server")

    events = add("events", "list a conversation's stored events", _events)
    events.add_argument("conversation_id")
    events.add_argument("--limit", type=int, default=None, help="at most this many (default all)")
    events.add_argument("--kind", help="only this event class, e.g. ActionEvent")

    sandboxes = add("sandboxes", "list sandboxes", _sandboxes)
    sandboxes.add_argument("--limit", type=int, default=None, help="at most this many (default all)")

    pause = add("pause-sandbox", "pause a sandbox", _pause_sandbox)
    pause.add_argument("sandbox_id")

    resume = add("resume-sandbox", "resume a paused sandbox and wait until it runs", _resume_sandbox)
    resume.add_argument("sandbox_id")
    resume.add_argument("--no-wait", action="store_true", help="do not wait for RUNNING")

    download = add("download-trajectory", "download a conversation's trajectory zip", _download_trajectory)
    download.add_argument("conversation_id")
    download.add_argument("output", metavar="OUT.zip")

    add("me", "show the current user", _me)

    agent_url = add("agent-url", "print the agent server URL behind a conversation, start task or sandbox id", _agent_url)
    agent_url.add_argument("any_id", metavar="ID")
    agent_url.add_argument("--no-resume", action="store_true", help="fail instead of resuming a paused sandbox")

    v1_ops.register(subparsers, common, client=lambda ctx: _client(ctx))  # looked up per call (tests replace _client)


def _fan_out_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=_positive(int), default=C.DEFAULT_FANOUT_CONCURRENCY,
                        help=f"with several: how many at a time (default {C.DEFAULT_FANOUT_CONCURRENCY})")
    parser.add_argument("--rate", type=_positive(float), default=C.DEFAULT_RATE_PER_S,
                        help=f"with several: requests per second to the app server, shared (default {C.DEFAULT_RATE_PER_S:g})")


def _positive(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


def _client(ctx: CLIContext) -> OpenHandsV1:
    from ..v1 import OpenHandsV1

    return OpenHandsV1(ctx.base_url, api_key=ctx.api_key)


def _conversation_line(c: Any) -> str:
    status = present(c.execution_status) or "-"
    return f"{c.id}  {present(c.sandbox_status) or '-'!s:<8} {status!s:<10} {present(c.title) or ''}"


def _search_conversations(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        items = list(oh.iter_conversations(page_size=min(max(args.limit, 1), 100), max_items=args.limit))
    ctx.emit(items, lambda: "\n".join(_conversation_line(c) for c in items) or "(no conversations)")
    return 0


def _start_conversation(args: argparse.Namespace, ctx: CLIContext) -> int:
    if args.prompts_file:
        if args.no_wait or args.append_file or args.repo or args.branch or args.title:
            raise ConfigurationError("--prompts-file takes repo, branch and title per line; "
                                     "--no-wait, --append-file, --repo, --branch and --title do not apply")
        from .batch import start_batch  # asyncio and the fan-out only for batches

        return start_batch(args, ctx)
    started_at = time.monotonic()

    def progress(message: str) -> None:
        ctx.progress(f"[{time.monotonic() - started_at:5.1f}s] {message}")

    with _client(ctx) as oh:
        if args.no_wait:
            task = oh.start_conversation(args.prompt, prompt_file=args.prompt_file, append_file=args.append_file,
                                         repository=args.repo, branch=args.branch, title=args.title)
            ctx.emit(task, f"start task {task.id}: {task.status} (follow it with the start task id; "
                           f"the conversation id comes when it is READY)")
            return 0
        result: StartedConversation = oh.start_conversation_and_wait(
            args.prompt, prompt_file=args.prompt_file, append_file=args.append_file, repository=args.repo,
            branch=args.branch, title=args.title, wait_finished=not args.no_wait_finished, timeout_s=args.timeout,
            on_progress=progress,
        )
    conv = result.conversation
    ctx.emit(conv, lambda: f"conversation {conv.id}: execution_status={present(conv.execution_status)} "
                           f"sandbox={conv.sandbox_id} ({time.monotonic() - started_at:.1f} s)")
    return 0


def _conversation(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        conv = oh.get_conversation(args.conversation_id)

    def human() -> str:
        return "\n".join([
            f"id               {conv.id}",
            f"title            {present(conv.title) or ''}",
            f"sandbox          {present(conv.sandbox_id)} ({present(conv.sandbox_status)})",
            f"execution_status {present(conv.execution_status)}",
            f"repository       {present(conv.selected_repository) or '-'} {present(conv.selected_branch) or ''}".rstrip(),
            f"created_at       {present(conv.created_at)}",
            f"agent server     {'yes' if present(conv.conversation_url) else 'not running'}",
        ])

    ctx.emit(conv, human)
    return 0


def _count_events(args: argparse.Namespace, ctx: CLIContext) -> int:
    if len(args.conversation_ids) > 1:
        from .batch import count_batch  # asyncio and the fan-out only for batches

        return count_batch(args, ctx)
    with _client(ctx) as oh:
        result = oh.count_events(args.conversation_ids[0], source=args.source, resume_paused=args.resume)
    data = {
        "conversation_id": result.conversation_id, "count": result.count, "source": result.source,
        "failures": result.failures,
        "attempts": [{"source": a.source, "count": a.count, "error": a.error, "elapsed_s": round(a.elapsed_s, 3)}
                     for a in result.attempts],
        "relation": result.relation,
    }

    def human() -> str:
        lines = [f"{result.count} events (source: {result.source})"]
        lines += [f"  {source} skipped: {reason}" for source, reason in result.failures.items()]
        return "\n".join(lines)

    ctx.emit(data, human)
    return 0


def _events(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        events = list(oh.iter_events(args.conversation_id, kind=args.kind, max_items=args.limit))

    def human() -> str:
        lines = [event_line(e) for e in events]
        return "\n".join(lines) or "(no events)"

    ctx.emit(events, human)
    return 0


def _sandboxes(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        items = list(oh.iter_sandboxes(max_items=args.limit))

    def line(s: Any) -> str:
        urls = ", ".join(f"{u.name}={u.url}" for u in (present(s.exposed_urls) or []))
        return f"{s.id}  {s.status!s:<8} {urls}"

    ctx.emit(items, lambda: "\n".join(line(s) for s in items) or "(no sandboxes)")
    return 0


def _pause_sandbox(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        oh.pause_sandbox(args.sandbox_id)
    ctx.emit({"sandbox_id": args.sandbox_id, "paused": True}, f"sandbox {args.sandbox_id} paused")
    return 0


def _resume_sandbox(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        if not args.no_wait:
            ctx.progress(f"resuming sandbox {args.sandbox_id} and waiting until it runs")
        sandbox = oh.resume_sandbox(args.sandbox_id, wait=not args.no_wait)
    status = str(sandbox.status) if sandbox is not None else "resume requested"
    ctx.emit({"sandbox_id": args.sandbox_id, "status": status}, f"sandbox {args.sandbox_id}: {status}")
    return 0


def _download_trajectory(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        size = oh.download_trajectory(args.conversation_id, args.output)
    ctx.emit({"conversation_id": args.conversation_id, "file": args.output, "bytes": size},
             f"wrote {args.output} ({size} bytes)")
    return 0


def _me(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        user = oh.me()

    def human() -> str:
        llm = present(getattr(present(user.agent_settings), "llm", None))
        model = present(llm.model) if llm is not None else None
        return "\n".join([
            f"id     {present(user.id) or '(none: self-hosted server without accounts)'}",
            f"email  {present(user.email) or '-'}",
            f"llm    {model or '-'}",
        ])

    ctx.emit(user, human)
    return 0


def _agent_url(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as oh:
        resolved = oh.resolve_agent_server(args.any_id, resume=not args.no_resume, on_progress=ctx.progress)
    ctx.emit({"url": resolved.url, "conversation_id": resolved.conversation_id, "sandbox_id": resolved.sandbox_id,
              "url_source": resolved.url_source, "resumed": resolved.resumed}, resolved.url)
    return 0

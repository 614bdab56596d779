"""``openhands-api v0 COMMAND``: the legacy V0 app server (the seed script's CLI, typed and safer).

    openhands-api v0 new-conversation --prompt-file task.md --repo owner/repo --branch main --poll
    openhands-api v0 get ID | list | events ID | trajectory ID OUT.json | stop ID | start ID | delete ID

Key and URL: ``--api-key`` / ``--base-url`` (global options), else the app-server discovery
(``OPENHANDS_API_KEY`` ..., ``OPENHANDS_BASE_URL`` / ``OPENHANDS_APP_BASE``, default OpenHands Cloud).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _constants as C
from .._exceptions import InvalidArgumentError
from .main import CLIContext

if TYPE_CHECKING:  # the client (and its generated models) loads only when a command runs
    from ..v0 import PollProgress, V0Client

# The seed CLI's defaults.
DEFAULT_TIMEOUT_S = 1200
DEFAULT_POLL_INTERVAL_S = 30.0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    v0 = subparsers.add_parser(
        "v0", parents=[common], help="legacy V0 app server: conversations, events, trajectory",
        description="Commands for the legacy V0 app server (/api/conversations). Key and URL: --api-key/--base-url, "
        "else $OPENHANDS_API_KEY (...) and $OPENHANDS_BASE_URL, else OpenHands Cloud.",
    )
    commands = v0.add_subparsers(dest="v0_command", metavar="COMMAND", required=True)

    new = commands.add_parser("new-conversation", parents=[common], help="create a conversation (and optionally wait for it)")
    prompt = new.add_mutually_exclusive_group(required=True)
    prompt.add_argument("--prompt", help="the first user message")
    prompt.add_argument("--prompt-file", help="file holding the first user message")
    new.add_argument("--append-file", help="a second file appended to the prompt (seed option)")
    new.add_argument("--repo", help="owner/repo (the server needs a git token for its provider)")
    new.add_argument("--branch", help="git branch")
    new.add_argument("--git-provider", help="github, gitlab, bitbucket, ...")
    new.add_argument("--poll", action="store_true", help="wait until the run ends, then print the final state")
    new.add_argument("--timeout-s", type=float, default=DEFAULT_TIMEOUT_S, help=f"with --poll: give up after this (default {DEFAULT_TIMEOUT_S})")
    new.add_argument("--poll-interval-s", type=float, default=DEFAULT_POLL_INTERVAL_S,
                     help=f"with --poll: longest pause between polls (default {DEFAULT_POLL_INTERVAL_S:.0f}; first polls are quicker)")
    new.set_defaults(handler=_new_conversation)

    get = commands.add_parser("get", parents=[common], help="show one conversation")
    get.add_argument("conversation_id")
    get.set_defaults(handler=_get)

    lst = commands.add_parser("list", parents=[common], help="list conversations, newest first")
    lst.add_argument("--limit", type=int, default=C.V0_LIST_LIMIT, help=f"at most this many (default {C.V0_LIST_LIMIT})")
    lst.add_argument("--repo", help="only conversations on this owner/repo")
    lst.set_defaults(handler=_list)

    events = commands.add_parser("events", parents=[common], help="list a conversation's events, oldest first")
    events.add_argument("conversation_id")
    events.add_argument("--start-id", type=int, default=0, help="first event id (default 0)")
    events.add_argument("--limit", type=int, default=None, help="at most this many events (default all)")
    events.set_defaults(handler=_events)

    trajectory = commands.add_parser("trajectory", parents=[common], help="save the whole event history as JSON")
    trajectory.add_argument("conversation_id")
    trajectory.add_argument("out", metavar="OUT.json")
    trajectory.set_defaults(handler=_trajectory)

    for name, handler, text in (("stop", _stop, "stop a conversation's agent"),
                                ("start", _start, "start a stopped conversation again"),
                                ("delete", _delete, "delete a conversation")):
        cmd = commands.add_parser(name, parents=[common], help=text)
        cmd.add_argument("conversation_id")
        cmd.set_defaults(handler=handler)


def _client(ctx: CLIContext) -> V0Client:
    from ..v0 import V0Client

    return V0Client(api_key=ctx.api_key, base_url=ctx.base_url)


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read {what} {path!r}: {exc.strerror}") from exc


def _new_conversation(args: argparse.Namespace, ctx: CLIContext) -> int:
    text = args.prompt if args.prompt is not None else _read(args.prompt_file, "--prompt-file")
    if args.append_file and os.path.exists(args.append_file):
        text = f"{text}\n\n{_read(args.append_file, '--append-file')}"
    if args.poll and (args.timeout_s <= 0 or args.poll_interval_s <= 0):
        raise InvalidArgumentError("--timeout-s and --poll-interval-s must be positive")
    with _client(ctx) as api:
        created = api.create_conversation(initial_user_msg=text, repository=args.repo, selected_branch=args.branch,
                                          git_provider=args.git_provider)
        cid = created.conversation_id
        web_url = api.web_url(cid)
        if not args.poll:
            ctx.emit({**created.to_dict(), "web_url": web_url}, f"{cid}\n{web_url}")
            return 0
        # The id and URL go out at once (stderr in --json mode), so a human can follow a long wait.
        ctx.progress(f"created {cid}  {web_url}")

        def progress(p: PollProgress) -> None:
            ctx.progress(f"[{p.elapsed_s:6.1f}s] status={p.status} agent_state={p.agent_state or '-'}")

        final = api.poll_until_terminal(cid, timeout_s=args.timeout_s, poll_interval_s=args.poll_interval_s, on_progress=progress)
    data = {"conversation_id": cid, "web_url": web_url, "ended_by": final.ended_by, "agent_state": final.agent_state,
            "conversation": final.to_dict()}
    ctx.emit(data, f"{cid}\n{web_url}\nended by {final.ended_by}: status={final.status} agent_state={final.agent_state}")
    return 0


def _get(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as api:
        conv = api.get_conversation(args.conversation_id)
    ctx.emit(conv, lambda: "\n".join(f"{k}: {v}" for k, v in conv.items() if k != "session_api_key"))
    return 0


def _list(args: argparse.Namespace, ctx: CLIContext) -> int:
    if not 1 <= args.limit <= 1000:
        raise InvalidArgumentError(f"--limit must be between 1 and 1000, got {args.limit}")
    with _client(ctx) as api:
        items = list(api.iter_conversations(page_size=min(args.limit, C.MAX_PAGE_SIZE), max_items=args.limit,
                                            selected_repository=args.repo))
    ctx.emit(items, lambda: "\n".join(f"{c.conversation_id}  {c.status:<8}  {c.title}" for c in items) or "(no conversations)")
    return 0


def _describe_event(event: Any) -> str:
    raw = event.raw
    kind = f"action={raw['action']}" if "action" in raw else f"observation={raw['observation']}" if "observation" in raw else "event"
    extras = raw.get("extras") if isinstance(raw.get("extras"), dict) else {}
    detail = f" agent_state={extras['agent_state']}" if "agent_state" in extras else ""
    message = str(raw.get("message") or "").splitlines()[0][:80] if raw.get("message") else ""
    return f"{raw.get('id', '?'):>4}  {raw.get('source', ''):<11} {kind}{detail}  {message}"


def _events(args: argparse.Namespace, ctx: CLIContext) -> int:
    if args.limit is not None and args.limit < 1:
        raise InvalidArgumentError(f"--limit must be positive, got {args.limit}")
    events: list[Any] = []
    with _client(ctx) as api:
        for event in api.iter_events(args.conversation_id, start_id=args.start_id):
            events.append(event)
            if args.limit is not None and len(events) >= args.limit:
                break
    ctx.emit(events, lambda: "\n".join(_describe_event(e) for e in events) or "(no events)")
    return 0


def _trajectory(args: argparse.Namespace, ctx: CLIContext) -> int:
    out = Path(args.out)
    if not out.parent.is_dir():
        raise InvalidArgumentError(f"folder {str(out.parent)!r} does not exist")
    with _client(ctx) as api:
        trajectory = api.get_trajectory(args.conversation_id)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_text(json.dumps(trajectory.to_dict(), indent=2), encoding="utf-8")
    tmp.replace(out)  # never leave a half-written file under the requested name
    count = len(trajectory.trajectory)
    ctx.emit({"conversation_id": args.conversation_id, "out": str(out), "events": count},
             f"wrote {count} events to {out}")
    return 0


def _stop(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as api:
        result = api.stop_conversation(args.conversation_id)
    ctx.emit(result, f"{result.conversation_id}: {result.message or 'stopped'}")
    return 0


def _start(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as api:
        result = api.start_conversation(args.conversation_id)
    ctx.emit(result, f"{result.conversation_id}: {result.conversation_status}")
    return 0


def _delete(args: argparse.Namespace, ctx: CLIContext) -> int:
    with _client(ctx) as api:
        deleted = api.delete_conversation(args.conversation_id)
    ctx.emit({"conversation_id": args.conversation_id, "deleted": deleted},
             f"{args.conversation_id}: {'deleted' if deleted else 'nothing to delete'}")
    return 0

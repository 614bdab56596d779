"""Request bodies for the agent server, built with the generated constructors (typed fields), and the
shaping of answers that need more than the generated model. Shared by both twins of the client."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import IO, Any, BinaryIO, cast

import httpx

from .. import _constants as C
from .._exceptions import InvalidArgumentError
from .._seam import building_request
from .._secret import Secret
from . import _generated as G
from ._types import BashResult, TerminalType


def _given(value: Any) -> Any:
    """None (the wrapper's "not given") as the generated models' UNSET, so the field is left out."""
    return G.UNSET if value is None else value


def require_absolute(path: str) -> str:
    if not isinstance(path, str) or not PurePosixPath(path).is_absolute():
        raise InvalidArgumentError(
            f"remote path {path!r} is not absolute",
            hint="the agent server only accepts absolute paths, e.g. /workspace/file.txt",
        )
    return path


@building_request()
def message_request(text: str, run: bool | None = None) -> G.SendMessageRequest:
    return G.SendMessageRequest(role="user", content=[G.TextContent(text=text)], run=_given(run))


@building_request()
def start_request(
    *,
    working_dir: str,
    llm_model: str,
    llm_api_key: str | Secret | None,
    llm_base_url: str | None,
    prompt: str | None,
    tools: Sequence[str],
    terminal_type: TerminalType | None,
    max_iterations: int | None,
    conversation_id: str | None,
    autotitle: bool | None,
    tags: dict[str, str] | None,
    llm_extra: dict[str, Any] | None,
    confirm_actions: bool = False,
) -> G.StartConversationRequest:
    """The body of ``POST /api/conversations``."""
    llm = G.LLMConfig(model=llm_model, base_url=_given(llm_base_url),
                    api_key=_given(llm_api_key.reveal() if isinstance(llm_api_key, Secret) else llm_api_key))
    llm.additional_properties.update(llm_extra or {})
    tool_specs = []
    for name in tools:
        params: G.ToolSpecParams | G.Unset = G.UNSET
        if name == "terminal" and terminal_type is not None:
            params = G.ToolSpecParams()
            params.additional_properties["terminal_type"] = terminal_type
        tool_specs.append(G.ToolSpec(name=name, params=params))
    # from_dict, not the constructor: the tag rules (lowercase alphanumeric keys, string values) run there.
    tag_map: G.StartConversationRequestTags | G.Unset = G.UNSET if tags is None else G.StartConversationRequestTags.from_dict(tags)
    body = G.StartConversationRequest(
        workspace=G.WorkspaceSpec(working_dir=working_dir),
        agent=G.AgentSpec(llm=llm, tools=tool_specs),
        initial_message=G.UNSET if prompt is None else message_request(prompt),
        max_iterations=_given(max_iterations),
        conversation_id=_given(conversation_id),
        autotitle=_given(autotitle),
        tags=tag_map,
    )
    if confirm_actions:  # not in the spec's listed fields (the request is open): the server's policy object
        body.additional_properties["confirmation_policy"] = {"kind": "AlwaysConfirm"}
    return body


@building_request()
def bash_body(command: str, cwd: str | None, timeout_s: int | None) -> G.ExecuteBashRequest:
    """The body of ``execute_bash_command`` and of ``start_bash_command`` (the same request model)."""
    return G.ExecuteBashRequest(
        command=command,
        cwd=G.UNSET if cwd is None else require_absolute(cwd),
        timeout=G.UNSET if timeout_s is None else int(timeout_s),
    )


def bash_request(command: str, cwd: str | None, timeout_s: int | None) -> tuple[G.ExecuteBashRequest, httpx.Timeout]:
    """The body of ``execute_bash_command`` and the HTTP timeout it needs (the answer comes when the
    command ends: its whole timeout, server default 300 s, plus the usual read time)."""
    body = bash_body(command, cwd, timeout_s)
    command_timeout = float(timeout_s if timeout_s is not None else C.AGENT_BASH_DEFAULT_TIMEOUT_S)
    read = C.DEFAULT_TIMEOUT.read if C.DEFAULT_TIMEOUT.read is not None else 0.0
    return body, httpx.Timeout(command_timeout + read, connect=C.DEFAULT_TIMEOUT.connect)


def bash_result(command: str, out: G.BashOutput) -> BashResult:
    stderr = out.stderr if isinstance(out.stderr, str) else ""
    exit_code = out.exit_code if isinstance(out.exit_code, int) and not isinstance(out.exit_code, bool) else None
    # -1 means "killed on timeout" unless the server itself could not start the command.
    timed_out = exit_code == -1 and not stderr.startswith("Error executing command")
    return BashResult(command=command, exit_code=exit_code, stdout=out.stdout if isinstance(out.stdout, str) else "",
                      stderr=stderr, timed_out=timed_out, raw=out)


def upload_source(source: str | os.PathLike[str] | bytes | bytearray | IO[bytes]) -> tuple[IO[bytes], bool]:
    """A binary file object for ``source``, and whether the caller must close it (a path it opened).

    A local file is handed to httpx open, so the multipart body streams from disk in both twins
    (httpx's multipart stream reads it in chunks, also under the async client): memory stays flat."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True
    return source, False


def upload_body(payload: IO[bytes], remote_path: str) -> G.UploadFileBody:
    return G.UploadFileBody(file=G.File(payload=cast("BinaryIO", payload), file_name=PurePosixPath(remote_path).name))


__all__ = ["bash_body", "bash_request", "bash_result", "message_request", "require_absolute", "start_request", "upload_body", "upload_source"]

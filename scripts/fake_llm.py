#!/usr/bin/env python3
"""A tiny, deterministic, OpenAI-compatible chat-completions server on loopback (stdlib only).

It makes real OpenHands agents run without a real model, for free and the same way every time:

* a request **without** ``tools`` (title generation, summaries) gets the text ``FAKE_TITLE``;
* a request with tools and no ``role: "tool"`` message after the last user message gets one call of
  the shell tool (``terminal`` on the agent server / V1, ``execute_bash`` on V0) running ``command``;
* otherwise it calls ``finish`` with ``{"message": "done"}`` (plain text "done" if there is no finish
  tool), so every conversation ends after exactly two agent steps.

Required tool parameters the reply does not set (``security_risk`` on V0 ...) are filled from the
tool's JSON schema. ``"stream": true`` is answered with SSE ``chat.completion.chunk`` events.

Use it in-process (``FakeLLM().start()``; ``.base_url`` is what to configure as the LLM base URL) or
as a program: ``python3 scripts/fake_llm.py [--port N] [--command CMD] [--delay S] [--fail-tools]``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAKE_TITLE = "Fake title"
SHELL_TOOLS = ("terminal", "execute_bash", "bash", "execute_command")
CREATED = 1_700_000_000  # fixed: replies are byte-for-byte deterministic


def _fill_required(schema: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {}) or {}
    for name in schema.get("required", []) or []:
        if name in args:
            continue
        prop = props.get(name, {}) or {}
        enum = prop.get("enum")
        if enum:
            args[name] = "LOW" if "LOW" in enum else enum[0]
        elif prop.get("type") == "boolean":
            args[name] = False
        elif prop.get("type") in ("integer", "number"):
            args[name] = 0
        else:
            args[name] = ""
    return args


def decide(body: dict[str, Any], command: str) -> dict[str, Any]:
    """Return the assistant message (text or one tool call) for a chat-completions request body."""
    tools = {t.get("function", {}).get("name"): t.get("function", {}) for t in body.get("tools") or []}
    if not tools:
        return {"role": "assistant", "content": FAKE_TITLE}
    messages = body.get("messages") or []
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    tool_turns = sum(1 for m in messages[last_user + 1 :] if m.get("role") == "tool")
    shell = next((name for name in SHELL_TOOLS if name in tools), None)
    if tool_turns == 0 and shell is not None:
        name, args = shell, {"command": command}
    elif "finish" in tools:
        name, args = "finish", {"message": "done"}
    else:
        return {"role": "assistant", "content": "done"}
    args = _fill_required(tools[name].get("parameters") or {}, args)
    call_id = f"call_fake_{len(messages)}"
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}],
    }


USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


def completion(body: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    finish_reason = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": CREATED, "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}], "usage": USAGE,
    }


def stream_chunks(body: dict[str, Any], message: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED, "model": body.get("model", "fake")}
    delta: dict[str, Any] = {"role": "assistant"}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{"index": 0, **call} for call in message["tool_calls"]]
        reason = "tool_calls"
    else:
        delta["content"] = message["content"]
        reason = "stop"
    return [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reason}], "usage": USAGE},
    ]


class FakeLLM:
    """Run the fake model in a daemon thread: ``with FakeLLM() as llm: ... llm.base_url``."""

    def __init__(self, port: int = 0, command: str = "echo hello", delay_s: float = 0.0, fail_tools: bool = False) -> None:
        self.command, self.delay_s, self.fail_tools = command, delay_s, fail_tools
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: tests read the counters instead
                pass

            def _send_json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send_json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.requests += 1
                if owner.delay_s:
                    time.sleep(owner.delay_s)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": f"unsupported path {self.path}"}})
                    return
                if owner.fail_tools and body.get("tools"):
                    self._send_json(500, {"error": {"message": "fake failure", "type": "server_error"}})
                    return
                message = decide(body, owner.command)
                if not body.get("stream"):
                    self._send_json(200, completion(body, message))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for chunk in stream_chunks(body, message):
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    parser.add_argument("--command", default="echo hello", help="the shell command the fake agent runs")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each reply")
    parser.add_argument("--fail-tools", action="store_true", help="answer tool-calling requests with HTTP 500")
    args = parser.parse_args()
    llm = FakeLLM(args.port, args.command, args.delay, args.fail_tools)
    print(llm.base_url, flush=True)
    try:
        llm._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

"""``openhands-api doctor``: can this client work with that server? One finding per check.

Checks, in order (a check that cannot run after an earlier failure is skipped):

* reach: the server answers ``GET /openapi.json`` (a connection error ends the run);
* server: which server and version answers (the agent server's ``/server_info``; an app server's
  ``/openapi.json`` ``info.version``, and which API it is checked as: see :func:`check_app`);
* key: an authenticated read succeeds (the key itself is never printed);
* clock: the skew between this machine and the server's ``Date`` header (over
  :data:`MAX_CLOCK_SKEW_S` fails: signed URLs and session expiry go wrong);
* drift: the bundled summary of the spec (``_spec_summary.json`` in the generated package, written
  by ``make generate``) against the server's ``/openapi.json`` over the covered operations, with
  the acknowledged findings of specs/drift-ack.yaml; each unacknowledged difference is a finding.

Compatible when every finding is ok. Synchronous: a command-line check, not a library workflow.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import httpx

from ._drift import INFO, ack_pattern, diff, operations
from ._exceptions import APIConnectionError, AuthenticationError, OpenHandsAPIError
from ._secret import Secret
from ._transport import Transport

#: Clock skew (seconds) above which the clock finding fails.
MAX_CLOCK_SKEW_S = 300.0
# A route each API has: which of the two APIs an app server serves.
_MARKER = {"v1": "/api/v1/app-conversations", "v0": "/api/conversations"}
AppAPI = Literal["v1", "v0"]
_PACKAGE = {"agent": "openhands_api_agent", "v1": "openhands_api_v1", "v0": "openhands_api_v0"}
_SERVER_NAME = {"agent": "agent server", "v1": "V1 app server", "v0": "V0 app server"}


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``check`` is reach, server, key, clock or drift."""

    check: str
    ok: bool
    message: str


@dataclass(frozen=True)
class DoctorReport:
    url: str
    server: str | None
    version: str | None
    findings: tuple[Finding, ...]

    @property
    def compatible(self) -> bool:
        return all(f.ok for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "server": self.server, "version": self.version, "compatible": self.compatible,
                "findings": [{"check": f.check, "ok": f.ok, "message": f.message} for f in self.findings]}


def load_summary(family: str) -> dict[str, Any]:
    """The bundled covered-operations summary of ``family``'s spec (agent, v1, v0)."""
    text = resources.files(_PACKAGE[family]).joinpath("_spec_summary.json").read_text(encoding="utf-8")
    summary: dict[str, Any] = json.loads(text)
    return summary


def drift_findings(family: str, live: dict[str, Any], version: str | None) -> list[Finding]:
    """The drift check: one ok summary line, or one failing finding per unacknowledged difference."""
    summary = load_summary(family)
    target = family
    if family == "agent" and version != summary["pinned_agent_version"]:
        target = f"agent-{version}"  # the ack targets: `agent` is the pin, `agent-<version>` any other
    acks = [(ack_pattern(a["finding"]), a["targets"]) for a in summary["acks"]]
    try:
        findings, _uncovered = diff(summary["document"], live)  # operations the spec does not cover: not this check
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a malformed document (a dangling $ref ...)
        return [Finding("drift", False, f"the server's /openapi.json cannot be compared: {type(exc).__name__}: {exc}")]
    real = [f for f in findings if INFO not in f]
    new = [f for f in real if not any((t is None or target in t) and p.match(f) for p, t in acks)]
    n_ops = len(operations(summary["document"]))
    if not new:
        return [Finding("drift", True, f"{n_ops} covered operations match {summary['spec']} "
                                       f"({len(real)} known differences, all acknowledged)")]
    return [Finding("drift", False, f"{line} (not acknowledged in specs/drift-ack.yaml)") for line in new]


def clock_finding(response: httpx.Response, now: float) -> Finding:
    header = response.headers.get("date")
    if not header:
        return Finding("clock", True, "the server sends no Date header: skew unknown")
    try:
        server_time = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return Finding("clock", True, f"unreadable Date header {header!r}: skew unknown")
    skew = now - server_time
    # The Date header has one-second resolution: a skew under 2 s is noise.
    text = f"clock skew {skew:+.0f} s (this machine minus the server)"
    return Finding("clock", abs(skew) <= MAX_CLOCK_SKEW_S, text if abs(skew) <= MAX_CLOCK_SKEW_S
                   else f"{text}: over {MAX_CLOCK_SKEW_S:.0f} s, fix the clock (NTP)")


def _openapi(transport: Transport, now: Callable[[], float]) -> tuple[dict[str, Any] | None, list[Finding]]:
    """``/openapi.json`` and the reach and clock findings; None when the server cannot be reached."""
    try:
        response = transport.request("GET", "/openapi.json", retry=False)
    except APIConnectionError as exc:
        return None, [Finding("reach", False, f"{transport.base_url} does not answer: {exc}")]
    found = [Finding("reach", True, f"{transport.base_url} answers"), clock_finding(response, now())]
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("paths"), dict):
        return None, [*found, Finding("server", False, "/openapi.json is not an OpenAPI document: not an OpenHands server?")]
    return doc, found


def _key_finding(read: Callable[[], object]) -> Finding:
    try:
        read()
    except AuthenticationError as exc:
        return Finding("key", False, f"the key is refused ({exc.status_code}); it is never printed")
    except OpenHandsAPIError as exc:
        return Finding("key", False, f"an authenticated read failed: {type(exc).__name__}: {exc}")
    return Finding("key", True, "the key works")


def check_agent(url: str, session_key: str | Secret | None = None, *, http_transport: httpx.BaseTransport | None = None,
                now: Callable[[], float] = time.time) -> DoctorReport:
    """Doctor one agent server."""
    from .agent import AgentServerClient

    with AgentServerClient(url, session_key, max_retries=0, http_transport=http_transport) as agent:
        live, found = _openapi(agent._transport, now)
        if live is None:
            return DoctorReport(agent.url, None, None, tuple(found))
        version: str | None = None
        try:
            version = str(agent.server_info().version)
            found.append(Finding("server", True, f"agent server {version}"))
        except OpenHandsAPIError as exc:
            found.append(Finding("server", False, f"/server_info failed: {type(exc).__name__}: {exc}"))
        found.append(_key_finding(agent.count_conversations))
        found += drift_findings("agent", live, version)
        return DoctorReport(agent.url, "agent server", version, tuple(found))


def check_app(base_url: str | None, api_key: str | Secret | None = None, *, api: AppAPI | None = None,
              http_transport: httpx.BaseTransport | None = None, now: Callable[[], float] = time.time) -> DoctorReport:
    """Doctor an app server, for the V1 API or the legacy V0 one (``api``; default: the one it matches best).

    openhands-ai serves both APIs for a while (1.6.0 already has ``/api/v1``): without ``api``, each
    API whose routes the server has is compared, and the one with fewer unacknowledged differences
    (V1 on a tie) is reported.
    """
    from .v0 import V0Client
    from .v1 import OpenHandsV1

    with OpenHandsV1(base_url, api_key=api_key, max_retries=0, http_transport=http_transport) as v1:
        live, found = _openapi(v1._transport, now)
        if live is None:
            return DoctorReport(v1.base_url, None, None, tuple(found))
        info = live.get("info")
        version = str(info.get("version")) if isinstance(info, dict) and info.get("version") is not None else None
        candidates = [api] if api else [f for f in ("v1", "v0") if _MARKER[f] in live["paths"]] or ["v1"]
        drift = {family: drift_findings(family, live, version) for family in candidates}
        family = min(candidates, key=lambda f: sum(not d.ok for d in drift[f]))
        found.append(Finding("server", True, f"app server {version or '(no version in /openapi.json)'}, "
                                             f"checked as the {_SERVER_NAME[family]}"))
        if family == "v1":
            found.append(_key_finding(v1.me))
        else:
            creds = v1.credentials  # the key and scheme discovery found, handed on unchanged (never revealed)
            with V0Client(creds.key, creds.base_url, auth_scheme=creds.scheme, max_retries=0, http_transport=http_transport) as v0:
                found.append(_key_finding(lambda: v0.list_conversations(limit=1)))
        found += drift[family]
        return DoctorReport(v1.base_url, _SERVER_NAME[family], version, tuple(found))


__all__ = ["MAX_CLOCK_SKEW_S", "DoctorReport", "Finding", "check_agent", "check_app", "clock_finding", "drift_findings"]

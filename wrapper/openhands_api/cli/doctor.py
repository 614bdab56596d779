"""``openhands-api doctor [--base-url URL | agent --url URL]``: can this client work with that server?

Prints one line per finding (reach, server and version, key, clock skew, drift of the bundled spec
against the server's ``/openapi.json``); exit 0 when every finding is ok (compatible), 1 otherwise.
The key is used, never printed. See :mod:`openhands_api._doctor`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .main import CLIContext

if TYPE_CHECKING:  # the HTTP client loads only when the command runs
    from .._doctor import DoctorReport


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    doctor = subparsers.add_parser(
        "doctor", parents=[common], help="check a server: reachable, version, key, clock skew, spec drift",
        description="Check an app server (--base-url, V1 or V0) or, with `doctor agent --url URL`, an agent server. "
                    "Exit 0 when compatible, 1 otherwise.",
    )
    doctor.add_argument("--api", choices=("v1", "v0"), default=None,
                        help="check the app server as this API (default: the one it matches best)")
    doctor.set_defaults(handler=_doctor_app)
    targets = doctor.add_subparsers(dest="doctor_target", metavar="TARGET")
    agent = targets.add_parser("agent", parents=[common], help="check one agent server")
    agent.add_argument("--url", required=True, help="agent server base URL, e.g. http://127.0.0.1:8000")
    agent.add_argument("--session-key", default=None, help="X-Session-API-Key (else $OH_SESSION_API_KEY); never printed")
    agent.set_defaults(handler=_doctor_agent)


def _emit(report: DoctorReport, ctx: CLIContext) -> int:
    def human() -> str:
        verdict = "compatible" if report.compatible else "NOT compatible"
        what = f"{report.server} {report.version or ''}".strip() if report.server else "server"
        lines = [f"{what} at {report.url}: {verdict}"]
        lines += [f"{'ok  ' if f.ok else 'FAIL'}  {f.check}: {f.message}" for f in report.findings]
        return "\n".join(lines)

    ctx.emit(report.to_json(), human)
    return 0 if report.compatible else 1


def _doctor_agent(args: argparse.Namespace, ctx: CLIContext) -> int:
    from .._doctor import check_agent

    return _emit(check_agent(args.url, args.session_key), ctx)


def _doctor_app(args: argparse.Namespace, ctx: CLIContext) -> int:
    from .._doctor import check_app

    return _emit(check_app(ctx.base_url, ctx.api_key, api=args.api), ctx)

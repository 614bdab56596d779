"""The specs tell the truth about the recorded servers: every cassette body validates strictly.

`make check-spec` runs the same check as a script; here it runs inside `make test`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_spec  # noqa: E402

SPECS_WITH_EVENTS = ["agent_server", "app_server_v1"]


def test_every_cassette_body_validates_against_its_spec() -> None:
    report = check_spec.check()
    assert report.problems == []
    # The check really looked at bodies (a broken path mapping would silently check nothing).
    assert report.responses > 200 and report.requests > 20


def _cassette(tmp_path: Path, request: dict, response: dict) -> Path:
    folder = tmp_path / "agent" / "cassettes" / "t"
    folder.mkdir(parents=True)
    interaction = {
        "request": {"method": "GET", "uri": "http://server.test/x", "body": "", "headers": {}, **request},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {"content-type": ["application/json"]}, **response},
    }
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump({"interactions": [interaction]}))
    return tmp_path


def test_a_known_event_kind_with_a_wrong_field_fails_instead_of_falling_into_the_catch_all(tmp_path: Path) -> None:
    # UnknownEvent excludes the modelled kinds, so a malformed ActionEvent cannot hide there.
    event = {"kind": "ActionEvent", "id": "e1", "source": "agent", "tool_call_id": 7}
    root = _cassette(
        tmp_path,
        {"uri": "http://server.test/api/conversations/c/events/e1"},
        {"body": {"string": json.dumps(event)}},
    )
    problems = check_spec.check(root).problems
    assert len(problems) == 1 and "GET /api/conversations/{conversation_id}/events/{event_id}" in problems[0]


def test_undocumented_status_and_bad_request_body_are_reported(tmp_path: Path) -> None:
    root = _cassette(
        tmp_path,
        {"method": "POST", "uri": "http://server.test/api/bash/execute_bash_command",
         "headers": {"content-type": ["application/json"]}, "body": json.dumps({"cwd": "/tmp"})},
        {"status": {"code": 418, "message": "teapot"}, "body": {"string": "{}"}},
    )
    problems = check_spec.check(root).problems
    assert any("answered 418, not documented" in p for p in problems)
    # 418 is not a 2xx: the body is not held against the request schema, only noted when accepted.
    root2 = tmp_path / "two"
    _cassette(
        root2,
        {"method": "POST", "uri": "http://server.test/api/bash/execute_bash_command",
         "headers": {"content-type": ["application/json"]}, "body": json.dumps({"cwd": "/tmp"})},
        {"body": {"string": json.dumps({"kind": "BashOutput", "command_id": "c"})}},
    )
    assert any("'command' is a required property" in p for p in check_spec.check(root2).problems)


@pytest.mark.parametrize("spec", SPECS_WITH_EVENTS)
def test_the_catch_all_event_excludes_exactly_the_modelled_kinds(spec: str) -> None:
    schemas = check_spec.load_spec(spec)["components"]["schemas"]
    members = [ref["$ref"].rsplit("/", 1)[-1] for ref in schemas["Event"]["oneOf"]]
    assert members[-1] == "UnknownEvent", "the catch-all must stay last (the generated parser tries in order)"
    kinds = [schemas[m]["properties"]["kind"]["const"] for m in members[:-1]]
    assert schemas["UnknownEvent"]["properties"]["kind"]["not"]["enum"] == kinds

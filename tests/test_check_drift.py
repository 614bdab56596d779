"""scripts/check_drift.py: what counts as drift, and the acknowledged-differences file (no server needed)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_drift  # noqa: E402

SPEC: dict[str, Any] = {
    "paths": {
        "/api/things/{thing_id}": {
            "get": {
                "parameters": [
                    {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
                ],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "401": {"description": "no key"},
                    "404": {"description": "unknown"},
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Status": {"type": "string", "enum": ["idle", "running"]},
            "Thing": {"type": "object", "properties": {"id": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}}},
        }
    },
}


def live_doc() -> dict[str, Any]:
    """What a FastAPI server would publish for the same operation (path parameter named differently)."""
    doc = copy.deepcopy(SPEC)
    op = doc["paths"].pop("/api/things/{thing_id}")["get"]
    op["parameters"][0]["name"] = "id"
    op["parameters"][1]["schema"] = {"anyOf": [{"$ref": "#/components/schemas/Status"}, {"type": "null"}]}
    op["responses"] = {"200": op["responses"]["200"], "422": {"description": "Validation Error"}}
    doc["paths"]["/api/things/{id}"] = {"get": op}
    doc["paths"]["/api/other"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    return doc


def test_matching_documents_differ_only_in_documented_statuses() -> None:
    findings, uncovered = check_drift.diff(SPEC, live_doc())
    label = "GET /api/things/{thing_id}"
    assert sorted(findings) == sorted([
        f"{label}: status 401 only in the spec",
        f"{label}: status 404 only in the spec",
        f"{label}: status 422 only on the server",
    ])
    assert uncovered == ["POST /api/other: not covered by the spec"]


def test_enum_values_fields_and_required_parameters_are_drift() -> None:
    live = live_doc()
    live["components"]["schemas"]["Status"]["enum"].append("deleting")
    del live["components"]["schemas"]["Thing"]["properties"]["id"]
    live["components"]["schemas"]["Thing"]["properties"]["size"] = {"type": "integer"}
    live["paths"]["/api/things/{id}"]["get"]["parameters"].append(
        {"name": "scope", "in": "query", "required": True, "schema": {"type": "string"}})
    findings, _ = check_drift.diff(SPEC, live)
    text = "\n".join(findings)
    assert "parameter query:status enum values only on the server: deleting" in text
    assert "response 200 field status enum values only on the server: deleting" in text
    assert "response 200 field id only in the spec" in text
    assert "parameter query:scope only on the server (required)" in text
    # A response field the spec does not declare is coverage, not drift: marked informational.
    assert any("info: field size only on the server" in f for f in findings)


def test_acknowledgements_need_a_reason_and_match_with_wildcards(tmp_path: Path) -> None:
    ack = tmp_path / "ack.yaml"
    ack.write_text(
        'agent:\n  - finding: "*: status 401 only in the spec"\n    reason: "never documented"\n'
        "  - uncovered: [POST /api/other]\n    targets: [agent]\n    reason: \"not needed\"\n"
    )
    acks = check_drift.load_acks(ack)["agent"]
    assert check_drift.acknowledged("GET /x: status 401 only in the spec", "agent", acks)
    assert check_drift.acknowledged("POST /api/other: not covered by the spec", "agent", acks)
    assert not check_drift.acknowledged("POST /api/other: not covered by the spec", "agent-1.34.0", acks)
    assert not check_drift.acknowledged("POST /api/new: not covered by the spec", "agent", acks)
    ack.write_text('agent:\n  - finding: "x"\n    reason: "TODO"\n')
    with pytest.raises(SystemExit, match="reason"):
        check_drift.load_acks(ack)


def test_the_committed_ack_file_loads() -> None:
    acks = check_drift.load_acks()
    assert set(acks) == {"agent", "v1", "v0"}
    assert all(a.reason for entries in acks.values() for a in entries)

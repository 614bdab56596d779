"""Models print well and safely: secrets masked, absent fields left out (issue 9 item 5).

Every model parsed from every recorded cassette body (responses through the generated endpoint's
own parser, request bodies through the request model) is printed with repr() and str(); no value
the cassettes hold under a credential-like key may appear, nor an object address.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_spec  # noqa: E402

PACKAGES = {"agent_server": "openhands_api_agent", "app_server_v1": "openhands_api_v1", "v0": "openhands_api_v0"}
# Field names that hold credentials; the same idea as the cassette scrubber (tests/conftest.py).
SECRET_NAME = re.compile(r"(session_api_key|api_key|token|secret|password)$", re.IGNORECASE)
SECRET_KEY = re.compile(r"api_?key|token|secret|password", re.IGNORECASE)
MASK = "**********"


def _walk_schemas(node: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if isinstance(prop, dict):
                yield where, name, prop
        for key, value in node.items():
            yield from _walk_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_schemas(value, f"{where}/{i}")


def _is_string(prop: dict[str, Any]) -> bool:
    types = prop.get("type")
    return types == "string" or (isinstance(types, list) and "string" in types)


@pytest.mark.parametrize("spec", list(PACKAGES))
def test_every_secret_field_is_marked_in_the_spec(spec: str) -> None:
    doc = check_spec.load_spec(spec)
    unmarked = [f"{where}.{name}" for where, name, prop in _walk_schemas(doc["components"]["schemas"], "#")
                if SECRET_NAME.search(name) and _is_string(prop) and not prop.get("x-secret")]
    assert unmarked == []


def _secret_values(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _secret_values(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _secret_values(v, key)
    elif isinstance(value, str) and value and value != MASK and SECRET_KEY.search(key):
        yield value


def _body(part: dict[str, Any]) -> str:
    body = part.get("body")
    body = body.get("string", "") if isinstance(body, dict) else body
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")


def _endpoint(stem: str, operation_id: str) -> Any:
    package = PACKAGES[stem]
    (path,) = (ROOT / "generated" / package / "api").glob(f"*/{operation_id}.py")
    return importlib.import_module(f"{package}.api.{path.parent.name}.{operation_id}")


def _parsed_models() -> Iterator[tuple[str, Any, list[str]]]:
    """(where, parsed object, secret values seen in that interaction) for every JSON body."""
    lenient = SimpleNamespace(raise_on_unexpected_status=False)
    for folder, specs in check_spec.FOLDER_SPECS.items():
        for path in check_spec.cassette_files(check_spec.CONTRACT / folder):
            for i, interaction in enumerate(yaml.safe_load(path.read_text())["interactions"]):
                request, response = interaction["request"], interaction["response"]
                op = check_spec.find_operation(specs, request["method"], httpx.URL(request["uri"]).path)
                assert op is not None
                operation = check_spec._at(op.spec, op.pointer)
                where = f"{path.name}#{i}"
                req_text = _body(request)
                # Only bodies the server accepted: a refused one may be refused by the model too.
                accepted = 200 <= response["status"]["code"] < 300
                if accepted and req_text[:1] == "{" and "requestBody" in operation:
                    schema = check_spec._resolve(op.spec, operation["requestBody"])["content"]
                    ref = schema.get("application/json", {}).get("schema", {}).get("$ref", "")
                    if ref:
                        models = importlib.import_module(f"{PACKAGES[op.spec]}.models")
                        body = json.loads(req_text)
                        model = getattr(models, ref.rsplit("/", 1)[-1]).from_dict(body)
                        yield f"{where} request", model, list(_secret_values(body))
                text = _body(response)
                if text.startswith(("[", "{")):  # not an empty body (an empty file download)
                    endpoint = _endpoint(op.spec, operation["operationId"])
                    raw = httpx.Response(response["status"]["code"], content=text.encode(),
                                         headers={"content-type": "application/json"})
                    yield f"{where} response", endpoint._parse_response(client=lenient, response=raw), \
                        list(_secret_values(json.loads(text)))


PARSED = list(_parsed_models())


def test_cassettes_hold_secret_placeholders_to_look_for() -> None:
    # Guards the test below against checking nothing: recordings do carry keys (scrubbed to a placeholder).
    assert sum(len(secrets) for _, _, secrets in PARSED) >= 20
    assert sum(1 for _, obj, _ in PARSED if hasattr(obj, "SECRET_FIELDS")) > 50


@pytest.mark.parametrize(("where", "obj", "secrets"), PARSED, ids=[w for w, _, _ in PARSED])
def test_printing_a_parsed_model_shows_no_secret_and_no_object_address(where: str, obj: Any, secrets: list[str]) -> None:
    for text in (repr(obj), str(obj)):
        assert "object at 0x" not in text
        for secret in secrets:
            assert secret not in text


def test_a_secret_stays_readable_through_its_attribute_and_to_dict() -> None:
    from openhands_api_v1.models import AppConversation, SandboxInfo

    conv = AppConversation.from_dict({"id": "c1", "session_api_key": "sk-live-0123456789", "title": None})
    assert conv.session_api_key == "sk-live-0123456789"  # the explicit accessor: the attribute
    assert conv.to_dict()["session_api_key"] == "sk-live-0123456789" and conv.raw["session_api_key"] == "sk-live-0123456789"
    assert repr(conv) == "AppConversation(id='c1', title=None, session_api_key='**********')"
    assert str(conv) == repr(conv) and f"{conv}" == repr(conv)
    sandbox = SandboxInfo.from_dict({"id": "s", "status": "RUNNING", "session_api_key": None})
    assert "session_api_key=None" in repr(sandbox)  # nothing to hide: null stays visible


def test_credentials_inside_free_form_objects_are_masked_too() -> None:
    from openhands_api_agent.models import ConversationInfo

    conv = ConversationInfo.from_dict({
        "id": "c", "execution_status": "idle",
        "agent": {"llm": {"model": "m", "api_key": "sk-agent-secret-1"}},
        "provider_tokens": {"github": {"token": "ghp_abcdef123456"}},
        "secret_registry": {"secret_sources": {"GITHUB_TOKEN": {"kind": "StaticSecret", "value": "ghp_fedcba654321"}}},
        "stats": {"usage": {"prompt_tokens": 12}},
    })
    text = repr(conv)
    assert "sk-agent-secret-1" not in text and "ghp_abcdef123456" not in text and "ghp_fedcba654321" not in text
    assert "'prompt_tokens': 12" in text  # counts under token-like keys are not secrets
    assert conv.agent.additional_properties["llm"]["api_key"] == "sk-agent-secret-1"


def test_absent_fields_are_left_out_and_unset_prints_as_unset() -> None:
    from openhands_api_agent.models import ActionEvent
    from openhands_api_agent.types import UNSET

    event = ActionEvent.from_dict({"kind": "ActionEvent", "id": "e"})
    assert repr(event) == "ActionEvent(kind='ActionEvent', id='e')"
    assert repr(UNSET) == "UNSET"

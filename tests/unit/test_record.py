"""The one seed-compatibility policy: results are read-only dicts of the server's JSON plus the typed model."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from openhands_api._record import Record, SeedRecord
from openhands_api.compat.v1 import seed_record
from openhands_api.v0 import Conversation
from openhands_api_v0.models import ConversationInfo
from openhands_api_v1.models import AppConversationPage

KEY = "sandbox-session-key-0123456789"
PAGE = {"items": [{"id": "c0ffee00c0ffee00c0ffee00c0ffee00", "sandbox_id": "sb", "session_api_key": KEY,
                   "conversation_url": "http://agent.test/api/conversations/c0ffee00"}], "next_page_id": None}


def test_a_v1_facade_result_reads_like_the_seeds_dict_and_is_typed() -> None:
    page = seed_record(AppConversationPage.from_dict(PAGE))
    assert page["items"][0]["sandbox_id"] == "sb" and page.get("next_page_id") is None and list(page) == ["items", "next_page_id"]
    assert json.loads(json.dumps(page)) == PAGE  # a real dict: json.dumps needs nothing else
    assert page.model.items[0].sandbox_id == "sb"
    assert page.next_page_id is None  # the earlier facade's attribute reads still work
    assert callable(page.items)  # ...except where dict has the name: use page["items"] or page.model.items


def test_repr_and_str_mask_keys_but_the_data_keeps_them() -> None:
    page = seed_record(AppConversationPage.from_dict(PAGE))
    assert KEY not in repr(page) and KEY not in str(page) and "**********" in repr(page)
    assert page["items"][0]["session_api_key"] == KEY  # the caller's own data, unchanged


def test_results_are_read_only_but_copy_and_pickle() -> None:
    record = Record({"a": 1}, model="m")
    for change in (lambda: record.__setitem__("a", 2), lambda: record.update(a=2), lambda: record.pop("a"),
                   record.clear, lambda: record.setdefault("b", 1), lambda: record.__delitem__("a")):
        with pytest.raises(TypeError, match="read-only"):
            change()
    mutable = record.to_dict()
    mutable["a"] = 2
    assert record == {"a": 1}
    for clone in (copy.copy(record), copy.deepcopy(record), pickle.loads(pickle.dumps(record))):
        assert clone == {"a": 1} and clone.model == "m" and type(clone) is Record
    seed = SeedRecord({"a": 1}, model="m")
    assert type(copy.copy(seed)) is SeedRecord


def test_a_v0_result_is_the_same_kind_of_record() -> None:
    raw = {"conversation_id": "abc", "title": "t", "status": "RUNNING", "url": "/api/conversations/abc"}
    conv = Conversation(ConversationInfo.from_dict(raw))
    assert isinstance(conv, Record) and isinstance(conv, dict)
    assert conv["status"] == conv.status == "RUNNING" and conv.get("url") == conv.url
    assert json.loads(json.dumps(conv)) == raw

"""Property-based fuzzing of every client's read calls: any answer gives a typed result or an OpenHandsAPIError.

Every request of a call is answered by a response hypothesis draws: a status, headers (content
types, charsets, a true or lying Content-Encoding, Retry-After, Location) and a body, which is
either a real cassette body of that route (tests/contract/*/cassettes) mutated (keys dropped,
values of the wrong type, nulls, huge numbers, deep nesting, truncation) or something else
entirely (random bytes, an HTML page, nothing). A call passes when it returns a value (of its
declared type, where the wrapper reads it itself: counts, batches) or raises an OpenHandsAPIError;
any other exception fails, and so does a call that needs more than ``MAX_REQUESTS`` answers.

``make test`` runs a small fixed-seed sample; ``make fuzz`` sets ``FUZZ_EXAMPLES`` (examples per
client family) and ``FUZZ_MIN_RESPONSES``, which the last test checks was reached.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import re
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openhands_api import OpenHandsAPIError

from .fuzz_calls import FAMILIES, RESULT_CHECKS, run_call

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
MIN_RESPONSES = int(os.environ.get("FUZZ_MIN_RESPONSES", "0"))
MAX_REQUESTS = 2000
TOTALS = {"responses": 0, "calls": 0, "typed_errors": 0, "results": 0, "abandoned": 0}
_ID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f-]{36}|\d+|[A-Za-z0-9_-]{20,})$")

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=MIN_RESPONSES == 0,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


class Runaway(BaseException):
    """A call that keeps asking (not an Exception, so no handler in the client can swallow it)."""


def route(path: str) -> str:
    return "/".join("*" if _ID.match(part) else part for part in path.split("/"))


@cache
def cassette_bodies() -> dict[str, list[str]]:
    """Real response bodies from every cassette, by route (ids replaced by ``*``)."""
    bodies: dict[str, list[str]] = {}
    for file in sorted((ROOT / "tests" / "contract").glob("*/cassettes/**/*.yaml")):
        if "upload_integrity" in file.name or "upload_integrity" in file.parent.name:
            continue  # random bytes only
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        for interaction in (yaml.load(file.read_text(), Loader=loader) or {}).get("interactions", []):
            body = interaction["response"]["body"].get("string")
            try:
                json.loads(body)
            except (TypeError, ValueError):
                continue  # files, HTML, empty bodies: the fuzz makes its own of those
            else:
                key = route(httpx.URL(interaction["request"]["uri"]).path)
                bodies.setdefault(key, []).append(body)
    return bodies


WEIRD = [None, 0, -1, 2**70, 1e308, "", "x", "12", [], {}, True, [None], {"kind": None}, "0" * 300]


def mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A copy of a JSON value with random damage: dropped keys, wrong types, nulls, duplicates."""
    if rng.random() < 0.04:
        return rng.choice(WEIRD)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.05:
                continue
            out[key] = mutate(item, rng, depth + 1) if roll < 0.5 else item
        return out
    if isinstance(value, list):
        items = [mutate(v, rng, depth + 1) for v in value if rng.random() > 0.05]
        if items and rng.random() < 0.05:
            items.append(rng.choice(items))
        return items
    return value


def body_from(kind: str, base: str, rng: random.Random) -> bytes:
    if kind == "cassette":
        return base.encode()
    if kind == "mutated":
        return json.dumps(mutate(json.loads(base), rng)).encode()
    if kind == "truncated":
        return base.encode()[: rng.randrange(len(base) + 1)]
    if kind == "nested":
        depth = rng.choice([50, 5000, 200000])
        return b"[" * depth + base.encode() + b"]" * depth
    if kind == "bignum":
        return b"9" * rng.choice([10, 4301, 20000])
    if kind == "random":
        return rng.randbytes(rng.randrange(200))
    if kind == "html":
        return b"<!doctype html><html><body>app</body></html>"
    return b""


STATUSES = [200] * 12 + [201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504, 599]
BODY_KINDS = ["cassette", "mutated", "mutated", "mutated", "truncated", "nested", "bignum", "random", "html", "empty"]
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=utf-8", "text/html",
                 "application/octet-stream", "application/zip", "text/plain; charset=bogus-9", ""]


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "status": draw(st.sampled_from(STATUSES)),
        "kind": draw(st.sampled_from(BODY_KINDS)),
        "content_type": draw(st.sampled_from(CONTENT_TYPES)),
        "encoding": draw(st.sampled_from([None, None, None, "gzip", "gzip-lie", "br-lie", "identity"])),
        "retry_after": draw(st.sampled_from([None, None, "0", "1", "-5", "nan", "inf", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT",
                                             "99999", "garbage"])),
        "location": draw(st.sampled_from([None, "https://elsewhere.example/", "/relative", "\x7f"])),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def build_response(request: httpx.Request, answer: dict[str, Any]) -> httpx.Response:
    rng = random.Random(answer["seed"])
    pool = cassette_bodies()
    candidates = pool.get(route(request.url.path)) or [b for bodies in pool.values() for b in bodies]
    body = body_from(answer["kind"], rng.choice(candidates), rng)
    headers = {}
    if answer["content_type"]:
        headers["content-type"] = answer["content_type"]
    encoding = answer["encoding"]
    if encoding == "gzip":
        body = gzip.compress(body)
    if encoding:
        headers["content-encoding"] = encoding.removesuffix("-lie")
    for name in ("retry_after", "location"):
        if answer[name] is not None:
            headers[name.replace("_", "-")] = answer[name]
    # stream=, not content=: httpx reads (and decodes) content= at construction, in this handler.
    return httpx.Response(answer["status"], headers=headers, stream=_Stream(body))


class _Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Any:
        yield self._body

    async def __aiter__(self) -> Any:
        yield self._body


def fuzz_one(family: str, name: str, data: st.DataObject) -> None:
    requests = 0
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        TOTALS["responses"] += 1
        if requests > MAX_REQUESTS:
            raise Runaway(f"{family}.{name} made more than {MAX_REQUESTS} requests")
        answer = data.draw(answers())
        seen.append(answer)
        return build_response(request, answer)

    TOTALS["calls"] += 1
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = run_call(family, name, handler, Path(tmp))
        except OpenHandsAPIError:
            TOTALS["typed_errors"] += 1
            return
        except BaseException as exc:  # hypothesis ends an example whose draws ran out (StopTest): not a call's fault
            if type(exc).__name__ == "StopTest":
                TOTALS["abandoned"] += 1
            raise
        finally:
            if os.environ.get("FUZZ_SLOW") and time.monotonic() - started > 0.3:
                print(f"slow: {family}.{name} {time.monotonic() - started:.2f} s, {requests} requests: {seen}")
            assert time.monotonic() - started < 60, f"{family}.{name} took {time.monotonic() - started:.0f} s"
    TOTALS["results"] += 1
    check = RESULT_CHECKS.get(name)
    assert check is None or check(result), f"{family}.{name} returned {type(result).__name__}: {result!r}"[:300]


@pytest.fixture(scope="module", autouse=True)
def no_real_waits() -> Any:
    """Retry-After and backoff waits take no time here (their bounds are tested in test_retry_rules)."""
    async def no_wait(_s: float) -> None:
        return None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "sleep", lambda _s: None)
        patch.setattr(asyncio, "sleep", no_wait)
        yield


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_read_call_gives_a_typed_result_or_a_typed_error(family: str) -> None:
    @FUZZ_SETTINGS
    @given(name=st.sampled_from(FAMILIES[family]), data=st.data())
    def run(name: str, data: st.DataObject) -> None:
        fuzz_one(family, name, data)

    run()


def test_zz_totals() -> None:
    """Runs last in this module: the number of fuzzed responses (``make fuzz`` requires a minimum)."""
    print(f"\nfuzz: {TOTALS['responses']} responses, {TOTALS['calls']} calls: {TOTALS['results']} results, "
          f"{TOTALS['typed_errors']} typed errors, {TOTALS['abandoned']} abandoned by hypothesis (its draws ran out); "
          "0 other exceptions, 0 calls that did not end")
    assert TOTALS["responses"] >= MIN_RESPONSES

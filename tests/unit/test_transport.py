"""Transport behaviour a real server cannot be made to show on demand: retries, Retry-After,
HTML where JSON was expected, timeouts, connection failures (httpx.MockTransport, no network)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from openhands_api import (
    AgentServerClient,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedContentError,
)
from openhands_api._retry import backoff_delay, parse_retry_after
from openhands_api._transport import Transport

KEY = "unit-test-session-key-0123456789"


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> tuple[AgentServerClient, list[float]]:
    slept: list[float] = []
    client = AgentServerClient("http://agent.test", KEY, http_transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]
    client._transport._sleep = slept.append
    return client, slept


def test_key_is_sent_in_the_session_header_and_never_shown() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=3)

    client, _ = client_for(handler)
    assert client.count_conversations() == 3
    assert seen[0].headers["X-Session-API-Key"] == KEY
    assert KEY not in repr(client) and KEY not in repr(client._transport)


def test_get_is_retried_on_503_then_succeeds_with_backoff() -> None:
    answers = iter([httpx.Response(503), httpx.Response(502), httpx.Response(200, json=7)])
    client, slept = client_for(lambda r: next(answers))
    assert client.count_conversations() == 7
    assert len(slept) == 2
    assert 0.375 <= slept[0] <= 0.5 and 0.75 <= slept[1] <= 1.0  # 0.5 s then 1 s, jittered down


def test_retries_stop_after_max_and_raise_server_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, text="Internal Server Error")

    client, slept = client_for(handler, max_retries=2)
    with pytest.raises(ServerError) as err:
        client.count_conversations()
    assert len(calls) == 3 and len(slept) == 2
    assert err.value.status_code == 500
    assert "Internal Server Error" in str(err.value) and "http://agent.test/api/conversations/count" in str(err.value)


def test_post_is_not_retried_on_500() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, json={"detail": "boom"})

    client, _ = client_for(handler)
    with pytest.raises(ServerError):
        client.run("c1")
    assert len(calls) == 1


def test_429_waits_retry_after_even_for_post_then_raises_with_retry_after() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}, json={"message": "Too many requests"})] * 3)
    client, slept = client_for(lambda r: next(answers))
    with pytest.raises(RateLimitError) as err:
        client.send_message("c1", "hi")
    assert slept == [1.0, 1.0]
    assert err.value.retry_after == 1.0
    assert "Too many requests" in str(err.value)


def test_retry_after_longer_than_the_cap_is_not_waited_for() -> None:
    client, slept = client_for(lambda r: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as err:
        client.count_conversations()
    assert slept == [] and err.value.retry_after == 3600.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"retry-after-ms": "1500"}, 1.5), ({"retry-after": "2"}, 2.0), ({"retry-after": "garbage"}, None), ({}, None)],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers)) == expected


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_delay(n, rand=lambda: 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_delay(0, rand=lambda: 0.0) == 0.375


@pytest.mark.parametrize(
    ("status", "error"), [(401, AuthenticationError), (403, AuthenticationError), (404, NotFoundError), (409, ConflictError)]
)
def test_status_maps_to_one_error_class_with_hint(status: int, error: type[Exception]) -> None:
    client, _ = client_for(lambda r: httpx.Response(status, json={"detail": "nope"}))
    with pytest.raises(error) as err:
        client.get_conversation("c1")
    assert "nope" in str(err.value) and "Hint:" in str(err.value)


def test_html_page_where_json_was_expected_is_unexpected_content() -> None:
    page = "<!DOCTYPE html><html><body>OpenHands</body></html>"
    client, _ = client_for(lambda r: httpx.Response(200, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(UnexpectedContentError) as err:
        client.count_conversations()
    assert "HTML page" in str(err.value) and "base URL" in err.value.hint


def test_empty_body_where_json_was_expected_is_unexpected_content() -> None:
    client, _ = client_for(lambda r: httpx.Response(200, content=b"", headers={"content-type": "application/json"}))
    with pytest.raises(UnexpectedContentError, match="empty"):
        client.count_conversations()


def test_json_of_the_wrong_shape_is_unexpected_content_with_raw_kept() -> None:
    client, _ = client_for(lambda r: httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(UnexpectedContentError) as err:
        client.get_conversation("c1")  # ConversationInfo requires id and execution_status
    assert err.value.raw == {"unexpected": True}


def test_undocumented_success_status_is_unexpected_content() -> None:
    client, _ = client_for(lambda r: httpx.Response(202, json={"success": True}))
    with pytest.raises(UnexpectedContentError, match="202"):
        client.pause("c1")


def test_timeout_is_retried_for_get_then_raises_timeout_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    client, _ = client_for(handler, max_retries=1)
    with pytest.raises(APITimeoutError) as err:
        client.count_conversations()
    assert len(calls) == 2 and "agent.test" in str(err.value)


def test_connection_refused_names_the_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client, slept = client_for(handler, max_retries=0)
    with pytest.raises(APIConnectionError) as err:
        client.count_conversations()
    assert "http://agent.test/api/conversations/count" in str(err.value) and slept == []


def test_error_messages_never_contain_the_key() -> None:
    client, _ = client_for(lambda r: httpx.Response(401, json={"detail": f"bad key {r.headers['X-Session-API-Key']}"}))
    with pytest.raises(AuthenticationError) as err:
        client.count_conversations()
    assert KEY not in str(err.value)


def test_transport_rejects_urls_without_scheme() -> None:
    from openhands_api import ConfigurationError

    with pytest.raises(ConfigurationError):
        Transport("127.0.0.1:8000")


@pytest.mark.parametrize("content", [b"", b"<!DOCTYPE html><html>a web page kept in a file</html>"])
def test_downloaded_file_contents_are_never_mistaken_for_an_error_page(content: bytes) -> None:
    client, _ = client_for(lambda r: httpx.Response(200, content=content, headers={"content-type": "application/octet-stream"}))
    assert client.read_file("/ws/file") == content


def test_invalid_json_is_unexpected_content() -> None:
    client, _ = client_for(lambda r: httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}))
    with pytest.raises(UnexpectedContentError, match="expected JSON"):
        client.count_conversations()


def test_a_json_body_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = []
    original = httpx.Response.json

    def counting_json(self: httpx.Response, **kwargs: object) -> object:
        decoded.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(httpx.Response, "json", counting_json)
    client, _ = client_for(lambda r: httpx.Response(200, json={"id": "c1", "execution_status": "idle"}))
    client.get_conversation("c1")
    assert len(decoded) == 1

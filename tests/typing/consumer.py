# pyright: strict
"""A consumer of openhands_api, as a type-checked codebase would write it (checked, never run).

`tests/test_typing_consumer.py` runs `mypy --strict` (with `--disallow-any-expr`) and pyright on this
file. Every public name the README shows is imported from the package root and used; `assert_type`
fails the check when a name or a result reaches the consumer as `Any` or as the wrong type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_type

from openhands_api import (
    FINISHED_STATUSES,
    AgentServerClient,
    APIConnectionError,
    APITimeoutError,
    AsyncAgentServerClient,
    AsyncFollower,
    AsyncOpenHandsV1,
    AsyncPager,
    AsyncRateLimiter,
    AsyncResolvedAgentServer,
    AsyncV0Client,
    AsyncV1Follower,
    AuthenticationError,
    BadRequestError,
    BashResult,
    BatchPrompt,
    BatchStart,
    ConfigurationError,
    ConflictError,
    EventCount,
    EventCountError,
    Follower,
    InvalidArgumentError,
    NotFoundError,
    OpenHandsAPI,
    OpenHandsAPIError,
    OpenHandsV1,
    OpenHandsV1API,
    Outcome,
    Pager,
    RateLimiter,
    RateLimitError,
    ResolvedAgentServer,
    ResolverError,
    Secret,
    ServerError,
    SettleRule,
    StartedConversation,
    StartTaskFailedError,
    UnexpectedContentError,
    V0Client,
    V1Follower,
    WaitTimeoutError,
    count_many,
    count_many_sync,
    fan_out,
    present,
    start_many,
    start_many_sync,
)
from openhands_api.agent import BashEvent
from openhands_api.v0 import PollResult
from openhands_api_agent.models import BashCommand, ConversationInfo, EventPage, GitChange, GitDiff
from openhands_api_v1.models import AppConversation, AppConversationPage, UserInfo
from openhands_api_v1.models import GitChange as V1GitChange


def agent_server(url: str) -> None:
    with AgentServerClient(url, session_key=Secret("k")) as agent:
        assert_type(agent, AgentServerClient)
        result = agent.bash("echo hello; exit 3")
        assert_type(result, BashResult)
        assert_type(result.exit_code, int | None)
        assert_type(result.stdout, str)
        conversations = agent.iter_conversations(max_items=5)
        assert_type(conversations, Pager[ConversationInfo])
        for conv in conversations:
            assert_type(conv, ConversationInfo)
            assert_type(agent.count_events(conv.id), int)
        assert_type(agent.search_events("c", limit=5), EventPage)
        for event in agent.iter_events("c"):
            raw: Mapping[str, object] | None = event.raw
            print(event.kind, raw)
        assert_type(agent.get_conversations(["a"]), list[ConversationInfo | None])
        assert_type("finished" in FINISHED_STATUSES, bool)
        try:
            agent.get_conversation("00000000-0000-4000-8000-000000000000")
        except NotFoundError as err:
            assert_type(err.status_code, int)
        agent.respond_to_confirmation("c", accept=True)
        assert_type(agent.final_response("c"), str)
        assert_type(agent.download_trajectory("c", "out.zip"), int)
        started = agent.start_bash("sleep 1")
        assert_type(started, BashCommand)
        for bash_event in agent.iter_bash_events(command_id=started.id, kind="BashOutput"):
            assert_type(bash_event, BashEvent)
        assert_type(agent.git_changes("/w/repo"), list[GitChange])
        assert_type(agent.git_diff("/w/repo/a.txt"), GitDiff)


async def agent_server_async(url: str) -> None:
    async with AsyncAgentServerClient(url) as agent:
        assert_type(agent, AsyncAgentServerClient)
        assert_type(await agent.bash("ls"), BashResult)
        await agent.rename("c", "title")
        await agent.interrupt("c")
        pages = agent.iter_conversations()
        assert_type(pages, AsyncPager[ConversationInfo])
        async for conv in agent.iter_conversations():
            assert_type(conv, ConversationInfo)


def app_server_v1() -> None:
    with OpenHandsV1() as oh:
        assert_type(oh, OpenHandsV1)
        resolved = oh.resolve_agent_server("id")
        assert_type(resolved, ResolvedAgentServer)
        with resolved.client() as a:
            assert_type(a, AgentServerClient)
        count = oh.count_events("id")
        assert_type(count, EventCount)
        assert_type(oh.send_message("id", "more").success, bool)
        assert_type(oh.queue_message("task", "later").position, int)
        assert_type(oh.rename("id", "title"), AppConversation)
        assert_type(oh.git_changes("id", "/w/repo"), list[V1GitChange])
        for secret in oh.iter_secrets():
            assert_type(secret.name, str)
        oh.create_secret("NAME", Secret("value"), description="what it is for")
        oh.delete_secret("NAME")
        assert_type(count.count, int)
    legacy = OpenHandsV1API(api_key="k")
    assert_type(legacy, OpenHandsV1API)
    assert_type(legacy.users_me().model, UserInfo)  # the seed's dict, with the typed model
    assert_type(legacy.app_conversations_search(limit=5).model, AppConversationPage)


def app_server_v0() -> None:
    api = OpenHandsAPI()
    assert_type(api, OpenHandsAPI)
    client = V0Client()
    assert_type(client, V0Client)
    final = api.poll_until_terminal(api.create_conversation(initial_user_msg="hi").conversation_id)
    assert_type(final, PollResult)
    assert_type(final.status, str)


async def app_servers_async() -> None:
    async with AsyncOpenHandsV1() as oh:
        assert_type(oh, AsyncOpenHandsV1)
        started = await oh.start_conversation_and_wait("say hello")
        assert_type(started, StartedConversation)
        resolved = await oh.resolve_agent_server(started.conversation_id)
        assert_type(resolved, AsyncResolvedAgentServer)
        async with resolved.client() as a:
            assert_type(a, AsyncAgentServerClient)
        assert_type(await oh.count_events("id"), EventCount)
    async with AsyncV0Client() as api:
        assert_type(api, AsyncV0Client)
        conv = await api.create_conversation(initial_user_msg="hi")
        assert_type(await api.poll_until_terminal(conv.conversation_id), PollResult)


def follow_live(url: str) -> None:
    with AgentServerClient(url) as agent:
        assert_type(agent.session_key, Secret | None)
        with agent.follow("conversation-id", since=None, settle_s=1.0, deadline_s=600) as events:
            assert_type(events, Follower)
            kinds = [str(event.kind) for event in events]
        assert_type(kinds, list[str])
        assert_type(events.status, str | None)
        assert_type(events.settled, bool)
        assert_type(events.last_event_id, str | None)
    with OpenHandsV1() as oh, oh.follow("any-id", resume=True) as v1_events:
        assert_type(v1_events, V1Follower)
        assert_type(v1_events.conversation_id, str | None)
        assert_type(v1_events.reresolved, int)
    rule = SettleRule(settle_s=2.0)
    rule.status_seen("finished")
    assert_type(rule.settled, bool)
    assert_type(rule.remaining(), float | None)


async def follow_live_async(url: str) -> None:
    async with AsyncAgentServerClient(url) as agent, agent.follow("conversation-id") as events:
        assert_type(events, AsyncFollower)
        async for event in events:
            assert_type(str(event.kind), str)
    async with AsyncOpenHandsV1() as oh, oh.follow("any-id") as v1_events:
        assert_type(v1_events, AsyncV1Follower)
        assert_type(v1_events.settled, bool)


async def many_at_once(ids: list[str]) -> None:
    limiter = AsyncRateLimiter(8)
    async with AsyncOpenHandsV1(limiter=limiter) as oh:
        async for outcome in start_many(oh, ["a", BatchPrompt("b", repository="o/r")], concurrency=2):
            assert_type(outcome, Outcome[BatchPrompt, BatchStart])
            if outcome.value is not None:
                assert_type(outcome.value.conversation_id, str)
                assert_type(outcome.value.events, EventCount | None)
            assert_type(outcome.error, OpenHandsAPIError | None)
        async for counted in count_many(oh, ids):
            assert_type(counted, Outcome[str, EventCount])
        async for got in fan_out(oh.get_conversation, ids, concurrency=4):
            assert_type(got.ok, bool)
    with OpenHandsV1(limiter=RateLimiter(8)) as sync_oh:
        assert_type(start_many_sync(sync_oh, ["a"]), list[Outcome[BatchPrompt, BatchStart]])
        assert_type(count_many_sync(sync_oh, ids, rate=4), list[Outcome[str, EventCount]])


def errors(exc: Exception) -> None:
    for cls in (ConfigurationError, InvalidArgumentError, APIConnectionError, APITimeoutError, BadRequestError,
                AuthenticationError, ConflictError, RateLimitError, ServerError, UnexpectedContentError,
                WaitTimeoutError, StartTaskFailedError, ResolverError, EventCountError):
        assert issubclass(cls, OpenHandsAPIError)
    if isinstance(exc, RateLimitError):
        assert_type(exc.retry_after, float | None)
    if isinstance(exc, WaitTimeoutError):
        assert isinstance(exc, TimeoutError)
    title: str | None = present(ConversationInfo.from_dict({"id": "c"}).title)
    print(title)

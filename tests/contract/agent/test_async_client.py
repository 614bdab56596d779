"""The async client against the real agent server (recorded): the same contract as the sync one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openhands_api import AsyncAgentServerClient, NotFoundError

from .conftest import FAKE_LLM_KEY

pytestmark = pytest.mark.vcr


def test_async_conversation_events_bash_and_files(agent_server, agent_version: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with AsyncAgentServerClient(agent_server.url, agent_server.session_key) as agent:
            assert (await agent.server_info()).version == agent_version
            conv = await agent.start_conversation(
                prompt="say hello", working_dir=f"{agent_server.workspace}/async", llm_model="openai/fake",
                llm_base_url=agent_server.llm_base_url, llm_api_key=FAKE_LLM_KEY, llm_extra={"num_retries": 0},
                terminal_type="subprocess",
            )
            done = await agent.wait_until_finished(conv.id, timeout_s=120)
            assert done.execution_status == "finished"
            assert await agent.count_events(conv.id) == 12
            pages = [len(p) async for p in agent.iter_events(conv.id, page_size=5).pages()]
            assert pages == [5, 5, 2]
            assert (await agent.count_events_by_kind(conv.id))["ActionEvent"] == 2

            result = await agent.bash("echo async; exit 5")
            assert (result.exit_code, result.stdout) == (5, "async\n")
            payload = bytes(range(256)) * 8
            remote = f"{agent_server.workspace}/async/blob.bin"
            uploaded = await agent.upload_file(payload, remote)
            assert uploaded.success is True  # 1.34 sends no file_size
            assert uploaded.raw.get("file_size") == (None if agent_version.startswith("1.34.") else len(payload))
            assert await agent.download_file(remote, tmp_path / "blob.bin") == len(payload)
            assert (tmp_path / "blob.bin").read_bytes() == payload

            await agent.delete_conversation(conv.id)
            with pytest.raises(NotFoundError):
                await agent.get_conversation(conv.id)

    asyncio.run(scenario())

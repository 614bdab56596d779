"""``OpenHandsV1API``: a drop-in replacement for the V1 seed script's class (sync only).

    from openhands_api import OpenHandsV1API   # was: from skills.openhands_api_v1.scripts.openhands_api_v1 import ...

    api = OpenHandsV1API()                     # key and URL by discovery (the seed read OPENHANDS_API_KEY)
    recent = api.app_conversations_search(limit=5)
    print(recent["items"][0]["id"], recent.model.items[0].id)   # the seed's dict reads, or typed
    api.close()

The seed-compatibility policy (the same for the V0 facade, :mod:`openhands_api.compat.v0`): every
JSON result is a :class:`~openhands_api._record.SeedRecord`, a read-only ``dict`` of exactly what
the server sent (``x["items"]``, ``x.get(...)``, iteration and ``json.dumps(x)`` work as with the
seed) that also holds the typed model in ``.model``. Its repr masks keys. Wait timeouts are
:class:`~openhands_api.StartTaskTimeout`, a ``WaitTimeoutError`` and a ``TimeoutError``. Errors are
this package's classes (the seed raised httpx's ``raise_for_status`` errors).

Every method of :class:`~openhands_api.OpenHandsV1` is available too, with its typed results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from openhands_api_agent.models import BashOutput, UploadResult
from openhands_api_agent.models import EventPage as AgentEventPage
from openhands_api_v1.models import (
    AppConversation,
    AppConversationPage,
    AppConversationStartTask,
    EventPage,
    SandboxPage,
    SandboxSpecPage,
    UserInfo,
)

from .. import _constants as C
from .._exceptions import InvalidArgumentError, StartTaskTimeout, WaitTimeoutError
from .._files import safe_extract
from .._polling import poll_until
from .._record import SeedRecord
from ..agent import AgentServerClient
from ..v1 import OpenHandsV1


class _Parsed(Protocol):
    """Every generated model: it keeps the JSON it was parsed from."""

    @property
    def raw(self) -> Mapping[str, Any]: ...


M = TypeVar("M", bound=_Parsed)


def seed_record(model: M) -> SeedRecord[M]:
    """A generated model as the seed's dict (its ``.raw`` JSON), still carrying the model."""
    return SeedRecord(model.raw, model)


def _seed_records(models: Sequence[M | None]) -> list[SeedRecord[M] | None]:
    return [None if m is None else seed_record(m) for m in models]


def _seed_limit(limit: int) -> int:
    """The seed passed any limit through; the server accepts 1..100, so clamp instead of failing."""
    return min(max(1, int(limit)), C.MAX_PAGE_SIZE)


def _absolute(path: str) -> str:
    return path if path.startswith("/") else f"/{path}"


class OpenHandsV1API(OpenHandsV1):
    """The V1 seed script's class: same constructor and method names; results as described above."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, api_key=api_key, **kwargs)

    # app server -------------------------------------------------------------------------------------

    def users_me(self) -> SeedRecord[UserInfo]:
        return seed_record(self.me())

    def app_conversations_search(self, *, limit: int = C.V1_SEED_LIST_LIMIT) -> SeedRecord[AppConversationPage]:
        return seed_record(self.search_conversations(limit=_seed_limit(limit)))

    def app_conversations_count(self) -> int:
        return self.count_conversations()

    def app_conversations_get_batch(self, *, ids: list[str]) -> list[SeedRecord[AppConversation] | None]:
        return _seed_records(self.get_conversations(ids))

    def app_conversation_get(self, conversation_id: str) -> SeedRecord[AppConversation] | None:
        """``None`` for an unknown id, like the seed (``get_conversation`` raises instead)."""
        return _seed_records(self.get_conversations([conversation_id]))[0]

    def sandboxes_search(self, *, limit: int = C.V1_SEED_LIST_LIMIT) -> SeedRecord[SandboxPage]:
        return seed_record(self.search_sandboxes(limit=_seed_limit(limit)))

    def sandbox_specs_search(self, *, limit: int = C.V1_SEED_LIST_LIMIT) -> SeedRecord[SandboxSpecPage]:
        return seed_record(self.search_sandbox_specs(limit=_seed_limit(limit)))

    def conversation_events_search(self, conversation_id: str, *,
                                   limit: int = C.V1_SEED_EVENTS_LIMIT) -> SeedRecord[EventPage]:
        return seed_record(self.search_events(conversation_id, limit=_seed_limit(limit)))

    def conversation_events_count(self, conversation_id: str) -> int:
        """The app server's own count, but an unknown conversation raises NotFoundError (not 0)."""
        self.get_conversation(conversation_id)
        return self.count_events_app(conversation_id)

    def app_conversation_start(self, *, initial_message: str, selected_repository: str | None = None,
                               selected_branch: str | None = None, title: str | None = None,
                               run: bool = True) -> SeedRecord[AppConversationStartTask]:
        return seed_record(self.start_conversation(initial_message, repository=selected_repository,
                                                   branch=selected_branch, title=title, run=run))

    def app_conversation_start_from_prompt_files(
        self, prompt_file: str | Path, *, selected_repository: str | None = None, selected_branch: str | None = None,
        title: str | None = None, append_file: str | Path | None = None, run: bool = True,
    ) -> SeedRecord[AppConversationStartTask]:
        # The seed skipped a missing append file silently; keep that.
        append = append_file if append_file is not None and Path(append_file).exists() else None
        return seed_record(self.start_conversation(prompt_file=prompt_file, append_file=append,
                                                   repository=selected_repository, branch=selected_branch,
                                                   title=title, run=run))

    def app_conversations_start_tasks_get_batch(self, *, ids: list[str]) -> list[SeedRecord[AppConversationStartTask] | None]:
        return _seed_records(self.get_start_tasks(ids))

    def app_conversation_start_task_get(self, task_id: str) -> SeedRecord[AppConversationStartTask] | None:
        return _seed_records(self.get_start_tasks([task_id]))[0]

    def poll_start_task_until_ready(self, task_id: str, *, timeout_s: int = int(C.V1_START_TIMEOUT_S),
                                    poll_interval_s: float = C.V1_START_POLL_INITIAL_S,
                                    backoff_factor: float = C.V1_START_POLL_FACTOR,
                                    max_interval_s: float = C.V1_START_POLL_MAX_S,
                                    max_polls: int | None = None) -> SeedRecord[AppConversationStartTask]:
        """Poll until READY or ERROR and return the task (ERROR is returned, as in the seed).

        The seed's knobs map onto :func:`~openhands_api._polling.poll_until`; running out of time or
        of ``max_polls`` raises :class:`~openhands_api.StartTaskTimeout` (a ``TimeoutError``).
        """
        polls = 0

        def done(task: AppConversationStartTask | None) -> bool:
            nonlocal polls
            polls += 1
            if task is not None and str(task.status) in C.V1_START_TASK_DONE_STATUSES:
                return True
            if max_polls is not None and polls >= max_polls:
                raise StartTaskTimeout(f"start task {task_id} not finished after {max_polls} polls", last_status=task)
            return False

        interval = max(C.V1_SEED_MIN_POLL_INTERVAL_S, float(poll_interval_s))
        try:
            task = poll_until(
                lambda: self.get_start_tasks([task_id])[0], done, timeout_s=float(timeout_s),
                describe=lambda t: f"status={t.status if t is not None else 'unknown'}",
                initial_interval_s=interval, max_interval_s=max(interval, float(max_interval_s)),
                factor=max(1.0, float(backoff_factor)), what=f"start task {task_id}", sleep=self._sleep,
                clock=self._clock,
            )
        except StartTaskTimeout:
            raise
        except WaitTimeoutError as exc:
            raise StartTaskTimeout(str(exc.message), last_status=exc.last_status) from exc
        if task is None:  # unreachable: done() holds only for a task; kept for the type checker without assert
            raise StartTaskTimeout(f"start task {task_id} is unknown", last_status=None)
        return seed_record(task)

    def sandboxes_pause(self, sandbox_id: str) -> dict[str, bool]:
        self.pause_sandbox(sandbox_id)
        return {"success": True}

    def sandboxes_resume(self, sandbox_id: str) -> dict[str, bool]:
        self.resume_sandbox(sandbox_id)
        return {"success": True}

    def app_conversation_download_zip(self, conversation_id: str, *, output_file: str | Path) -> dict[str, Any]:
        size = self.download_trajectory(conversation_id, output_file)
        return {"file": str(output_file), "size": size, "content_type": "application/zip"}

    def count_events_via_trajectory_zip(self, conversation_id: str, *, zip_file: str | Path,
                                        extract_dir: str | Path) -> dict[str, Any]:
        """The seed's zip fallback: download, extract, count ``event_*.json`` (see count_events for the better way)."""
        download = self.app_conversation_download_zip(conversation_id, output_file=zip_file)
        extract = Path(extract_dir)
        extract.mkdir(parents=True, exist_ok=True)
        safe_extract(zip_file, extract)  # bounded, inside extract_dir only; a bad zip is UnexpectedContentError
        return {"event_count": len(list(extract.glob("event_*.json"))), "has_meta": (extract / "meta.json").exists(),
                "zip": download, "extract_dir": str(extract)}

    # agent server (through AgentServerClient) -------------------------------------------------------

    @staticmethod
    def agent_headers(session_api_key: str) -> dict[str, str]:
        return {"X-Session-API-Key": session_api_key, "Content-Type": "application/json"}

    def _agent(self, agent_server_url: str, session_api_key: str) -> AgentServerClient:
        return AgentServerClient(agent_server_url, session_api_key, **self._agent_client_kwargs)

    def agent_events_search(self, *, agent_server_url: str, session_api_key: str, conversation_id: str,
                            limit: int = C.V1_SEED_EVENTS_LIMIT, sort_order: str | None = None,
                            timestamp_gte: str | None = None, timestamp_lt: str | None = None, kind: str | None = None,
                            source: str | None = None, body: str | None = None) -> SeedRecord[AgentEventPage]:
        with self._agent(agent_server_url, session_api_key) as agent:
            return seed_record(agent.search_events(
                conversation_id, limit=_seed_limit(limit), sort_order=sort_order, timestamp_gte=timestamp_gte,
                timestamp_lt=timestamp_lt, kind=kind, source=source, body=body))

    def agent_events_count(self, *, agent_server_url: str, session_api_key: str, conversation_id: str,
                           timestamp_gte: str | None = None, timestamp_lt: str | None = None, kind: str | None = None,
                           source: str | None = None, body: str | None = None) -> int:
        if timestamp_gte is not None or timestamp_lt is not None or body is not None:
            raise InvalidArgumentError("timestamp and body filters are not supported here; use kind= or source=")
        with self._agent(agent_server_url, session_api_key) as agent:
            return agent.count_events(conversation_id, kind=kind, source=source)

    def agent_execute_bash(self, *, agent_server_url: str, session_api_key: str, command: str, cwd: str | None = None,
                           timeout_s: int = C.V1_SEED_BASH_TIMEOUT_S) -> SeedRecord[BashOutput]:
        """The agent server's BashOutput; ``exit_code`` != 0 is a result, not an error."""
        with self._agent(agent_server_url, session_api_key) as agent:
            return seed_record(agent.bash(command, cwd=cwd, timeout_s=timeout_s).raw)

    def agent_download_file(self, *, agent_server_url: str, session_api_key: str, path: str,
                            output_file: str | Path) -> dict[str, Any]:
        with self._agent(agent_server_url, session_api_key) as agent:
            size = agent.download_file(_absolute(path), output_file)
        return {"file": str(output_file), "size": size}

    def agent_upload_text_file(self, *, agent_server_url: str, session_api_key: str, path: str, content: str,
                               content_type: str = "text/plain") -> SeedRecord[UploadResult]:
        with self._agent(agent_server_url, session_api_key) as agent:
            return seed_record(agent.upload_file(content.encode("utf-8"), _absolute(path)))


__all__ = ["OpenHandsV1API", "seed_record"]

"""``OpenHandsAPI``: a drop-in replacement for the V0 seed script's class (sync only).

    from openhands_api import OpenHandsAPI      # was: from scripts.openhands_api import OpenHandsAPI

    api = OpenHandsAPI(api_key="...")           # or OPENHANDS_API_KEY; base URL from OPENHANDS_BASE_URL
    conv = api.create_conversation(initial_user_msg="...", repository="owner/repo", selected_branch="main")
    final = api.poll_until_terminal(conv["conversation_id"], timeout_s=1800, poll_interval_s=30)
    print(final["status"], final.get("url"), final.ended_by, final.agent_state)

The seed-compatibility policy is the V1 facade's (:mod:`openhands_api.compat`): results are
read-only dicts of the server's JSON (``conv["conversation_id"]``, ``final.get("url")``,
``json.dumps(final)``) with typed properties and ``.model``; ``poll_until_terminal``'s timeout is a
``WaitTimeoutError`` and a ``TimeoutError``. What else differs from the seed, on purpose:

* ``poll_until_terminal`` also ends when the agent is done (a real server keeps ``status`` RUNNING
  after the agent finished); ``final.ended_by`` says which signal ended it.
* Errors are the package's typed errors, never a bare ``requests.HTTPError``: an unknown id (the
  server answers 200 ``null``) is :class:`~openhands_api.NotFoundError`.
* Auth follows the app-server discovery: Cloud gets ``Authorization: Bearer``, a self-hosted
  (loopback/private) server ``X-Session-API-Key``.
"""

from __future__ import annotations

from ..v0 import V0Client


class OpenHandsAPI(V0Client):
    """The seed script's name for :class:`~openhands_api.V0Client` (``OpenHandsAPI(api_key=..., base_url=...)``)."""


__all__ = ["OpenHandsAPI"]

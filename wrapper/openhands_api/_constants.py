"""Every default the client uses, in one place (timeouts, retries, polling, paging)."""

from __future__ import annotations

import httpx

# No call may hang forever (the generated client's default is no timeout at all). Reads are
# generous because the agent server answers `execute_bash_command` only when the command ends;
# the bash call adds the command's own timeout on top of this.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2

# Backoff between retries: INITIAL * 2**attempt, capped, times a jitter in [0.75, 1].
INITIAL_RETRY_DELAY_S = 0.5
MAX_RETRY_DELAY_S = 8.0
# A Retry-After longer than this is not waited for: the error is raised at once instead.
MAX_RETRY_AFTER_S = 60.0

# HTTP statuses worth retrying for idempotent calls. 429 is retried for every method: the server
# rejected the request before doing anything.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Waiting for a conversation: first poll after INITIAL, then x1.5 up to MAX.
POLL_INITIAL_INTERVAL_S = 0.5
POLL_MAX_INTERVAL_S = 5.0
POLL_BACKOFF_FACTOR = 1.5
DEFAULT_WAIT_TIMEOUT_S = 600.0

# Largest page the servers accept (agent server: limit 1..100).
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100

# Streaming downloads are written in chunks of this size.
DOWNLOAD_CHUNK_BYTES = 1 << 16

USER_AGENT = "openhands-api/0.1.0"

# Environment variables (documented in the README).
ENV_SESSION_KEY = "OH_SESSION_API_KEY"

# The agent server's own default bash timeout (the HTTP read timeout of a bash call adds it on top).
AGENT_BASH_DEFAULT_TIMEOUT_S = 300

# Execution statuses (agent server, and V1 conversations, which carry the agent server's status).
#: After these a conversation does not move on by itself.
FINISHED_STATUSES = frozenset({"finished", "error", "stuck"})
#: ... and these wait for the user (a message, a confirmation): waits stop on them too by default.
NEEDS_USER_STATUSES = frozenset({"paused", "waiting_for_confirmation"})

"""Every default the client uses, in one place (timeouts, retries, polling, paging)."""

from __future__ import annotations

import httpx

# No call may hang forever (the generated client's default is no timeout at all). Reads are
# generous because the agent server answers `execute_bash_command` only when the command ends;
# the bash call adds the command's own timeout on top of this.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
# The overall deadline of one call: connect + every read + every retry and its wait. A per-read
# timeout alone never ends a call whose server trickles a byte at a time. A call that asks for a
# longer read timeout (bash: the command's own timeout) gets that long instead. Settable per client
# (deadline_s=) or by $OPENHANDS_API_DEADLINE_S.
DEFAULT_CALL_DEADLINE_S = 300.0
# Streamed downloads (files, trajectory zips) may legitimately take longer; they are not retried.
STREAM_DEADLINE_S = 3600.0

# Answers read into memory (every JSON answer, read_file) larger than this are refused with
# UnexpectedContentError while they arrive, before the whole body is buffered. Settable per
# transport (max_body_bytes=). Error bodies are only read for their message: the rest is dropped.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_ERROR_BODY_BYTES = 64 * 1024

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
# Iterators stop with UnexpectedContentError after this many empty pages in a row that still name
# a next page (a real server never sends one; a broken one could be paged forever).
MAX_EMPTY_PAGES = 10
# ... and after this many pages in all (10 million items at 100 a page): every listing ends.
MAX_PAGES = 100_000

# Streaming downloads are written in chunks of this size.
DOWNLOAD_CHUNK_BYTES = 1 << 16

# Trajectory zips come from a server: a zip with more entries is refused, and extraction refuses
# an archive whose entries expand past this many bytes together (a zip bomb), before writing any.
MAX_ZIP_ENTRIES = 1_000_000
MAX_EXTRACT_BYTES = 256 * 1024 * 1024

USER_AGENT = "openhands-api/0.1.0"

# Environment variables (documented in the README).
ENV_SESSION_KEY = "OH_SESSION_API_KEY"
ENV_DEADLINE = "OPENHANDS_API_DEADLINE_S"

# The agent server's own default bash timeout (the HTTP read timeout of a bash call adds it on top).
AGENT_BASH_DEFAULT_TIMEOUT_S = 300

# Execution statuses (agent server, and V1 conversations, which carry the agent server's status).
#: After these a conversation does not move on by itself.
FINISHED_STATUSES = frozenset({"finished", "error", "stuck"})
#: ... and these wait for the user (a message, a confirmation): waits stop on them too by default.
NEEDS_USER_STATUSES = frozenset({"paused", "waiting_for_confirmation"})

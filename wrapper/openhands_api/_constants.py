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

# --- V1 app server ------------------------------------------------------------------------------------

#: Start-task statuses in the order a start goes through them (READY and ERROR end it).
V1_START_TASK_ACTIVE_STATUSES = (
    "WORKING",
    "WAITING_FOR_SANDBOX",
    "PREPARING_REPOSITORY",
    "RUNNING_SETUP_SCRIPT",
    "SETTING_UP_GIT_HOOKS",
    "SETTING_UP_SKILLS",
    "STARTING_CONVERSATION",
)
V1_START_TASK_DONE_STATUSES = frozenset({"READY", "ERROR"})
#: Sandbox statuses whose agent server is gone for good.
V1_GONE_SANDBOX_STATUSES = frozenset({"MISSING", "ERROR"})

# Polling a start task (and a conversation until it finishes): about 2 s growing to 10 s (a sandbox
# takes 15-25 s to boot locally, longer on Cloud), and polite to the 10 requests/s limit.
V1_START_POLL_INITIAL_S = 2.0
V1_START_POLL_MAX_S = 10.0
V1_START_POLL_FACTOR = 1.5
V1_START_TIMEOUT_S = 600.0
# Waiting for a resumed sandbox: 1 s growing to 5 s, for at most 2 minutes.
V1_SANDBOX_POLL_INITIAL_S = 1.0
V1_SANDBOX_POLL_MAX_S = 5.0
V1_SANDBOX_WAIT_TIMEOUT_S = 120.0

# The V1 seed script's defaults (OpenHandsV1API).
V1_SEED_LIST_LIMIT = 20
V1_SEED_EVENTS_LIMIT = 50
V1_SEED_BASH_TIMEOUT_S = 30
V1_SEED_MIN_POLL_INTERVAL_S = 0.25

# --- V0 app server ------------------------------------------------------------------------------------

#: ``status`` values after which a conversation does not run by itself (hosted deployments).
V0_TERMINAL_STATUSES = frozenset({"STOPPED", "ERROR", "ARCHIVED"})
#: ``agent_state`` values (last ``agent_state_changed`` event) after which the agent waits or is done.
V0_TERMINAL_AGENT_STATES = frozenset({"finished", "awaiting_user_input", "error", "stopped", "rejected"})
# The seed's default waits.
V0_POLL_TIMEOUT_S = 20 * 60
V0_POLL_INTERVAL_S = 30.0
# The first poll is immediate; the next one this many seconds later, then x1.5 up to ``poll_interval_s``.
# A local run ends in ~1 s, a Cloud run in minutes: a fixed 30 s interval would make short runs look slow.
V0_FIRST_POLL_INTERVAL_S = 1.0
V0_LIST_LIMIT = 20
V0_EVENTS_LIMIT = 20
V0_TITLE_MAX_CHARS = 200

# Fan-out (many calls at once, see _fanout): how many operations run at a time, and the default
# request rate one shared limiter allows per server. The V1 app server answers 429 beyond
# 10 requests per second (measured, openhands-ai 1.11.0); staying under it avoids the 429s.
DEFAULT_FANOUT_CONCURRENCY = 4
DEFAULT_RATE_PER_S = 8.0

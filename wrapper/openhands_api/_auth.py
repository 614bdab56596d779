"""Credentials: where keys come from and how they are sent.

Two header schemes exist:

* ``X-Session-API-Key: <key>`` (:class:`SessionKeyAuth`): every agent server, and a self-hosted app
  server (V1 or V0) started with ``SESSION_API_KEY``;
* ``Authorization: Bearer <key>`` (:class:`BearerAuth`): OpenHands Cloud.

Keys are wrapped in :class:`~openhands_api._secret.Secret` the moment they enter, so no repr, log
line or error message can show them.

Agent-server session key (:func:`session_key_from`), first match wins:

1. the ``session_key=`` argument (CLI ``--session-key``);
2. environment: ``OH_SESSION_API_KEY`` (this client's name), then ``SESSION_API_KEY`` and
   ``OH_SESSION_API_KEYS_0`` (the names the agent server and the SDK read).

App-server discovery (:func:`discover_app_credentials`), first match wins; an explicit argument that
is empty raises instead of falling through:

1. the ``api_key=`` argument;
2. environment: ``OPENHANDS_API_KEY``, then ``OPENHANDS_CLOUD_API_KEY``, then ``OH_API_KEY``;
3. local hosts only: ``LOCAL_BACKEND_API_KEY`` (a local Agent Canvas backend);
4. a key file: ``$OPENHANDS_API_KEY_FILE``; local hosts only: ``~/.openhands/agent-canvas/api-key.txt``;
   then ``$OPENHANDS_PERSISTENCE_DIR/cloud/api_key.txt`` (default ``~/.openhands/cloud/api_key.txt``,
   written by ``openhands login``); then the older ``~/.openhands/api_key.txt`` and
   ``~/.config/openhands/api_key``.

A local backend's key is never sent to a remote host, hence "local hosts only" (loopback, private
and link-local addresses, ``localhost``, ``*.local``).

Base URL: ``base_url=``, then ``OPENHANDS_BASE_URL``, then ``OPENHANDS_APP_BASE`` (the seed scripts'
name), then ``OPENHANDS_CLOUD_URL`` (the OpenHands CLI's name), then ``https://app.all-hands.dev``.

Scheme: ``auth_scheme=`` ("bearer" or "session-key"), then ``OPENHANDS_AUTH_SCHEME``, else by host:
loopback and private hosts get ``X-Session-API-Key`` (self-hosted servers accept nothing else),
every other host ``Bearer`` (Cloud).

When no key is found, the error lists every place that was looked at, in this order.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from ._constants import ENV_SESSION_KEY
from ._exceptions import ConfigurationError
from ._secret import MASK, Secret

AuthScheme = Literal["bearer", "session-key"]

APP_KEY_ENV_VARS = ("OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY")
APP_BASE_URL_ENV_VARS = ("OPENHANDS_BASE_URL", "OPENHANDS_APP_BASE", "OPENHANDS_CLOUD_URL")
SESSION_KEY_ENV_VARS = (ENV_SESSION_KEY, "SESSION_API_KEY", "OH_SESSION_API_KEYS_0")
LOCAL_KEY_ENV_VAR = "LOCAL_BACKEND_API_KEY"
PERSISTENCE_DIR_ENV_VAR = "OPENHANDS_PERSISTENCE_DIR"
AUTH_SCHEME_ENV_VAR = "OPENHANDS_AUTH_SCHEME"
KEY_FILE_ENV_VAR = "OPENHANDS_API_KEY_FILE"
DEFAULT_BASE_URL = "https://app.all-hands.dev"


def default_key_files(env: Mapping[str, str] | None = None, *, local: bool = False) -> list[Path]:
    """The key files looked at after ``$OPENHANDS_API_KEY_FILE``, in order (see the module docstring)."""
    env = os.environ if env is None else env
    home = Path.home()
    persistence = env.get(PERSISTENCE_DIR_ENV_VAR, "").strip()
    openhands_dir = Path(persistence).expanduser() if persistence else home / ".openhands"
    files = [home / ".openhands" / "agent-canvas" / "api-key.txt"] if local else []
    return [*files, openhands_dir / "cloud" / "api_key.txt", home / ".openhands" / "api_key.txt",
            home / ".config" / "openhands" / "api_key"]


class SessionKeyAuth(httpx.Auth):
    """Sends ``X-Session-API-Key``."""

    header = "X-Session-API-Key"

    def __init__(self, key: str | Secret) -> None:
        self.key = key if isinstance(key, Secret) else Secret(key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self.key.reveal()
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}({MASK})"


class BearerAuth(httpx.Auth):
    """Sends ``Authorization: Bearer``."""

    def __init__(self, key: str | Secret) -> None:
        self.key = key if isinstance(key, Secret) else Secret(key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.key.reveal()}"
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}({MASK})"


def session_key_from(argument: str | Secret | None, *, env: Mapping[str, str] | None = None) -> Secret:
    """The agent server's session key: the argument, else the first of ``SESSION_KEY_ENV_VARS`` set."""
    env = os.environ if env is None else env
    if isinstance(argument, Secret):
        return argument
    if argument is not None:
        if not argument.strip():
            raise ConfigurationError("session_key is empty", hint=f"pass the agent server's key or set {ENV_SESSION_KEY}")
        return Secret(argument)
    for name in SESSION_KEY_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return Secret(value)
    looked = ", ".join(["argument session_key", *(f"environment {name}" for name in SESSION_KEY_ENV_VARS)])
    raise ConfigurationError(
        f"no session key; looked at: {looked}",
        hint=f"pass session_key= (CLI: --session-key) or set {ENV_SESSION_KEY}; the agent server's key is the "
        "OH_SESSION_API_KEYS_0 / SESSION_API_KEY it was started with; for a V1 sandbox the resolver finds it for you",
    )


def is_local_host(url: str) -> bool:
    """True for loopback, private and link-local hosts (self-hosted servers)."""
    host = urlsplit(url).hostname or ""
    if host in ("localhost",) or host.endswith(".localhost") or host.endswith(".local"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


@dataclass(frozen=True)
class AppCredentials:
    """What discovery found: where the server is, how to authenticate, and where each came from."""

    base_url: str
    key: Secret | None = field(repr=False)
    scheme: AuthScheme
    key_source: str
    base_url_source: str

    def auth(self) -> httpx.Auth | None:
        if self.key is None:
            return None
        return BearerAuth(self.key) if self.scheme == "bearer" else SessionKeyAuth(self.key)

    def __repr__(self) -> str:
        key = MASK if self.key is not None else None
        return (
            f"AppCredentials(base_url={self.base_url!r}, key={key!r}, scheme={self.scheme!r}, "
            f"key_source={self.key_source!r}, base_url_source={self.base_url_source!r})"
        )


def discover_app_credentials(
    api_key: str | Secret | None = None,
    base_url: str | None = None,
    auth_scheme: AuthScheme | None = None,
    *,
    require_key: bool | None = None,
    env: Mapping[str, str] | None = None,
    key_files: list[Path] | None = None,
) -> AppCredentials:
    """Find the app server's base URL, key and header scheme (order in the module docstring).

    ``require_key`` defaults to True for non-local hosts: a local OSS server started without
    ``SESSION_API_KEY`` needs no key at all. When a required key is not found, the error lists every
    place that was looked at.
    """
    env = os.environ if env is None else env
    looked: list[str] = []

    # Base URL.
    if base_url is not None:
        if not base_url.strip():
            raise ConfigurationError("base_url is empty")
        url, url_source = base_url.strip(), "argument base_url"
    else:
        url, url_source = DEFAULT_BASE_URL, "default"
        for name in APP_BASE_URL_ENV_VARS:
            if env.get(name, "").strip():
                url, url_source = env[name].strip(), f"environment {name}"
                break
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base URL {url!r} ({url_source}) must start with http:// or https://")
    url = url.rstrip("/")

    # Key.
    local = is_local_host(url)
    key: Secret | None = None
    key_source = "none"
    if isinstance(api_key, Secret):
        key, key_source = api_key, "argument api_key"
    elif api_key is not None:
        if not api_key.strip():
            raise ConfigurationError("api_key is empty", hint="pass a real key or leave it out to use discovery")
        key, key_source = Secret(api_key), "argument api_key"
    else:
        looked.append("argument api_key")
        for name in APP_KEY_ENV_VARS:
            looked.append(f"environment {name}")
            if env.get(name, "").strip():
                key, key_source = Secret(env[name]), f"environment {name}"
                break
        if key is None and local:
            looked.append(f"environment {LOCAL_KEY_ENV_VAR}")
            if env.get(LOCAL_KEY_ENV_VAR, "").strip():
                key, key_source = Secret(env[LOCAL_KEY_ENV_VAR]), f"environment {LOCAL_KEY_ENV_VAR}"
        if key is None:
            files = list(key_files) if key_files is not None else default_key_files(env, local=local)
            if env.get(KEY_FILE_ENV_VAR, "").strip():
                files.insert(0, Path(env[KEY_FILE_ENV_VAR]).expanduser())
            for path in files:
                looked.append(f"file {path}")
                try:
                    text = path.read_text().strip()
                except OSError:
                    continue
                if text:
                    key, key_source = Secret(text), f"file {path}"
                    break

    if require_key is None:
        require_key = not local
    if key is None and require_key:
        raise ConfigurationError(
            f"no API key for {url}; looked at: " + ", ".join(looked),
            hint="pass api_key= (CLI: --api-key) or set OPENHANDS_API_KEY",
        )

    # Scheme.
    scheme_value = auth_scheme or env.get(AUTH_SCHEME_ENV_VAR, "").strip() or None
    if scheme_value is None:
        scheme: AuthScheme = "session-key" if local else "bearer"
    elif scheme_value in ("bearer", "session-key"):
        scheme = scheme_value  # type: ignore[assignment]
    else:
        raise ConfigurationError(f"unknown auth scheme {scheme_value!r}", hint="use 'bearer' or 'session-key'")
    return AppCredentials(base_url=url, key=key, scheme=scheme, key_source=key_source, base_url_source=url_source)

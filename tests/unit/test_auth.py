"""Key discovery order, masking, and header schemes."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import httpx
import pytest
from openhands_api import ConfigurationError, Secret, discover_app_credentials
from openhands_api._auth import BearerAuth, SessionKeyAuth, session_key_from

KEY = "app-key-abcdefghijklmnop"


def test_secret_is_masked_everywhere_and_cannot_be_pickled() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret) and KEY not in str(secret) and KEY not in f"{secret}"
    assert secret.reveal() == KEY
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(ValueError):
        Secret("   ")


def test_log_records_of_the_package_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(KEY)
    with caplog.at_level(logging.DEBUG, logger="openhands_api"):
        logging.getLogger("openhands_api").warning("sending %s", secret.reveal())
    assert KEY not in caplog.text and "**********" in caplog.text


def test_session_key_argument_then_environment() -> None:
    assert session_key_from("arg-key", env={"OH_SESSION_API_KEY": "env-key"}).reveal() == "arg-key"
    assert session_key_from(None, env={"OH_SESSION_API_KEY": "env-key"}).reveal() == "env-key"
    with pytest.raises(ConfigurationError) as err:
        session_key_from(None, env={})
    assert "session_key" in str(err.value) and "OH_SESSION_API_KEY" in str(err.value)
    with pytest.raises(ConfigurationError):
        session_key_from("  ", env={"OH_SESSION_API_KEY": "env-key"})  # explicit but empty: no fall-through


def test_discovery_order_argument_env_then_files(tmp_path: Path) -> None:
    env = {"OPENHANDS_API_KEY": "k1", "OPENHANDS_CLOUD_API_KEY": "k2", "OH_API_KEY": "k3"}
    assert discover_app_credentials("k0", env=env).key_source == "argument api_key"
    assert discover_app_credentials(env=env).key_source == "environment OPENHANDS_API_KEY"
    assert discover_app_credentials(env={"OH_API_KEY": "k3"}).key.reveal() == "k3"  # type: ignore[union-attr]
    key_file = tmp_path / "api_key.txt"
    key_file.write_text("file-key\n")
    found = discover_app_credentials(env={}, key_files=[tmp_path / "missing", key_file])
    assert found.key.reveal() == "file-key" and found.key_source == f"file {key_file}"  # type: ignore[union-attr]
    by_env_file = discover_app_credentials(env={"OPENHANDS_API_KEY_FILE": str(key_file)}, key_files=[])
    assert by_env_file.key_source == f"file {key_file}"


def test_discovery_failure_lists_every_place_looked_at(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        discover_app_credentials(env={}, key_files=[tmp_path / "a", tmp_path / "b"])
    text = str(err.value)
    for place in ("argument api_key", "OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY", str(tmp_path / "a"), str(tmp_path / "b")):
        assert place in text


def test_base_url_and_scheme() -> None:
    cloud = discover_app_credentials("k", env={})
    assert (cloud.base_url, cloud.scheme, cloud.base_url_source) == ("https://app.all-hands.dev", "bearer", "default")
    assert isinstance(cloud.auth(), BearerAuth)
    local = discover_app_credentials("k", env={"OPENHANDS_APP_BASE": "http://127.0.0.1:3000/"})
    assert (local.base_url, local.scheme) == ("http://127.0.0.1:3000", "session-key")
    assert isinstance(local.auth(), SessionKeyAuth)
    forced = discover_app_credentials("k", "http://localhost:3000", "bearer", env={})
    assert forced.scheme == "bearer"
    assert discover_app_credentials(env={"OPENHANDS_BASE_URL": "https://a", "OPENHANDS_APP_BASE": "https://b"}, api_key="k").base_url == "https://a"
    # A local OSS server without SESSION_API_KEY needs no key at all.
    assert discover_app_credentials(base_url="http://127.0.0.1:3000", env={}, key_files=[]).auth() is None
    assert KEY not in repr(discover_app_credentials(KEY, env={}))
    with pytest.raises(ConfigurationError):
        discover_app_credentials("k", "ftp://x", env={})
    with pytest.raises(ConfigurationError):
        discover_app_credentials("k", env={"OPENHANDS_AUTH_SCHEME": "basic"})


@pytest.mark.parametrize(("auth", "header", "value"), [(BearerAuth(KEY), "authorization", f"Bearer {KEY}"), (SessionKeyAuth(KEY), "x-session-api-key", KEY)])
def test_auth_headers(auth: httpx.Auth, header: str, value: str) -> None:
    seen = []
    with httpx.Client(auth=auth, transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))) as client:
        client.get("http://x.test/")
    assert seen[0].headers[header] == value
    assert KEY not in repr(auth)


def test_an_equal_secret_stays_scrubbed_after_its_twin_is_collected() -> None:
    import gc

    from openhands_api._secret import scrub

    first = Secret(KEY)
    second = Secret(KEY)
    assert first == second
    del first
    gc.collect()
    assert KEY not in scrub(f"leaked {KEY}")
    assert second.reveal() == KEY


def test_session_key_reads_the_servers_and_the_sdks_variables_in_order() -> None:
    env = {"OH_SESSION_API_KEY": "a", "SESSION_API_KEY": "b", "OH_SESSION_API_KEYS_0": "c"}
    assert session_key_from(None, env=env).reveal() == "a"
    assert session_key_from(None, env={"SESSION_API_KEY": "b", "OH_SESSION_API_KEYS_0": "c"}).reveal() == "b"
    assert session_key_from(None, env={"OH_SESSION_API_KEYS_0": "c"}).reveal() == "c"
    with pytest.raises(ConfigurationError) as err:
        session_key_from(None, env={"SESSION_API_KEY": "  "})
    for place in ("argument session_key", "OH_SESSION_API_KEY", "SESSION_API_KEY", "OH_SESSION_API_KEYS_0"):
        assert place in str(err.value)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    return path


def test_openhands_login_file_and_persistence_dir(home: Path) -> None:
    legacy = write(home / ".openhands" / "api_key.txt", "legacy-key")
    login = write(home / ".openhands" / "cloud" / "api_key.txt", "login-key")
    found = discover_app_credentials(env={})
    assert found.key.reveal() == "login-key" and found.key_source == f"file {login}"  # type: ignore[union-attr]
    moved = write(home / "state" / "cloud" / "api_key.txt", "moved-key")
    assert discover_app_credentials(env={"OPENHANDS_PERSISTENCE_DIR": str(home / "state")}).key_source == f"file {moved}"
    login.unlink()
    assert discover_app_credentials(env={}).key_source == f"file {legacy}"


def test_cloud_url_variable_is_the_last_base_url_source(home: Path) -> None:
    env = {"OPENHANDS_CLOUD_URL": "https://cloud.example.test"}
    found = discover_app_credentials("k", env=env)
    assert (found.base_url, found.base_url_source) == ("https://cloud.example.test", "environment OPENHANDS_CLOUD_URL")
    assert discover_app_credentials("k", env={**env, "OPENHANDS_APP_BASE": "https://b.test"}).base_url == "https://b.test"


def test_agent_canvas_key_only_for_local_hosts(home: Path) -> None:
    canvas = write(home / ".openhands" / "agent-canvas" / "api-key.txt", "canvas-key")
    write(home / ".openhands" / "cloud" / "api_key.txt", "login-key")
    local = "http://127.0.0.1:3000"
    assert discover_app_credentials(base_url=local, env={}).key_source == f"file {canvas}"
    by_env = discover_app_credentials(base_url=local, env={"LOCAL_BACKEND_API_KEY": "env-canvas"})
    assert by_env.key_source == "environment LOCAL_BACKEND_API_KEY"
    assert discover_app_credentials(base_url=local, env={"OPENHANDS_API_KEY": "explicit"}).key.reveal() == "explicit"  # type: ignore[union-attr]
    # A remote host never gets a local backend's key.
    remote = discover_app_credentials(base_url="https://app.example.test", env={"LOCAL_BACKEND_API_KEY": "env-canvas"})
    assert remote.key.reveal() == "login-key"  # type: ignore[union-attr]


def test_no_key_error_lists_every_default_place_in_order(home: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        discover_app_credentials(base_url="http://127.0.0.1:3000", require_key=True, env={"OPENHANDS_API_KEY_FILE": str(home / "k")})
    text = str(err.value)
    places = ["argument api_key", "environment OPENHANDS_API_KEY", "environment OPENHANDS_CLOUD_API_KEY", "environment OH_API_KEY",
              "environment LOCAL_BACKEND_API_KEY", f"file {home / 'k'}", f"file {home / '.openhands/agent-canvas/api-key.txt'}",
              f"file {home / '.openhands/cloud/api_key.txt'}", f"file {home / '.openhands/api_key.txt'}",
              f"file {home / '.config/openhands/api_key'}"]
    positions = [text.index(place) for place in places]
    assert positions == sorted(positions)

"""``grounded serve --workers N``: N processes, each building the app from the configuration
the parent hands over and listening on a socket of its own (tests/web/test_supervisor.py
runs them)."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
import uvicorn

from grounded.config import Settings
from grounded.errors import InvalidInput
from grounded.web import supervisor, workers
from grounded.web.config import WebConfig
from tests.cli.conftest import Invoke


def test_the_configuration_reaches_each_worker_unchanged(tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'w.db'}", workspace="acme")
    config = WebConfig(host="127.0.0.1", port=8123, local_user=None, secure_cookies=True)
    back_settings, back_config = workers.from_env(workers.to_env(settings, config))
    assert back_settings == settings
    assert back_config == config
    assert back_config.secure_cookies is True
    assert back_config.local is False


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("{not json", "is not the configuration"),
        ('{"settings": {}}', "config"),
    ],
)
def test_a_missing_or_broken_worker_configuration_is_refused_clearly(raw: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        workers.from_env(raw)


def test_serve_with_workers_gives_each_worker_a_socket_on_the_port(
    ready: Invoke, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    calls: list[tuple[list[socket.socket], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: pytest.fail("uvicorn's shared socket was used"))
    monkeypatch.setattr(supervisor, "serve", lambda sockets, options: calls.append((sockets, options)))
    monkeypatch.setenv(workers.ENV, "")  # restored (removed) after the test
    port = _free_port()
    ran = ready("serve", "--port", str(port), "--workers", "2")
    assert "2 worker processes" in " ".join(ran.stdout.split())
    [(sockets, options)] = calls
    try:
        assert [sock.getsockname() for sock in sockets] == [("127.0.0.1", port)] * 2
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in sockets)
        assert (options["access_log"], options["proxy_headers"]) == (False, True)
    finally:
        for sock in sockets:
            sock.close()
    settings, config = workers.from_env(os.environ[workers.ENV])
    assert settings.database == database
    assert (config.port, config.local) == (port, True)


def test_without_spreading_sockets_serve_uses_uvicorns_workers(ready: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(supervisor, "spreads_connections", lambda: False)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    monkeypatch.setenv(workers.ENV, "")
    ready("serve", "--port", "8124", "--workers", "2")
    [(app, kwargs)] = calls
    assert app == workers.FACTORY
    assert (kwargs["factory"], kwargs["workers"], kwargs["host"], kwargs["port"]) == (True, 2, "127.0.0.1", 8124)


@pytest.mark.parametrize("count", ["1", "2"])
def test_a_port_in_use_is_refused_before_serving(ready: Invoke, monkeypatch: pytest.MonkeyPatch, count: str) -> None:
    monkeypatch.setattr(supervisor, "serve", lambda *_: pytest.fail("served on a busy port"))
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: pytest.fail("served on a busy port"))
    monkeypatch.setenv(workers.ENV, "")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = ready("serve", "--port", str(port), "--workers", count, ok=False)
    said = " ".join((refused.stderr + refused.stdout).split())
    assert refused.exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in said
    assert "--port" in said
    assert "Serving grounded" not in said


@pytest.mark.parametrize("count", ["1", "2"])
@pytest.mark.parametrize("host", ["10.254.254.254", "no-such-host.invalid", "bad host"])
def test_an_address_this_machine_lacks_is_refused_naming_the_host(
    ready: Invoke, monkeypatch: pytest.MonkeyPatch, host: str, count: str
) -> None:
    """Before anything else: the host, not the accounts an address other than loopback needs."""
    monkeypatch.setattr(supervisor, "serve", lambda *_: pytest.fail("served on an address it cannot have"))
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: pytest.fail("served on an address it cannot have"))
    monkeypatch.setenv(workers.ENV, "")
    refused = ready("serve", "--host", host, "--port", str(_free_port()), "--workers", count, ok=False)
    said = " ".join((refused.stderr + refused.stdout).split())
    assert refused.exit_code != 0
    assert f"cannot listen on {host}:" in said
    assert "--host" in said
    assert "another server" not in said


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_one_worker_serves_in_process_and_zero_is_refused(ready: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(app))
    ready("serve", "--port", "8125")
    assert len(calls) == 1
    assert not isinstance(calls[0], str)  # the app itself, not a factory to import
    refused = ready("serve", "--workers", "0", ok=False)
    assert refused.exit_code != 0
    assert "workers" in (refused.stderr + refused.stdout).lower()


def test_serve_logs_no_request_lines_unless_asked(ready: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    ready("serve", "--port", "8126")
    ready("serve", "--port", "8126", "--access-log")
    quiet, loud = calls
    assert (quiet["access_log"], quiet["log_level"]) == (False, "warning")
    assert (loud["access_log"], loud["log_level"]) == (True, "info")


def test_uvicorn_picks_the_fast_http_parser_and_event_loop() -> None:
    """httptools and uvloop are dependencies; uvicorn's "auto" takes them when present."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    config = uvicorn.Config(lambda scope, receive, send: None, http="auto", loop="auto")
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    if os.name != "nt":  # uvloop has no Windows build
        import uvloop

        factory = config.get_loop_factory()
        assert factory is not None
        loop = factory()
        try:
            assert isinstance(loop, uvloop.Loop)
        finally:
            loop.close()

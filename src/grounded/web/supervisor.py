"""``grounded serve --workers N`` on Linux: N worker processes on one port, a listening
socket each.

uvicorn's own ``--workers`` shares one listening socket among its workers, and the worker
that wakes first accepts every connection that is waiting. A client that opens a few
keep-alive connections at once (a reverse proxy, a load generator) then often has all of
them served by one worker while the other cores idle: with wrk's 8 connections on 2
workers, 5 short runs in 10 went to one worker, at a third to half of the throughput
(docs/performance.md, issue 6). Here each worker listens on a socket of its own, all bound to the port with
``SO_REUSEPORT``, and the kernel spreads new connections over the sockets by their
addresses.

The parent binds the sockets, so a port already in use is reported before any worker
starts, and keeps them open: a worker that dies is started again on the same socket, and
the connections waiting in its queue are served by its successor. A worker that fails
before it serves (uvicorn's start-up failure, exit code 3) stops them all. Ctrl-C or
SIGTERM to the parent stops the workers (each in a session of its own, so the terminal's
Ctrl-C reaches the parent only), then the parent; a worker whose parent dies is stopped too.

Elsewhere (no ``SO_REUSEPORT``, or one that does not spread connections, as on macOS)
uvicorn's shared socket is used.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from grounded.errors import GroundedError, InvalidInput
from grounded.web import workers

#: The worker's uvicorn options (JSON), beside the app's configuration in ``workers.ENV``.
OPTIONS_ENV = "GROUNDED_SERVE_OPTIONS"
#: What uvicorn exits with when a server fails before it serves.
STARTUP_FAILURE = 3
#: Connections a worker's socket queues before the kernel refuses more (uvicorn's default).
BACKLOG = 2048
#: Seconds a worker has to finish its requests when asked to stop.
GRACE = 10.0
#: A worker that dies is started again after this pause (no busy loop of restarts).
RESTART_PAUSE = 1.0


def spreads_connections() -> bool:
    """Whether this system spreads connections over sockets sharing a port (Linux does)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening sockets on ``host:port``, or InvalidInput saying why the port
    cannot be used (already in use, an address this machine does not have)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    check_address(host, port)
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the one the first socket was given, for all
            sock.listen(BACKLOG)
            sock.set_inheritable(True)
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise _refused(host, port, error) from None
    return sockets


def check_address(host: str, port: int) -> None:
    """InvalidInput naming --host or --port unless this machine can listen there: a bind
    without ``SO_REUSEPORT`` fails where anything listens already, even another server that
    shares its port (this one must not join it), and where the address is not this machine's."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:  # socket.gaierror too: a name that does not resolve
            raise _refused(host, port, error) from None


def _refused(host: str, port: int, error: OSError) -> InvalidInput:
    said = f"cannot listen on {host}:{port}: {error.strerror or error}"
    if error.errno == errno.EADDRINUSE:
        return InvalidInput(f"{said}; is another server running there? choose another port with --port", field="port")
    return InvalidInput(f"{said}; give --host an address of this machine (127.0.0.1, or 0.0.0.0 for all)", field="host")


def serve(sockets: list[socket.socket], options: dict[str, Any]) -> None:
    """Run a worker on each socket until Ctrl-C or SIGTERM; start again any that dies.
    ``options`` are uvicorn's (JSON values); the app's configuration is in ``workers.ENV``."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    environment = {**os.environ, OPTIONS_ENV: json.dumps(options)}
    running: list[subprocess.Popen[bytes]] = []
    try:
        # Ctrl-C reaches this process only (the workers have sessions of their own), which
        # stops them with one SIGTERM each, however far they have got in starting.
        with contextlib.suppress(KeyboardInterrupt):
            running.extend(_start(sock, environment) for sock in sockets)
            _watch(running, sockets, environment, stop)
    finally:
        _stop(running)
        signal.signal(signal.SIGTERM, previous)
        for sock in sockets:
            sock.close()


def _watch(
    running: list[subprocess.Popen[bytes]],
    sockets: list[socket.socket],
    environment: dict[str, str],
    stop: threading.Event,
) -> None:
    while not stop.wait(0.2):
        for index, worker in enumerate(running):
            code = worker.poll()
            if code is None:
                continue
            if code == STARTUP_FAILURE:
                raise GroundedError(f"a worker process could not start (exit code {code}); its message is above")
            print(f"worker {worker.pid} stopped (exit code {code}); starting another", file=sys.stderr)
            if stop.wait(RESTART_PAUSE):
                return
            running[index] = _start(sockets[index], environment)


def _start(sock: socket.socket, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    fd = sock.fileno()
    command = [sys.executable, "-m", "grounded.web.supervisor", str(fd)]
    return subprocess.Popen(  # noqa: S603  (this module, this interpreter)
        command, pass_fds=(fd,), env=environment, start_new_session=True, preexec_fn=_end_with_parent
    )


def _end_with_parent() -> None:
    """In the worker, before it runs: SIGTERM when the parent dies, even by SIGKILL, so no
    worker outlives it holding the port (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _stop(running: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (uvicorn finishes the requests in hand), then SIGKILL for any still there
    after ``GRACE`` seconds."""
    for worker in running:
        if worker.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                worker.terminate()
    deadline = time.monotonic() + GRACE
    for worker in running:
        try:
            worker.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def main(argv: list[str]) -> None:
    """A worker: the app from ``workers.ENV``, served by uvicorn on the inherited socket."""
    import uvicorn

    options = json.loads(os.environ.get(OPTIONS_ENV) or "{}")
    config = uvicorn.Config(workers.FACTORY, factory=True, **options)
    try:
        config.load()  # the app is built here: a failure is a start-up failure, not a crash to retry
    except (Exception, SystemExit) as error:
        print(f"grounded worker: the app could not be built: {error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(config)
    # uvicorn finishes its requests on SIGINT, then raises it again: as uvicorn.run does, the
    # interruption ends the process quietly.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[socket.socket(fileno=int(argv[1]))])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main(sys.argv)

"""``grounded serve``: the web app and JSON API for the team."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from grounded.cli.context import State, state
from grounded.cli.output import console
from grounded.errors import InvalidInput

Host = Annotated[str | None, typer.Option(help="Address to listen on (default: GROUNDED_HOST or 127.0.0.1).")]
Port = Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default: GROUNDED_PORT or 8000).")]
Workers = Annotated[
    int,
    typer.Option(
        min=1,
        max=64,
        help="Worker processes (each with its own database connections); one per core serves more requests at once.",
    ),
]
Accounts = Annotated[
    bool,
    typer.Option(
        "--accounts/--local",
        help="Require sign-in with accounts, or run in single-user local mode (loopback only; the default there).",
    ),
]


def serve(
    host: Host = None,
    port: Port = None,
    accounts: Accounts = False,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Mark cookies Secure (set this behind a TLS proxy).")
    ] = False,
    workers: Workers = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Print a line for every request (off by default: it costs time).")
    ] = False,
) -> None:
    """Serve the web app and the JSON API (OpenAPI at /api/v1/openapi.json).

    On loopback it runs in single-user local mode unless --accounts is given: you act as
    yourself, as an admin, without signing in. Any other address requires accounts (create
    them with grounded user create EMAIL NAME --role admin --password-stdin).

    Example: grounded serve --host 0.0.0.0 --port 8080 --accounts --workers 2
    """
    run_server(
        state(),
        host=host,
        port=port,
        accounts=accounts,
        secure_cookies=secure_cookies,
        workers=workers,
        access_log=access_log,
    )


def run_server(
    current: State,
    *,
    host: str | None,
    port: int | None,
    accounts: bool,
    secure_cookies: bool = False,
    workers: int = 1,
    access_log: bool = False,
) -> None:
    """Build the app for ``current``'s database and serve it until interrupted."""
    import uvicorn

    from grounded.web import supervisor
    from grounded.web import workers as workers_env
    from grounded.web.app import create_app
    from grounded.web.config import WebConfig, is_loopback
    from grounded.workspace.users import can_sign_in

    settings = current.settings
    host = host or settings.host
    port = port or settings.port
    supervisor.check_address(host, port)  # a wrong --host or a busy --port is the one thing said
    local = not accounts and is_loopback(host)
    if not local:
        with current.session() as session:
            if not can_sign_in(session):
                raise InvalidInput(
                    "no account can sign in yet: create one with "
                    "grounded user create EMAIL NAME --role admin --password-stdin",
                    field="accounts",
                )
    local_user = (settings.user or current.actor_name()) if local else None
    config = WebConfig(host=host, port=port, local_user=local_user, secure_cookies=secure_cookies)
    app = create_app(settings, config, engine=current.engine)  # checks the database before serving
    # A socket a worker where the system spreads connections over them (web/supervisor.py),
    # bound before anything is printed: a port in use is the one thing said.
    sockets = supervisor.bind(host, port, workers) if workers > 1 and supervisor.spreads_connections() else None
    shown = f"[{host}]" if ":" in host else host
    mode = f"single-user local mode as {local_user}" if local else "accounts: sign in to use it"
    processes = f", {workers} worker processes" if workers > 1 else ""
    console.print(f"Serving grounded at [bold]http://{shown}:{port}/[/] ({mode}{processes}). Press Ctrl-C to stop.")
    # uvicorn takes httptools and uvloop (dependencies) when they are installed.
    options: dict[str, Any] = {
        "log_level": "info" if access_log else "warning",
        "access_log": access_log,
        "proxy_headers": True,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **options)
        return
    os.environ[workers_env.ENV] = workers_env.to_env(settings, config)
    if sockets is not None:
        supervisor.serve(sockets, options)
        return
    uvicorn.run(workers_env.FACTORY, factory=True, workers=workers, host=host, port=port, **options)

"""``grounded serve``: the web app and JSON API for the team."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import State, state
from grounded.cli.output import console
from grounded.errors import InvalidInput

Host = Annotated[str | None, typer.Option(help="Address to listen on (default: GROUNDED_HOST or 127.0.0.1).")]
Port = Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default: GROUNDED_PORT or 8000).")]
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
) -> None:
    """Serve the web app and the JSON API (OpenAPI at /api/v1/openapi.json).

    On loopback it runs in single-user local mode unless --accounts is given: you act as
    yourself, as an admin, without signing in. Any other address requires accounts (create
    them with grounded user create EMAIL NAME --role admin --password-stdin).

    Example: grounded serve --host 0.0.0.0 --port 8080 --accounts
    """
    run_server(state(), host=host, port=port, accounts=accounts, secure_cookies=secure_cookies)


def run_server(
    current: State, *, host: str | None, port: int | None, accounts: bool, secure_cookies: bool = False
) -> None:
    """Build the app for ``current``'s database and serve it until interrupted."""
    import uvicorn

    from grounded.web.app import create_app
    from grounded.web.config import WebConfig, is_loopback
    from grounded.workspace.users import can_sign_in

    settings = current.settings
    host = host or settings.host
    port = port or settings.port
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
    app = create_app(settings, config, engine=current.engine)
    shown = f"[{host}]" if ":" in host else host
    mode = f"single-user local mode as {local_user}" if local else "accounts: sign in to use it"
    console.print(f"Serving grounded at [bold]http://{shown}:{port}/[/] ({mode}). Press Ctrl-C to stop.")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)

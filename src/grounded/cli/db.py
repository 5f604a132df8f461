"""``grounded db``: create or upgrade the schema; say where the database is."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import state
from grounded.cli.output import done, emit_json, fields
from grounded.db import migrate
from grounded.db.engine import display_url, sqlite_path
from grounded.errors import DatabaseNotReady

app = typer.Typer(help="The database: schema upgrades and status.\n\nExample: grounded db status", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Create the schema, or bring it up to this version of grounded. Safe to repeat.

    Example: grounded --database postgresql://localhost/grounded db upgrade
    """
    current = state()
    before = migrate.current_revision(current.engine)
    migrate.upgrade(current.engine)
    after = migrate.current_revision(current.engine)
    if before == after:
        done(f"{display_url(current.engine.url)} is already at revision {after}.")
    else:
        done(f"Upgraded {display_url(current.engine.url)} from {before or 'empty'} to {after}.")


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Where the database is, which schema revision it has and which this grounded needs.

    Example: grounded db status --json
    """
    current = state()
    url = display_url(current.engine.url)
    path = sqlite_path(current.engine.url)
    revision = None if path is not None and not path.exists() else migrate.current_revision(current.engine)
    head = migrate.HEAD
    report = {"database": url, "revision": revision, "required": head, "ready": revision == head}
    if as_json:
        emit_json(report)
    else:
        fields(
            [
                ("database", url),
                ("revision", revision or "none (run grounded init)"),
                ("required", head),
                ("ready", "yes" if revision == head else "no"),
            ]
        )
    if revision != head:
        raise DatabaseNotReady(f"schema is at {revision or 'nothing'}, needs {head}: run grounded db upgrade")

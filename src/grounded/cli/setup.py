"""``grounded init``: a database and a first workspace in one step."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from grounded.cli.context import state
from grounded.cli.output import done, emit_json
from grounded.cli.parse import schema
from grounded.config import use_workspace
from grounded.db import migrate
from grounded.db.engine import display_url
from grounded.workspace import service as workspaces
from grounded.workspace.schemas import WorkspaceCreate, WorkspaceRead


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "workspace"


def init(
    name: Annotated[str, typer.Argument(help="The workspace's name.")] = "Product team",
    slug: Annotated[str | None, typer.Option(help="Short name used on the command line; default: from NAME.")] = None,
    currency: Annotated[str, typer.Option(help="ISO currency of ARR and deal values.")] = "USD",
    as_json: Annotated[bool, typer.Option("--json", help="Print the workspace as JSON.")] = False,
) -> None:
    """Create (or upgrade) the database and a first workspace, and make it current.

    Example: grounded init "Reporting team" --slug reporting
    """
    current = state()
    migrate.upgrade(current.engine)
    with current.session() as session:
        data = schema(WorkspaceCreate, {"slug": slug or slugify(name), "name": name, "currency": currency})
        workspace = workspaces.create(session, data=data, actor=current.actor(session))
        result = WorkspaceRead.model_validate(workspace)
    use_workspace(current.settings, result.slug)
    if as_json:
        emit_json(result)
        return
    done(f"Created workspace [bold]{result.slug}[/] in {display_url(current.engine.url)} and made it current.")
    done("Next: add evidence with [bold]grounded evidence add[/], or explore the demo with [bold]grounded demo[/].")

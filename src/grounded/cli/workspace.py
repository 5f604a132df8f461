"""``grounded workspace``: list, create, switch, show."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import in_workspace, state
from grounded.cli.output import done, emit_json, fields, page_caption, table
from grounded.cli.parse import schema
from grounded.cli.setup import slugify
from grounded.config import use_workspace
from grounded.core.pagination import PageParams
from grounded.workspace import audit_log, stats
from grounded.workspace import service as workspaces
from grounded.workspace.schemas import AuditEventRead, WorkspaceCreate, WorkspaceRead

app = typer.Typer(help="Workspaces: one per team or product.\n\nExample: grounded workspace list", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """List the workspaces in the database; the current one is marked.

    Example: grounded workspace list --json
    """
    current = state()
    with current.session() as session:
        rows = [WorkspaceRead.model_validate(w) for w in workspaces.list_(session)]
    chosen = current.settings.workspace or (rows[0].slug if len(rows) == 1 else None)
    if as_json:
        emit_json({"current": chosen, "items": rows})
        return
    table(
        ["", "slug", "name", "currency", "created"],
        [("*" if w.slug == chosen else "", w.slug, w.name, w.currency, w.created_at) for w in rows],
    )


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The workspace's name.")],
    slug: Annotated[str | None, typer.Option(help="Short name; default: from NAME.")] = None,
    currency: Annotated[str, typer.Option(help="ISO currency of ARR and deal values.")] = "USD",
    use: Annotated[bool, typer.Option("--use/--no-use", help="Make it the current workspace.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Create another workspace.

    Example: grounded workspace create "Mobile team" --slug mobile
    """
    current = state()
    with current.session() as session:
        data = schema(WorkspaceCreate, {"slug": slug or slugify(name), "name": name, "currency": currency})
        result = WorkspaceRead.model_validate(workspaces.create(session, data=data, actor=current.actor(session)))
    if use:
        use_workspace(current.settings, result.slug)
    if as_json:
        emit_json(result)
        return
    done(f"Created workspace [bold]{result.slug}[/]{' (now current)' if use else ''}.")


@app.command("use")
def use(slug: Annotated[str, typer.Argument(help="Slug of the workspace to make current.")]) -> None:
    """Make a workspace the current one (saved in the config file).

    Example: grounded workspace use demo
    """
    with state().session() as session:
        workspaces.resolve(session, slug)
    path = use_workspace(state().settings, slug)
    done(f"Current workspace: [bold]{slug}[/] (saved in {path}).")


@app.command("audit")
def audit(
    entity: Annotated[str | None, typer.Option(help="Only changes to this record (P-12, D-3…).")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 30,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Who changed what and when in the current workspace, newest first.

    Example: grounded workspace audit --entity D-1
    """
    with in_workspace() as (session, workspace, _):
        page = audit_log.list_(session, workspace, entity_key=entity, page=PageParams(limit=limit, offset=offset))
        rows = [AuditEventRead.model_validate(e) for e in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["when", "who", "action", "record", "change"],
        [(e.occurred_at, e.actor_name, e.action, e.entity_key or e.entity_type, _change(e)) for e in rows],
        caption=page_caption(page),
    )


def _change(event: AuditEventRead) -> str:
    if event.action in ("transition", "update") and event.after:
        return ", ".join(f"{k}: {(event.before or {}).get(k)!s:.30} → {v!s:.30}" for k, v in event.after.items())
    if event.action == "bulk_create" and event.after:
        return f"{event.after.get('count')} {event.after.get('table')} rows"
    return ""


@app.command("show")
def show(as_json: JsonOption = False) -> None:
    """Show the current workspace and how much is in it.

    Example: grounded workspace show
    """
    with in_workspace() as (session, workspace, _):
        info = WorkspaceRead.model_validate(workspace)
        counts = stats.counts(session, workspace)
    if as_json:
        emit_json({**info.model_dump(mode="json"), "counts": counts})
        return
    fields(
        [
            ("workspace", f"{info.name} ({info.slug})"),
            ("currency", info.currency),
            ("created", info.created_at),
            *[(name.replace("_", " "), n) for name, n in counts.items()],
        ]
    )

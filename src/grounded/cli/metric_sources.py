"""``grounded metric source``: where the events live (the import store, files, a warehouse)."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, table
from grounded.errors import InvalidInput
from grounded.metrics import event_sources
from grounded.metrics.engine import MAPPING_KEYS
from grounded.metrics.schemas import EventSourceCreate, EventSourceRead
from grounded.models.enums import EventSourceKind

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

app = typer.Typer(
    help="Where the events live: the store grounded imports into, files, or a warehouse URL.\n\n"
    "Example: grounded metric source list",
    no_args_is_help=True,
)


@app.command("add")
def source_add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. warehouse.")],
    kind: Annotated[EventSourceKind, typer.Option(help="parquet, csv, duckdb (a file) or ibis (a URL).")],
    location: Annotated[str, typer.Option(help="A path or glob of files, a DuckDB file, or an Ibis connection URL.")],
    table_name: Annotated[str | None, typer.Option("--table", help="The events table (duckdb and ibis kinds).")] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="Map a column: ours=theirs, for user, account, event, timestamp, properties."),
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Make it the workspace's default.")] = False,
) -> None:
    """Add an event source.

    Example: grounded metric source add warehouse --kind ibis --location clickhouse://host/analytics --table events
    """
    mapping: dict[str, str] = parse.pairs(column, option="column")
    unknown = sorted(set(mapping) - set(MAPPING_KEYS))
    if unknown:
        raise InvalidInput(f"cannot map {', '.join(unknown)}; map: {', '.join(MAPPING_KEYS)}", field="column")
    if table_name:
        mapping["table"] = table_name
    data = parse.schema(
        EventSourceCreate,
        parse.given(name=name, kind=kind, location=location, column_mapping=mapping, is_default=default),
    )
    with in_workspace() as (session, workspace, actor):
        event_sources.create(session, workspace, data=data, actor=actor)
    done(f"Added event source [bold]{name}[/]" + (" (default)." if default else "."))


@app.command("list")
def source_list(as_json: JsonOption = False) -> None:
    """List the event sources.

    Example: grounded metric source list
    """
    with in_workspace() as (session, workspace, _):
        rows = [EventSourceRead.model_validate(s) for s in event_sources.list_(session, workspace).items]
    if as_json:
        emit_json({"items": rows})
        return
    table(
        ["name", "kind", "location", "default", "mapping"],
        [(s.name, s.kind, s.location, "yes" if s.is_default else "", s.column_mapping) for s in rows],
    )

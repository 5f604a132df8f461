"""``grounded metric``: the metric catalogue (definitions everyone uses the same way)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.metrics import catalogue
from grounded.metrics.schemas import MetricCreate, MetricRead, MetricUpdate
from grounded.models.enums import GoodDirection, MetricKind

app = typer.Typer(
    help="The metric catalogue: one versioned definition per behaviour metric.\n\nExample: grounded metric list",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
KeyArg = Annotated[str, typer.Argument(help="Metric key, e.g. weekly_csv_exports.")]
Definition = Annotated[Path | None, typer.Option(help="JSON file with the definition (events, window, filters…).")]


@app.command("define")
def define(
    key: KeyArg,
    name: Annotated[str, typer.Argument(help="Human name.")],
    kind: Annotated[MetricKind, typer.Option(help="What kind of metric.")],
    description: Annotated[str, typer.Option(help="What it means and why it matters.")] = "",
    owner: Annotated[str | None, typer.Option(help="Who answers questions about it.")] = None,
    unit: Annotated[str, typer.Option(help="Unit of the value (users, %, s…).")] = "",
    good: Annotated[GoodDirection, typer.Option(help="Which direction is good.")] = GoodDirection.UP,
    definition: Definition = None,
    as_json: JsonOption = False,
) -> None:
    """Add a metric to the catalogue.

    Example: grounded metric define weekly_csv_exports "Weekly CSV exports" --kind count --unit exports --good down
    """
    data = parse.schema(
        MetricCreate,
        parse.given(
            key=key,
            name=name,
            kind=kind,
            description=description,
            owner=owner,
            unit=unit,
            good_direction=good,
            definition=parse.json_file(definition, option="definition") if definition else None,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = MetricRead.model_validate(catalogue.create(session, workspace, data=data, actor=actor))
    if as_json:
        emit_json(created)
    else:
        done(f"Defined [bold]{created.key}[/] (version {created.version}).")


@app.command("update")
def update(
    key: KeyArg,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    kind: Annotated[MetricKind | None, typer.Option(help="New kind (makes a new version).")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    owner: Annotated[str | None, typer.Option(help="New owner.")] = None,
    unit: Annotated[str | None, typer.Option(help="New unit.")] = None,
    good: Annotated[GoodDirection | None, typer.Option(help="Which direction is good.")] = None,
    definition: Definition = None,
) -> None:
    """Edit a metric; a new kind or definition makes a new version (old results keep theirs).

    Example: grounded metric update weekly_csv_exports --definition exports.json
    """
    data = parse.schema(
        MetricUpdate,
        parse.given(
            name=name,
            kind=kind,
            description=description,
            owner=owner,
            unit=unit,
            good_direction=good,
            definition=parse.json_file(definition, option="definition") if definition else None,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        metric = catalogue.update(session, catalogue.get(session, workspace, key), data=data, actor=actor)
        done(f"{metric.key} is at version {metric.version}.")


@app.command("list")
def list_(
    kind: Annotated[MetricKind | None, typer.Option(help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 100,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List the catalogue.

    Example: grounded metric list --kind retention
    """
    with in_workspace() as (session, workspace, _):
        page = catalogue.list_(session, workspace, kind=kind, page=PageParams(limit=limit, offset=offset))
        rows = [MetricRead.model_validate(m) for m in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "name", "kind", "unit", "good", "v", "description"],
        [(m.key, m.name, m.kind, m.unit, m.good_direction, m.version, excerpt(m.description, 50)) for m in rows],
        caption=page_caption(page),
    )


@app.command("show")
def show(key: KeyArg, as_json: JsonOption = False) -> None:
    """Show a metric's definition and its version history.

    Example: grounded metric show weekly_csv_exports
    """
    with in_workspace() as (session, workspace, _):
        metric = catalogue.get(session, workspace, key)
        info = MetricRead.model_validate(metric)
        versions = [(v.version, v.kind.value, v.created_at) for v in catalogue.versions(session, metric)]
    if as_json:
        emit_json(
            {
                **info.model_dump(mode="json"),
                "versions": [{"version": v, "kind": k, "created_at": c} for v, k, c in versions],
            }
        )
        return
    fields(
        [
            ("key", info.key),
            ("name", info.name),
            ("kind", info.kind),
            ("description", info.description),
            ("owner", info.owner),
            ("unit", info.unit),
            ("good direction", info.good_direction),
            ("version", info.version),
            ("definition", parse_json(info.definition)),
        ],
        title=info.key,
    )
    table(["version", "kind", "defined"], versions, title="Versions")


def parse_json(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True)

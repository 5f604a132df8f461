"""``grounded metric``: the metric catalogue (definitions everyone uses the same way)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from grounded.cli import metric_rollup, metric_sources, parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table, warn
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.metrics import catalogue, checks, compute, specfiles
from grounded.metrics import spec as spec_module
from grounded.metrics.schemas import MetricRead, MetricUpdate
from grounded.metrics.spec import Spec
from grounded.models import Workspace
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
    path: Annotated[Path, typer.Argument(help="A YAML spec, or a folder of them (metrics/).")],
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Check event and property names against the event store.")
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; change nothing.")] = False,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            "--backend",
            help="A backend the metrics must run on (trino, bigquery, snowflake, postgres, clickhouse, spark, "
            "duckdb…); repeatable. A metric it cannot express is refused.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add metrics to the catalogue from YAML specs, or bring them up to date. A changed
    definition makes a new version; earlier results stay attributed to theirs. Each metric
    is compiled for the backends it must run on (its backends:, --backend, the default event
    source's warehouse) and refused, naming the operation, where one cannot express it.

    Example: grounded metric define metrics/ --backend trino
    """
    loaded = specfiles.load(path)
    outcomes = []
    with in_workspace() as (session, workspace, actor):
        compute.check_backends(session, workspace, loaded, backend or [])
        if check and any(s.kind in spec_module.EVENT_KINDS for s, _ in loaded):
            _check_events(session, workspace, loaded)
        for (metric, status), (_, where) in zip(
            catalogue.define_all(session, workspace, loaded, actor=actor), loaded, strict=True
        ):
            outcomes.append({"key": metric.key, "version": metric.version, "status": status, "from": where})
        if dry_run:
            session.rollback()
    if as_json:
        emit_json({"dry_run": dry_run, "metrics": outcomes})
        return
    table(
        ["key", "version", "what happened", "from"],
        [(o["key"], o["version"], o["status"], o["from"]) for o in outcomes],
        caption="dry run: nothing was changed" if dry_run else None,
    )


def _check_events(session: Session, workspace: Workspace, loaded: list[tuple[Spec, str]]) -> None:
    try:
        events = compute.open_events(session, workspace, compute.Target())
    except InvalidInput as error:
        warn(f"event names not checked: {error}")
        return
    names = checks.known_events(events)
    properties = checks.known_properties(events)
    problems = []
    for spec, where in loaded:
        if spec.kind not in spec_module.EVENT_KINDS:
            continue
        for problem in checks.check(spec, events, names=names, properties=properties):
            problems.append(f"{_line_of(where, problem.name)}: {problem.message} (metric {spec.key})")
    if problems:
        raise InvalidInput("; ".join(problems))


def _line_of(where: str, name: str) -> str:
    """``file:line`` of the first line at or after the spec's start that names ``name``."""
    file, _, line = where.rpartition(":")
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return where
    first = int(line) if line.isdigit() else 1
    for number in range(first, len(lines) + 1):
        if name in lines[number - 1]:
            return f"{file} line {number}"
    return f"{file} line {first}"


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


Since = Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default: the first day with events.")]
Until = Annotated[
    str | None, typer.Option(help="Day after the last (YYYY-MM-DD); default: the day after the last event.")
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (default), chdb or spark over the event source's files; or an Ibis connection URL "
        "(e.g. clickhouse://localhost/analytics, duckdb:///events.duckdb).",
    ),
]
TableOption = Annotated[str, typer.Option(help="The events table, with --engine.")]
SourceOption = Annotated[str | None, typer.Option(help="A named event source of the workspace (default: its default).")]


NoRollup = Annotated[
    bool, typer.Option("--no-rollup", help="Read the events even where the activity rollups could answer.")
]


def _target(
    engine: str | None, table_name: str, source: str | None, *, workspace: Workspace, rollup: bool = True
) -> compute.Target:
    if engine and "://" in engine and source:
        raise InvalidInput("an engine URL reads its own table: give --engine URL or --source, not both", field="engine")
    folder = metric_rollup.rollups_dir(workspace.slug) if rollup else None
    return compute.Target(source=source, engine=engine, table=table_name, rollups=folder)


@app.command("compute")
def compute_(
    key: KeyArg,
    since: Since = None,
    until: Until = None,
    engine: EngineOption = None,
    table_name: TableOption = "events",
    source: SourceOption = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="Also show the detail: funnel steps, retention periods, percentiles.")
    ] = False,
    no_rollup: NoRollup = False,
    as_json: JsonOption = False,
) -> None:
    """Compute a metric from the events (or survey answers) and keep its values.

    Example: grounded metric compute weekly_report_views --since 2026-09-01
    """
    start, end = parse.day(since, option="since"), parse.day(until, option="until")
    with in_workspace() as (session, workspace, _):
        target = _target(engine, table_name, source, workspace=workspace, rollup=not no_rollup)
        result = compute.compute(session, workspace, key, since=start, until=end, target=target)
        version = result.metric.version
    if as_json:
        emit_json(
            {
                "key": result.spec.key,
                "version": version,
                "kind": result.spec.kind.value,
                "engine": result.engine,
                "answered_from": result.answered_from,
                "since": result.since.isoformat(),
                "until": result.until.isoformat(),
                "seconds": round(result.seconds, 3),
                "notes": result.notes,
                "values": [v.as_dict() for v in result.values if detail or not v.detail],
            }
        )
        return
    shown = [v for v in result.values if detail or not v.detail]
    by = list(result.spec.by)
    columns = ["period", *[name.split(".", 1)[1] for name in by], *(["detail"] if detail else []), "value", "n"]
    table(
        columns,
        [
            (
                v.period_start.isoformat(),
                *[v.segment.get(name) for name in by],
                *([", ".join(f"{k}={x}" for k, x in v.detail.items()) or "headline"] if detail else []),
                _shown(v.value, result.spec.unit),
                v.sample_size,
            )
            for v in shown
        ],
        title=f"{result.spec.name} (v{version}, {result.engine})",
        caption=f"{result.since} to {result.until} (exclusive), {result.seconds:.2f} s"
        + "".join(f"; {n}" for n in result.notes),
    )


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}" if unit == "%" or not float(value).is_integer() else f"{value:,.0f}"
    return f"{text}%" if unit == "%" else text


@app.command("sql")
def sql(
    key: KeyArg,
    dialect: Annotated[
        str, typer.Option(help="duckdb, clickhouse, pyspark, trino, bigquery, snowflake or postgres.")
    ] = "duckdb",
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2026-01-01",
    until: Annotated[str, typer.Option(help="Day after the last (YYYY-MM-DD).")] = "2026-04-01",
) -> None:
    """Print the SQL a metric compiles to for an engine (nothing is run).

    Example: grounded metric sql weekly_report_views --dialect clickhouse
    """
    start = parse.day(since, option="since") or date(2026, 1, 1)
    end = parse.day(until, option="until") or date(2026, 4, 1)
    if dialect not in DIALECTS:
        raise InvalidInput(f"'{dialect}' is not one of: {', '.join(DIALECTS)}", field="dialect")
    with in_workspace() as (session, workspace, _):
        statements = compute.sql(session, workspace, key, dialect=dialect, since=start, until=end)
    for statement in statements:
        done(statement.rstrip() + ";\n")


DIALECTS = ("duckdb", "clickhouse", "pyspark", "trino", "bigquery", "snowflake", "postgres")


@app.command("chart")
def chart(
    key: KeyArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: .svg or .png.")],
    since: Since = None,
    until: Until = None,
    engine: EngineOption = None,
    table_name: TableOption = "events",
    source: SourceOption = None,
) -> None:
    """Compute a metric and chart it: a time series, the retention triangle, funnel bars or
    the stickiness histogram.

    Example: grounded metric chart retention_8_weeks --out retention.svg
    """
    from grounded.metrics import charts

    if out.suffix.lower() not in charts.FORMATS:
        raise InvalidInput(f"{out}: write a chart as .svg or .png", field="out")
    if not out.parent.is_dir():  # before computing: say so at once
        raise InvalidInput(f"cannot write {out}: the folder {out.parent} does not exist", field="out")
    start, end = parse.day(since, option="since"), parse.day(until, option="until")
    with in_workspace() as (session, workspace, _):
        target = _target(engine, table_name, source, workspace=workspace, rollup=True)
        result = compute.compute(session, workspace, key, since=start, until=end, target=target)
        # inside the session: a chart that cannot be written keeps none of the values computed
        charts.save(charts.draw(result.spec, result.values), out)
    done(f"Wrote {out} ({result.spec.kind.value}, {result.since} to {result.until}).")


@app.command("values")
def values(
    key: KeyArg,
    version: Annotated[int | None, typer.Option(help="Values of this version (default: the current one).")] = None,
    detail: Annotated[bool, typer.Option("--detail", help="Also the detail values (steps, periods…).")] = False,
    as_json: JsonOption = False,
) -> None:
    """The values kept from the last computations of a metric.

    Example: grounded metric values weekly_csv_exports
    """
    with in_workspace() as (session, workspace, _):
        metric = catalogue.get(session, workspace, key)
        chosen = version or metric.version
        rows: list[dict[str, Any]] = [
            {
                "period_start": v.period_start.isoformat(),
                "period_end": v.period_end.isoformat(),
                "segment": v.segment,
                "detail": v.detail,
                "value": v.value,
                "sample_size": v.sample_size,
                "engine": v.engine,
                "computed_at": v.computed_at.isoformat(),
            }
            for v in catalogue.values(session, metric, version=chosen)
            if detail or not v.detail
        ]
    if as_json:
        emit_json({"key": key, "version": chosen, "items": rows})
        return
    table(
        ["period", "segment", *(["detail"] if detail else []), "value", "n", "engine"],
        [
            (
                r["period_start"],
                ", ".join(f"{k}={v}" for k, v in r["segment"].items()),
                *([", ".join(f"{k}={v}" for k, v in r["detail"].items())] if detail else []),
                r["value"],
                r["sample_size"],
                r["engine"],
            )
            for r in rows
        ],
        title=f"{key} v{chosen}",
        caption=f"{len(rows)} values" if rows else "none yet: grounded metric compute " + key,
    )


# `grounded metric source …`, kept in its own module.
app.add_typer(metric_sources.app, name="source")
app.command("rollup")(metric_rollup.rollup)

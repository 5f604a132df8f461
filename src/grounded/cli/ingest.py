"""``grounded import``: evidence, requests, accounts and usage events from tool exports."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from grounded.cli.context import in_workspace, state
from grounded.cli.output import console, counting_bar, done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.ingest import detect as detection
from grounded.ingest import mapping as mappings
from grounded.ingest import sources
from grounded.ingest.pipeline import ImportOptions, ImportReport
from grounded.ingest.schemas import QuarantinedRowRead, SourceRead

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


class ImportGroup(TyperGroup):
    """``grounded import FILE …`` runs an import; ``grounded import errors|runs|presets`` the rest."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["file", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=ImportGroup,
    no_args_is_help=True,
    help=(
        "Import evidence, requests, accounts or usage events from a tool's export (CSV, TSV, JSON, JSONL, Parquet, "
        "Markdown notes; .gz too). Re-importing updates, never duplicates; rows that cannot be read are quarantined."
        "\n\nExample: grounded import --preset zendesk tickets.csv"
    ),
)


@app.command("file", hidden=True)
def import_file(
    file: Annotated[Path, typer.Argument(help="The export to import (a folder for Markdown notes).")],
    preset: Annotated[
        str | None, typer.Option(help="A preset for a known export (see grounded import presets).")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="A YAML mapping file (see docs/importing.md).")] = None,
    detect: Annotated[bool, typer.Option("--detect", help="Only propose a mapping for the file and print it.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    redact: Annotated[bool, typer.Option("--redact", help="Mask e-mails, phone and card numbers in text.")] = False,
    hash_people: Annotated[bool, typer.Option("--hash-people", help="Keep people only as a salted hash.")] = False,
    source: Annotated[
        str | None, typer.Option(help="Channel name the evidence is filed under (default: the mapping's).")
    ] = None,
    format_: Annotated[str | None, typer.Option("--format", help="csv, tsv, json, jsonl, parquet or markdown.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detected).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: detected).")] = None,
    batch_rows: Annotated[int, typer.Option(help="Rows per transaction.", min=100, max=200_000)] = 10_000,
    as_json: JsonOption = False,
) -> None:
    """Import a file.

    Example: grounded import --preset zendesk tickets.csv --redact
    """
    if detect:
        proposal = detection.propose(file, format_=format_, encoding=encoding)
        console.print(proposal.text, markup=False, highlight=False, soft_wrap=True)
        return
    chosen = _mapping(preset, mapping, source)
    current = state()
    with in_workspace() as (_, workspace, actor):
        workspace_id = workspace.id
    options = ImportOptions(
        dry_run=dry_run,
        redact=redact,
        hash_people=hash_people,
        batch_rows=batch_rows,
        format=format_,
        encoding=encoding,
        delimiter=delimiter,
        data_dir=current.settings.data_dir,
    )
    from grounded.ingest.pipeline import run

    with _progress(file, quiet=as_json) as advance:
        report = run(
            current.engine,
            workspace_id=workspace_id,
            path=file,
            mapping=chosen,
            actor=actor,
            options=options,
            progress=advance,
        )
    placed = None
    if not report.dry_run and report.target == "evidence" and report.counts.new_count:
        placed = _join_themes(current, workspace_id)
    _report(report, as_json=as_json, placed=placed)


def _join_themes(current: Any, workspace_id: Any) -> dict[str, Any] | None:
    """New evidence joins the current themes when close enough (synthesis/assign.py). The
    import is stored by now: whatever goes wrong here (a missing model, a locked database)
    leaves the new items for the next build, and says so, but never fails the import."""
    from grounded.synthesis import embeddings
    from grounded.synthesis.assign import assign_new, pending

    run, todo = pending(current.engine, workspace_id)
    if run is None or not todo:
        return None
    try:
        embedder = embeddings.embedder(run.model, current.settings.model_dir)
        found = assign_new(current.engine, workspace_id, embedder)
    except Exception as problem:  # reported, never raised: the import is already stored
        return {"run": run.key, "joined": 0, "waiting": len(todo), "skipped": f"themes not updated: {problem}"}
    return dataclasses.asdict(found) | {"ms_per_item": round(found.ms_per_item, 2)}


def _mapping(preset: str | None, path: Path | None, source: str | None) -> mappings.Mapping:
    if preset is not None and path is not None:
        raise InvalidInput(
            "give --preset or --mapping, not both (to adapt a preset: grounded import presets NAME > my.yaml)",
            field="mapping",
        )
    if preset is None and path is None:
        raise InvalidInput(
            "give a --preset or a --mapping (grounded import --detect FILE proposes one)", field="mapping"
        )
    chosen = mappings.preset(preset) if preset else mappings.load_file(path)  # type: ignore[arg-type]
    if source:
        chosen = mappings.Mapping.model_validate({**chosen.model_dump(), "source": source})
    return chosen


@contextmanager
def _progress(file: Path, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    from grounded.ingest.readers import estimate_rows

    total = None if quiet else estimate_rows(file)
    with counting_bar(f"importing {file.name}", total, unit="rows", quiet=quiet) as advance:
        yield advance


def _report(report: ImportReport, *, as_json: bool, placed: dict[str, Any] | None = None) -> None:
    data = dataclasses.asdict(report)
    data["rows_per_second"] = round(report.rows_per_second)
    data["themes"] = placed
    if as_json:
        emit_json(data)
        return
    counts = report.counts
    run = report.source or "nothing written"
    done(f"{'Dry run: ' if report.dry_run else ''}{report.file} → {report.target} ({run})")
    table(
        ["", "rows"],
        [
            ("read", f"{counts.rows_read:,}"),
            ("new", f"{counts.new_count:,}"),
            ("updated", f"{counts.updated_count:,}"),
            ("unchanged", f"{counts.unchanged_count:,}"),
            ("quarantined", f"{counts.quarantined_count:,}"),
        ],
    )
    extras = [
        ("quotes split out", report.quotes),
        ("accounts created", report.accounts_created),
        ("people created", report.people_created),
        ("redacted", ", ".join(f"{n} {k}" for k, n in report.redacted.items() if n)),
        ("resumed after row", report.resumed_from),
        ("earlier quarantined rows now stored", report.resolved),
        ("speed", f"{report.rows_per_second:,.0f} rows/s in {report.seconds:.1f} s"),
    ]
    fields([(name, value) for name, value in extras if value])
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    for example in report.examples:
        console.print(f"[red]quarantined[/] {example}", soft_wrap=True)
    if counts.quarantined_count and report.source:
        done(f"See every quarantined row with: grounded import errors {report.source}")
    if placed:
        _placed(placed)


def _placed(placed: dict[str, Any]) -> None:
    joined = ", ".join(f"{key} ×{n}" for key, n in list(placed.get("by_theme", {}).items())[:8])
    line = f"{placed['joined']:,} new items joined the themes of {placed['run']}" + (f" ({joined})" if joined else "")
    if placed["waiting"]:
        line += f"; {placed['waiting']:,} wait for the next grounded themes build"
    console.print(line + ".", soft_wrap=True)
    if placed.get("skipped"):
        console.print(f"[yellow]note:[/] {placed['skipped']}", soft_wrap=True)


@app.command("errors")
def errors(
    source: Annotated[str, typer.Argument(help="The import run (SRC-…).")],
    all_: Annotated[bool, typer.Option("--all", help="Include rows already resolved.")] = False,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """The rows an import could not accept: row number, reason and raw content.

    Example: grounded import errors SRC-3 --json
    """
    with in_workspace() as (session, workspace, _):
        run = sources.get(session, workspace, source)
        page = sources.quarantined(
            session, workspace, run, include_resolved=all_, page=PageParams(limit=limit, offset=offset)
        )
        rows = [QuarantinedRowRead.model_validate(r) for r in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["row", "field", "reason", "raw"],
        [(r.row_number, r.field, r.reason, excerpt(r.raw, 60)) for r in rows],
        title=f"Quarantined rows of {source.upper()}",
        caption=page_caption(page),
    )


@app.command("resolve")
def resolve(
    source: Annotated[str, typer.Argument(help="The import run (SRC-…).")],
    rows: Annotated[list[int] | None, typer.Option("--row", help="A quarantined row number (repeatable).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every open quarantined row of the run.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Mark quarantined rows as dealt with: dropped on purpose, or fixed another way. (Rows a
    later import of the same channel stores are resolved on their own.)

    Example: grounded import resolve SRC-3 --row 52 --row 97
    """
    if bool(rows) == all_:
        raise InvalidInput("give the rows to resolve with --row N (repeatable), or --all", field="row")
    with in_workspace() as (session, workspace, actor):
        run = sources.get(session, workspace, source)
        resolved = sources.resolve_rows(session, workspace, run, rows=None if all_ else rows, actor=actor)
        numbers = [row.row_number for row in resolved]
        key = run.key
    if as_json:
        emit_json({"source": key, "resolved": numbers})
        return
    done(f"{key}: {len(numbers)} quarantined row{'s' if len(numbers) != 1 else ''} resolved")


@app.command("runs")
def runs(
    source_key: Annotated[str | None, typer.Option("--source", help="Only this channel.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Past imports, newest first, with their counts.

    Example: grounded import runs --source zendesk
    """
    with in_workspace() as (session, workspace, _):
        page = sources.list_(session, workspace, source_key=source_key, page=PageParams(limit=limit))
        rows = [SourceRead.model_validate(s) for s in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total})
        return
    table(
        ["run", "channel", "file", "status", "read", "new", "updated", "unchanged", "quarantined", "started"],
        [
            (
                r.key,
                r.source_key,
                r.file_name,
                r.status,
                r.rows_read,
                r.new_count,
                r.updated_count,
                r.unchanged_count,
                r.quarantined_count,
                r.started_at,
            )
            for r in rows
        ],
        caption=page_caption(page),
    )


@app.command("presets")
def presets(
    name: Annotated[str | None, typer.Argument(help="Show this preset's mapping.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The presets for known exports, or one preset's mapping (to copy and adapt).

    Example: grounded import presets zendesk
    """
    if name:
        console.print(mappings.preset_text(name), markup=False, highlight=False, soft_wrap=True)
        return
    listed = [(n, mappings.preset(n)) for n in mappings.preset_names()]
    if as_json:
        emit_json(
            [
                {"name": n, "target": m.target, "source": m.source, "description": m.description, "columns": m.headers}
                for n, m in listed
            ]
        )
        return
    table(
        ["preset", "target", "what it reads", "identifying columns"],
        [(n, m.target, m.description, ", ".join(m.headers)) for n, m in listed],
    )

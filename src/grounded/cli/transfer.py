"""``grounded export`` and ``grounded import-workspace``: a whole workspace as one JSON file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from grounded.cli.context import in_workspace, state
from grounded.cli.output import done, emit_json
from grounded.errors import InvalidInput
from grounded.transfer.export import export_workspace
from grounded.transfer.importer import import_workspace, load, record_import


def export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write; '-' for standard output. Default: <slug>.grounded.json"),
    ] = None,
    without_credentials: Annotated[
        bool,
        typer.Option(
            "--without-credentials",
            help="Leave out password hashes and API tokens: an export to share, not a backup.",
        ),
    ] = False,
) -> None:
    """Export the current workspace (everything in it, with its history) to JSON.

    Example: grounded export -o backup.json
    Example: grounded export --without-credentials -o for-the-vendor.json
    """
    credentials = not without_credentials
    with in_workspace() as (session, workspace, _):
        if output is not None and str(output) == "-":
            export_workspace(session, workspace, sys.stdout, credentials=credentials)
            return
        if output is not None and not output.name:  # '' or '.': no file named
            raise InvalidInput("needs a file name, such as backup.json", field="output")
        path = output or Path(f"{workspace.slug}.grounded.json")
        temporary = path.with_name(path.name + ".part")
        try:
            with temporary.open("w", encoding="utf-8") as handle:
                counts = export_workspace(session, workspace, handle, credentials=credentials)
            temporary.replace(path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise InvalidInput(f"cannot write {path}: {error.strerror or error}", field="output") from error
    left_out = "" if credentials else ", without password hashes and API tokens"
    done(f"Exported {workspace.slug} ({sum(counts.values())} rows in {len(counts)} tables{left_out}) to {path}.")


def import_workspace_command(
    file: Annotated[Path, typer.Argument(help="A file written by grounded export ('-' for standard input).")],
    slug: Annotated[
        str | None, typer.Option(help="Import a copy under this slug (new ids), keeping the original.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name for the copy.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a workspace export into this database (all or nothing).

    Example: grounded --database postgresql://localhost/grounded import-workspace backup.json
    """
    if str(file) != "-" and not file.is_file():
        what = "is a folder" if file.is_dir() else "is not a regular file" if file.exists() else "does not exist"
        raise InvalidInput(f"{file} {what}: give a workspace export (grounded export -o FILE)", field="file")
    current = state()
    with current.session() as session:
        if str(file) == "-":
            document = load(sys.stdin, name="standard input")
        else:
            with file.open("r", encoding="utf-8") as handle:
                document = load(handle, name=str(file))
        workspace = import_workspace(session, document, slug=slug, name=name)
        record_import(session, workspace, document, actor=current.actor(session))
        result = {
            "slug": workspace.slug,
            "name": workspace.name,
            "rows": sum(len(rows) for rows in document["tables"].values()),
        }
    if as_json:
        emit_json(result)
    else:
        done(f"Imported workspace [bold]{result['slug']}[/] ({result['rows']} rows).")

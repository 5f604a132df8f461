"""``grounded metric rollup``: the activity rollups that answer repeated questions fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grounded.cli.context import in_workspace, state
from grounded.cli.output import counting_bar, emit_json, table
from grounded.metrics import rollups


def rollups_dir(slug: str) -> Path:
    return state().settings.workspace_dir(slug) / "rollups"


def rollup(
    source: Annotated[
        str | None, typer.Option(help="A named event source of the workspace (default: its default).")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the rollup and build it again from all events.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Bring the activity rollups (per user and per account, per day) up to date with the
    event source: only the days that new or changed files touch are recomputed. Counts,
    unique and active users, adoption, stickiness and calendar retention are then answered
    from them. Imports keep the workspace's own store rolled up by themselves.

    Example: grounded metric rollup --rebuild
    """
    with (
        in_workspace() as (session, workspace, _),
        counting_bar("rolling up days", None, unit="days", quiet=as_json) as advance,
    ):
        done = [0]

        def moved(finished: int, _total: int) -> None:
            advance(finished - done[0])
            done[0] = finished

        report = rollups.refresh(
            session, workspace, directory=rollups_dir(workspace.slug), source=source, rebuild=rebuild, progress=moved
        )
    if as_json:
        emit_json(report.as_dict())
        return
    table(
        ["table", "rows"],
        [(name, f"{rows:,}") for name, rows in report.rows.items()],
        title="Activity rollup",
        caption=f"{'rebuilt' if report.rebuilt else 'updated'}: {report.new_parts} new or changed file(s), "
        f"{report.removed_parts} removed, {report.days} day(s) recomputed, {report.seconds:.2f} s; in {report.path}",
    )

"""``grounded search``: one search over evidence, problems, bets and decisions."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.text import Text

from grounded.cli.context import in_workspace
from grounded.cli.output import console, emit_json
from grounded.core.pagination import PageParams
from grounded.search.service import SearchResult
from grounded.search.service import search as run_search
from grounded.search.sql import ENTITY_TYPES


def search(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", prefix*, a OR b, -excluded.')],
    type_: Annotated[
        list[str] | None,
        typer.Option("--type", "-t", help=f"Only these kinds: {', '.join(ENTITY_TYPES)} (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20,
    offset: Annotated[int, typer.Option(help="How many to skip (paging).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search everything, best match first.

    Example: grounded search "weekly spreadsheet" --type evidence --type problem
    """
    with in_workspace() as (session, workspace, _):
        result = run_search(session, workspace, text=query, types=type_, page=PageParams(limit=limit, offset=offset))
    render(result, as_json=as_json)


def render(result: SearchResult, *, as_json: bool) -> None:
    if as_json:
        emit_json(dataclasses.asdict(result))
        return
    if not result.hits:
        console.print(f"No matches for [bold]{result.query}[/].")
        return
    for hit in result.hits:
        head = Text.assemble((f"{hit.key:>8} ", "bold"), (f"{hit.type:<9} ", "dim"), hit.title)
        body = Text("           " + hit.snippet, style="default")
        body.highlight_words(result.terms, style="bold yellow", case_sensitive=False)
        console.print(head)
        console.print(body)
    shown = result.offset + len(result.hits)
    more = f"; next page: --offset {shown}" if shown < result.total else ""
    console.print(f"[dim]{result.offset + 1}–{shown} of {result.total}{more}[/]")

"""``grounded duplicates``: the same evidence twice, the same ask from two people, bets of
two teams after the same problem."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from grounded.cli.context import in_workspace
from grounded.cli.models import ModelChoice, chosen, up_to_date
from grounded.cli.output import console, done, emit_json, escape, excerpt


class What(StrEnum):
    ALL = "all"
    EVIDENCE = "evidence"
    REQUESTS = "requests"
    BETS = "bets"


def duplicates(
    what: Annotated[What, typer.Argument(help="evidence, requests, bets, or all.")] = What.ALL,
    merge: Annotated[
        bool, typer.Option("--merge", help="Merge each group of duplicate requests into its first request.")
    ] = False,
    model: ModelChoice = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Near-duplicate evidence (the same ticket pasted twice), duplicate requests (the same
    ask from two sales reps; --merge folds them together, keeping every requester account
    and deal value), and overlapping bets (two teams after the same problem).

    Example: grounded duplicates requests --merge
    """
    from grounded.synthesis import duplicates as find

    if merge and what not in (What.ALL, What.REQUESTS):
        raise typer.BadParameter("--merge merges requests: use it with 'requests' or 'all'", param_hint="--merge")
    workspace_id, embedder = chosen(model)
    if what in (What.ALL, What.EVIDENCE):
        up_to_date(workspace_id, embedder, quiet=as_json)
    found: dict[str, list[find.Group]] = {}
    merged: list[str] = []
    with in_workspace() as (session, workspace, actor):
        if what in (What.ALL, What.EVIDENCE):
            found["evidence"] = find.evidence(session, workspace, embedder)
        if what in (What.ALL, What.REQUESTS):
            found["requests"] = find.requests(session, workspace, embedder)
            if merge:
                merged = find.merge(session, workspace, found["requests"], actor=actor)
        if what in (What.ALL, What.BETS):
            found["bets"] = find.bets(session, workspace, embedder)
    if as_json:
        emit_json({name: [g.__dict__ for g in groups] for name, groups in found.items()} | {"merged": merged})
        return
    _print(found, merged)


def _print(found: dict[str, list[Any]], merged: list[str]) -> None:
    titles = {"evidence": "Duplicate evidence", "requests": "Duplicate requests", "bets": "Overlapping bets"}
    for name, groups in found.items():
        console.print(f"[bold]{titles[name]}[/]: {len(groups)} group{'s' if len(groups) != 1 else ''}")
        for group in groups[:50]:
            console.print(f"  {' = '.join(group.keys)}  (similarity ≥ {group.similarity:.2f}) {escape(group.note)}")
            for key, text in zip(group.keys, group.texts, strict=False):
                console.print(f"      {key}: {escape(excerpt(text, 100))}")
        if len(groups) > 50:
            console.print(f"  … and {len(groups) - 50} more (--json lists them all)")
    if merged:
        done(f"Merged {len(merged)} requests: {', '.join(merged)}.")
    elif found.get("requests"):
        console.print(
            "Merge them (keeping every requester account and deal value): grounded duplicates requests --merge"
        )

"""``grounded say-do``: what people say beside what they do, for a theme or a problem."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from grounded.cli.context import in_workspace
from grounded.cli.models import ModelChoice, chosen, up_to_date
from grounded.cli.output import console, emit_json, escape, excerpt, table


def say_do(
    subject: Annotated[str, typer.Argument(help="A theme (T-…) or a problem (P-…).")],
    model: ModelChoice = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """What people say (interviews, surveys, requests) beside what they do (tickets, usage
    observations) about a theme or a problem, flagged when the two disagree.

    The evidence is the subject's own plus that of the themes closest to it, so praise in
    interviews and struggle in tickets about the same thing meet.

    Example: grounded say-do P-1
    """
    from grounded.synthesis.saydo import say_do as compare

    workspace_id, embedder = chosen(model)
    up_to_date(workspace_id, embedder, quiet=as_json)
    with in_workspace() as (session, workspace, _):
        found = compare(session, workspace, subject, embedder).as_dict()
    if as_json:
        emit_json(found)
        return
    flag = "[bold red]DISAGREE[/]" if found["disagree"] else "[bold]agree[/]" if "agree" in found["verdict"] else ""
    console.print(f"[bold]{found['subject']}[/] {escape(found['title'])}")
    console.print(f"{flag} {escape(found['explanation'])}".strip())
    table(
        ["", "say (stated)", "do (observed)"],
        [
            ("items", found["say"]["items"], found["do"]["items"]),
            ("accounts", found["say"]["accounts"], found["do"]["accounts"]),
            ("positive / negative", _polarity(found["say"]), "not read for tone: each one counts"),
            ("mean sentiment", found["say"]["mean_sentiment"], ""),
            ("last 30 days", _trend(found["say"]), _trend(found["do"])),
            ("by kind", _kinds(found["say"]), _kinds(found["do"])),
        ],
    )
    for side, name in (("say", "What people say"), ("do", "What people do")):
        if found[side]["examples"]:
            console.print(f"[bold]{name}[/]")
            for example in found[side]["examples"]:
                console.print(f"  {example['evidence']} ({example['kind']}): {escape(excerpt(example['text'], 110))}")
    if found["related"]:
        table(
            ["related theme", "label", "similarity", "stated", "observed"],
            [(r["key"], r["label"], r["similarity"], r["stated"], r["observed"]) for r in found["related"]],
            caption=f"themes close to {found['subject']} ({found['model']}); sentiment by {found['analyzer']}",
        )


def _polarity(side: dict[str, Any]) -> str:
    return f"{side['positive']} / {side['negative']}"


def _trend(side: dict[str, Any]) -> str:
    return f"{side['recent_30']} (before: {side['before_30_average']:g}/30 days)" + (
        " rising" if side["rising"] else ""
    )


def _kinds(side: dict[str, Any]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in side["by_kind"].items())

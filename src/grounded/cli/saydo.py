"""``grounded say-do``: what people say beside what they do, for a theme or a problem."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from grounded.cli.context import in_workspace
from grounded.cli.models import ModelChoice, chosen, up_to_date
from grounded.cli.output import console, emit_json, escape, excerpt, table
from grounded.synthesis.trend import READINGS, WINDOW
from grounded.synthesis.usage import number


def say_do(
    subject: Annotated[str, typer.Argument(help="A theme (T-…) or a problem (P-…).")],
    model: ModelChoice = None,
    with_usage: Annotated[
        bool,
        typer.Option(
            "--usage/--no-usage",
            help="Read the usage metrics tied to the subject (its bets, their outcomes, decision signals).",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """What people say (interviews, surveys, requests) beside what they do (tickets, usage
    observations, and the usage metrics the team tied to it) about a theme or a problem,
    flagged when the two disagree.

    The evidence is the subject's own plus that of the themes closest to it, so praise in
    interviews and struggle in tickets about the same thing meet. Each usage metric is
    computed on the workspace's event source: its last 4 complete periods against the 4
    before, getting worse, better or steady.

    Example: grounded say-do P-1
    """
    from grounded.synthesis.saydo import say_do as compare

    workspace_id, embedder = chosen(model)
    up_to_date(workspace_id, embedder, quiet=as_json)
    with in_workspace() as (session, workspace, _):
        found = compare(session, workspace, subject, embedder, with_usage=with_usage).as_dict()
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
            ("usage", "", _reading(found["do"]["usage"])),
        ],
    )
    if not found["do"]["usage"]["skipped"]:
        _usage(found["subject"], found["do"]["usage"]["metrics"])
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


def _reading(usage: dict[str, Any]) -> str:
    if usage["skipped"]:
        return "not read (--no-usage)"
    if not usage["metrics"]:
        return "no metric linked"
    reading = READINGS.get(usage["reading"], usage["reading"] or "unknown")
    return f"{reading} ({len(usage['metrics'])} linked metrics)"


def _usage(subject: str, metrics: list[dict[str, Any]]) -> None:
    if not metrics:
        console.print(f"[bold]Usage[/]: no metric is tied to {subject} (a bet's, its outcome's or a decision signal's)")
        return
    read = [m for m in metrics if m["trend"] is not None]
    if read:
        table(
            ["usage metric", "tied by", f"{WINDOW} periods before", f"last {WINDOW} periods", "reading"],
            [
                (
                    _metric(m),
                    "\n".join(m["via"]),
                    _window(m["trend"]["before_mean"], m["trend"]["before"], m["unit"]),
                    _window(m["trend"]["recent_mean"], m["trend"]["recent"], m["unit"]),
                    READINGS[m["reading"]],
                )
                for m in read
            ],
            caption="means of complete periods with a value; moved: a t test at 5% and a change of 5% or more",
        )
    for m in metrics:
        if m["trend"] is None:
            via = "; ".join(m["via"])
            console.print(f"[bold]{m['metric']}[/] ({escape(via)}): usage unavailable: {escape(m['unavailable'])}")


def _metric(m: dict[str, Any]) -> str:
    return f"{m['metric']}\n({m['good']} is good)"


def _window(mean: float, points: list[dict[str, Any]], unit: str) -> str:
    return f"{number(mean, unit)}\n{points[0]['period_start']}\nto {points[-1]['period_end']}"

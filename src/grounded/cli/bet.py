"""``grounded bet``: bets weighed on user value, business viability and feasibility."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from grounded.bet import assumptions
from grounded.bet import service as bets
from grounded.bet.schemas import AssumptionRead, BetCreate, BetRead, BetUpdate, OptionSetCreate, OptionSetRead
from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.models.enums import BetKind, BetStatus

app = typer.Typer(
    help="Bets: hypotheses weighed on three dimensions, side by side with their "
    "alternatives.\n\nExample: grounded bet list",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Key = Annotated[str, typer.Argument(help="Bet key (B-…) or id.")]


@app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="A short title.")],
    hypothesis: Annotated[str | None, typer.Option(help="We believe that … will …")] = None,
    kind: Annotated[BetKind | None, typer.Option(help="opportunity or solution.")] = None,
    team: Annotated[str | None, typer.Option(help="Team that would do it.")] = None,
    problem: Annotated[list[str] | None, typer.Option(help="Problem it answers (P-…, repeatable).")] = None,
    outcome: Annotated[str | None, typer.Option(help="Outcome it serves (O-…).")] = None,
    option_set: Annotated[str | None, typer.Option(help="Option set of alternatives (OS-…).")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric that should move (catalogue key).")] = None,
    effort: Annotated[str | None, typer.Option(help="Effort in weeks: 3 or 2-4.")] = None,
    reach: Annotated[int | None, typer.Option(help="User value: accounts or people reached per quarter.")] = None,
    impact: Annotated[float | None, typer.Option(help="User value: impact 0.25 (minimal) … 3 (massive).")] = None,
    confidence: Annotated[float | None, typer.Option(help="User value: confidence 0–1.")] = None,
    revenue: Annotated[int | None, typer.Option(help="Viability: revenue at stake.")] = None,
    risk: Annotated[str | None, typer.Option(help="Feasibility: technical risk low|medium|high.")] = None,
    file: Annotated[Path | None, typer.Option(help="JSON file with any bet fields (flags win).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a bet.

    Example: grounded bet new "Saved report templates" --problem P-1 --effort 4-6 --reach 120 --impact 2
    """
    data: dict[str, Any] = parse.json_file(file, option="file")
    data.update(
        parse.given(
            title=title,
            hypothesis=hypothesis,
            kind=kind,
            team=team,
            problems=problem or None,
            outcome=outcome,
            option_set=option_set,
            metric=metric,
        )
    )
    span = parse.effort(effort)
    if span:
        data.update(effort_low_weeks=span[0], effort_high_weeks=span[1])
    _merge(data, "user_value", reach=reach, impact=impact, confidence=confidence)
    _merge(data, "viability", revenue_at_stake=revenue)
    _merge(data, "feasibility", risk=risk)
    with in_workspace() as (session, workspace, actor):
        created = BetRead.model_validate(
            bets.create(session, workspace, data=parse.schema(BetCreate, data), actor=actor)
        )
    if as_json:
        emit_json(created)
    else:
        done(f"Created [bold]{created.key}[/] ({created.status.value}).")


def _merge(data: dict[str, Any], document: str, **values: Any) -> None:
    given = parse.given(**values)
    if given:
        data[document] = {**(data.get(document) or {}), **given}


@app.command("list")
def list_(
    status: Annotated[BetStatus | None, typer.Option(help="Only in this state.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's.")] = None,
    problem: Annotated[str | None, typer.Option(help="Only bets on this problem.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List bets.

    Example: grounded bet list --status shaping
    """
    with in_workspace() as (session, workspace, _):
        page = bets.list_(
            session, workspace, status=status, team=team, problem=problem, page=PageParams(limit=limit, offset=offset)
        )
        rows = [BetRead.model_validate(b) for b in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "status", "title", "team", "effort (weeks)"],
        [(b.key, b.status, b.title, b.team, _effort(b)) for b in rows],
        caption=page_caption(page),
    )


def _effort(bet: BetRead) -> str:
    low, high = bet.effort_low_weeks, bet.effort_high_weeks
    if low is None and high is None:
        return ""
    return f"{low:g}" if low == high else f"{low or 0:g}–{high or 0:g}"


@app.command("show")
def show(key: Key, as_json: JsonOption = False) -> None:
    """Show a bet: the three dimensions beside its alternatives, and its assumptions, riskiest first.

    Example: grounded bet show B-2
    """
    with in_workspace() as (session, workspace, _):
        bet = bets.get(session, workspace, key)
        side = [BetRead.model_validate(b) for b in [bet, *bets.alternatives(session, bet)]]
        problem_keys = [p.key for p in bets.problems_of(session, bet)]
        risky = [
            AssumptionRead.model_validate(a)
            for a in assumptions.list_(session, workspace, bet=bet.key, page=PageParams(limit=100)).items
        ]
    if as_json:
        emit_json(
            {
                **side[0].model_dump(mode="json"),
                "problems": problem_keys,
                "alternatives": side[1:],
                "assumptions": risky,
            }
        )
        return
    fields(
        [
            ("key", side[0].key),
            ("title", side[0].title),
            ("status", side[0].status),
            ("reason", side[0].status_reason),
            ("hypothesis", side[0].hypothesis),
            ("problems", problem_keys),
        ],
        title=side[0].key,
    )
    _dimensions(side)
    if risky:
        table(
            ["key", "type", "risk", "importance", "evidence", "status", "statement"],
            [
                (a.key, a.type, a.risk, a.importance, a.evidence_level, a.status, excerpt(a.statement, 60))
                for a in risky
            ],
            title="Assumptions, riskiest first",
        )


def _dimensions(side: list[BetRead]) -> None:
    """User value, viability and feasibility of the bet and its alternatives, side by side."""
    rows: list[tuple[str, list[Any]]] = [
        ("effort (weeks)", [_effort(b) for b in side]),
        ("reach", [b.user_value.reach for b in side]),
        ("impact", [b.user_value.impact for b in side]),
        ("confidence", [b.user_value.confidence for b in side]),
        ("revenue at stake", [b.viability.revenue_at_stake for b in side]),
        ("strategic fit", [b.viability.strategic_fit for b in side]),
        ("compliance risk", [b.viability.compliance_risk for b in side]),
        ("technical risk", [b.feasibility.risk for b in side]),
        ("operability", [excerpt(b.feasibility.operability, 40) for b in side]),
        ("debt created", [excerpt(b.feasibility.debt_created, 40) for b in side]),
        ("debt paid", [excerpt(b.feasibility.debt_paid, 40) for b in side]),
    ]
    shown = [(name, values) for name, values in rows if any(v not in (None, "") for v in values)]
    if shown:
        table(
            ["", *[f"{b.key} {excerpt(b.title, 28)}" for b in side]],
            [(name, *values) for name, values in shown],
            title="Three dimensions",
        )


@app.command("status")
def status(
    key: Key,
    target: Annotated[
        BetStatus,
        typer.Argument(
            metavar="STATUS", help="idea, shaping, committed, building, measuring, done, dropped or not_yet."
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why (required for not_yet and dropped).")] = "",
) -> None:
    """Move a bet through its lifecycle.

    Example: grounded bet status B-3 not_yet --reason "pipeline first; revisit in Q2"
    """
    with in_workspace() as (session, workspace, actor):
        bet = bets.transition(session, bets.get(session, workspace, key), target=target, actor=actor, reason=reason)
        done(f"{bet.key} is now {bet.status.value}.")


@app.command("alternatives")
def alternatives(
    keys: Annotated[list[str], typer.Argument(help="Two or more bets that answer the same question.")],
    title: Annotated[str, typer.Option(help="What the option set decides.")],
    question: Annotated[str, typer.Option(help="The question, in full.")] = "",
) -> None:
    """Group bets as alternatives so they are weighed side by side.

    Example: grounded bet alternatives B-1 B-2 --title "Fix reporting: hack or pipeline"
    """
    if len(keys) < 2:
        raise typer.BadParameter("give at least two bets", param_hint="KEYS")
    with in_workspace() as (session, workspace, actor):
        option_set = bets.create_option_set(
            session, workspace, actor=actor, data=parse.schema(OptionSetCreate, {"title": title, "question": question})
        )
        for key in keys:
            bets.update(
                session,
                workspace,
                bets.get(session, workspace, key),
                data=parse.schema(BetUpdate, {"option_set": option_set.key}),
                actor=actor,
            )
        info = OptionSetRead.model_validate(option_set)
    done(f"Created option set [bold]{info.key}[/] with {', '.join(k.upper() for k in keys)}.")

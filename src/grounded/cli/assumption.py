"""``grounded assumption``: what must be true, riskiest first."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.bet import assumptions
from grounded.bet.schemas import AssumptionCreate, AssumptionRead
from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.models.enums import AssumptionStatus, AssumptionType

app = typer.Typer(
    help="Assumptions behind bets and decisions: desirability, viability, feasibility, "
    "usability, ethics.\n\nExample: grounded assumption list --bet B-1",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Key = Annotated[str, typer.Argument(help="Assumption key (A-…) or id.")]


@app.command("new")
def new(
    statement: Annotated[str, typer.Argument(help="What must be true.")],
    type_: Annotated[AssumptionType, typer.Option("--type", help="Which dimension it is about.")],
    bet: Annotated[str | None, typer.Option(help="The bet it belongs to (B-…).")] = None,
    decision: Annotated[str | None, typer.Option(help="Or the decision it belongs to (D-…).")] = None,
    importance: Annotated[int, typer.Option(help="1 (minor) … 5 (the bet fails without it).")] = 3,
    evidence: Annotated[int, typer.Option(help="Evidence so far: 0 none … 4 strong.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Record an assumption.

    Example: grounded assumption new "Analysts switch to saved templates" --type desirability --bet B-3 --importance 5
    """
    data = parse.schema(
        AssumptionCreate,
        parse.given(
            statement=statement, type=type_, bet=bet, decision=decision, importance=importance, evidence_level=evidence
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = AssumptionRead.model_validate(assumptions.create(session, workspace, data=data, actor=actor))
    if as_json:
        emit_json(created)
    else:
        done(f"Created [bold]{created.key}[/] (risk {created.risk} of 20).")


@app.command("list")
def list_(
    bet: Annotated[str | None, typer.Option(help="Only this bet's.")] = None,
    decision: Annotated[str | None, typer.Option(help="Only this decision's.")] = None,
    status: Annotated[AssumptionStatus | None, typer.Option(help="Only in this state.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List assumptions, the riskiest (important, least evidenced) first.

    Example: grounded assumption list --bet B-1 --status open
    """
    with in_workspace() as (session, workspace, _):
        page = assumptions.list_(
            session, workspace, bet=bet, decision=decision, status=status, page=PageParams(limit=limit, offset=offset)
        )
        rows = [AssumptionRead.model_validate(a) for a in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "risk", "type", "importance", "evidence", "status", "statement"],
        [(a.key, a.risk, a.type, a.importance, a.evidence_level, a.status, a.statement) for a in rows],
        caption=page_caption(page),
    )


@app.command("show")
def show(key: Key, as_json: JsonOption = False) -> None:
    """Show one assumption.

    Example: grounded assumption show A-3
    """
    with in_workspace() as (session, workspace, _):
        info = AssumptionRead.model_validate(assumptions.get(session, workspace, key))
    if as_json:
        emit_json(info)
        return
    fields(
        [
            ("key", info.key),
            ("statement", info.statement),
            ("type", info.type),
            ("status", info.status),
            ("importance", info.importance),
            ("evidence level", info.evidence_level),
            ("risk", info.risk),
        ]
    )


@app.command("status")
def status(
    key: Key,
    target: Annotated[
        AssumptionStatus, typer.Argument(metavar="STATUS", help="open, testing, supported, refuted or accepted_risk.")
    ],
) -> None:
    """Move an assumption on (testing, supported, refuted, accepted_risk).

    Example: grounded assumption status A-3 accepted_risk
    """
    with in_workspace() as (session, workspace, actor):
        row = assumptions.transition(session, assumptions.get(session, workspace, key), target=target, actor=actor)
        done(f"{row.key} is now {row.status.value}.")

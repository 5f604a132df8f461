"""``grounded request``: stakeholder asks, the money behind them, and an honest answer."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.account import service as accounts
from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.models.enums import DeadlineKind, Disposition
from grounded.planning import requests
from grounded.planning.schemas import RequestCreate, RequestRead, RequestTriage
from grounded.problem import links

app = typer.Typer(
    help="Requests from sales, marketing, finance, legal, support and customers.\n\n"
    "Example: grounded request list --disposition new",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Key = Annotated[str, typer.Argument(help="Request key (R-…) or id.")]


def _stakes(items: list[str] | None) -> list[dict[str, object]]:
    """``ACME-1`` or ``ACME-1=120000`` (account external id = deal value)."""
    stakes: list[dict[str, object]] = []
    for item in items or []:
        account, _, value = item.partition("=")
        try:
            stakes.append({"account": account.strip(), "deal_value": int(value) if value.strip() else None})
        except ValueError as error:
            raise InvalidInput(f"{item!r}: deal value must be a whole number", field="account") from error
    return stakes


@app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="The ask, in the requester's words.")],
    description: Annotated[str | None, typer.Option(help="More detail.")] = None,
    group: Annotated[
        str | None, typer.Option(help="Requesting group: sales, marketing, finance, legal, support…")
    ] = None,
    requester: Annotated[str | None, typer.Option(help="Who asked.")] = None,
    account: Annotated[
        list[str] | None, typer.Option(help="Account behind it, optionally =deal value (repeatable).")
    ] = None,
    deal_value: Annotated[int | None, typer.Option(help="Total deal value at stake.")] = None,
    deadline: Annotated[str | None, typer.Option(help="Deadline (YYYY-MM-DD).")] = None,
    hard: Annotated[bool, typer.Option("--hard-deadline/--soft-deadline", help="Is the deadline hard?")] = False,
    problem: Annotated[str | None, typer.Option(help="The problem it is a symptom of (P-…).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a request.

    Example: grounded request new "Ledger export" --group sales --account PRO-0001=180000 --deadline 2026-12-15
    """
    day = parse.day(deadline, option="deadline")
    if hard and day is None:
        raise InvalidInput("a hard deadline needs a date: add --deadline YYYY-MM-DD", field="hard-deadline")
    data = parse.schema(
        RequestCreate,
        parse.given(
            title=title,
            description=description,
            group=group,
            requester_name=requester,
            accounts=_stakes(account),
            deal_value=deal_value,
            deadline=day,
            problem=problem,
            deadline_kind=(DeadlineKind.HARD if hard else DeadlineKind.SOFT) if day else None,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = RequestRead.model_validate(requests.create(session, workspace, data=data, actor=actor))
    if as_json:
        emit_json(created)
    else:
        done(f"Recorded [bold]{created.key}[/]. Triage it with: grounded request triage {created.key} …")


@app.command("list")
def list_(
    disposition: Annotated[Disposition | None, typer.Option(help="Only with this disposition.")] = None,
    group: Annotated[str | None, typer.Option(help="Only from this stakeholder group.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List requests.

    Example: grounded request list --group sales --disposition not_yet
    """
    with in_workspace() as (session, workspace, _):
        page = requests.list_(
            session, workspace, disposition=disposition, group=group, page=PageParams(limit=limit, offset=offset)
        )
        groups = {g.id: g.slug for g in accounts.list_groups(session, workspace).items}
        rows = [RequestRead.model_validate(r) for r in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "disposition", "group", "deal value", "deadline", "title"],
        [
            (
                r.key,
                r.disposition,
                groups.get(r.stakeholder_group_id) if r.stakeholder_group_id else "",
                r.deal_value,
                r.deadline,
                excerpt(r.title, 60),
            )
            for r in rows
        ],
        caption=page_caption(page),
    )


@app.command("show")
def show(key: Key, as_json: JsonOption = False) -> None:
    """Show a request: who asked, what is at stake, the problem behind it, and its answer.

    Example: grounded request show R-12
    """
    with in_workspace() as (session, workspace, _):
        request = requests.get(session, workspace, key)
        info = RequestRead.model_validate(request)
        stakes = requests.stakes(session, request)
        problem_links = [
            f"{p.problem_key} ({p.role.value}, {p.status.value})"
            for p in links.linked_problems(session, column="request_id", target_id=request.id)
        ]
    if as_json:
        emit_json({**info.model_dump(mode="json"), "accounts": stakes, "problems": problem_links})
        return
    fields(
        [
            ("key", info.key),
            ("title", info.title),
            ("description", info.description),
            ("requester", info.requester_name),
            ("deal value", info.deal_value),
            (
                "deadline",
                f"{info.deadline} ({info.deadline_kind.value})"
                if info.deadline and info.deadline_kind
                else info.deadline,
            ),
            ("disposition", info.disposition),
            ("explanation", info.explanation),
            ("re-evaluate on", info.reevaluate_on),
            ("problems", problem_links),
            ("accounts", [f"{s['name']} ({s['deal_value'] or '-'})" for s in stakes]),
        ],
        title=info.key,
    )


@app.command("triage")
def triage(
    key: Key,
    disposition: Annotated[Disposition, typer.Argument(help="triaged, scheduled, not_yet, declined or merged.")],
    explanation: Annotated[
        str, typer.Option(help="The answer the requester reads (required for not_yet and declined).")
    ] = "",
    reevaluate: Annotated[
        str | None, typer.Option(help="When to look again (YYYY-MM-DD; required for not_yet).")
    ] = None,
    bet: Annotated[str | None, typer.Option(help="For scheduled: the bet it is part of (B-…).")] = None,
    into: Annotated[str | None, typer.Option(help="For merged: the request it duplicates (R-…).")] = None,
) -> None:
    """Decide what happens to a request, and say why.

    Example: grounded request triage R-12 not_yet --explanation "Fixing report trust first" --reevaluate 2027-01-15
    """
    data = parse.schema(
        RequestTriage,
        parse.given(
            disposition=disposition,
            explanation=explanation,
            bet=bet,
            merged_into=into,
            reevaluate_on=parse.day(reevaluate, option="reevaluate"),
        ),
    )
    with in_workspace() as (session, workspace, actor):
        request = requests.triage(session, workspace, requests.get(session, workspace, key), data=data, actor=actor)
        done(f"{request.key} is now {request.disposition.value}.")

"""``grounded evidence``: add, list, show and search the evidence library."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate, EvidenceDetail, EvidenceFilter, EvidenceRead
from grounded.models.enums import EvidenceKind, EvidenceMode
from grounded.search.service import search as run_search

app = typer.Typer(
    help="The evidence library: tickets, notes, quotes, survey answers, requests.\n\n"
    "Example: grounded evidence list --kind ticket",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Limit = Annotated[int, typer.Option(help="How many to show.")]
Offset = Annotated[int, typer.Option(help="How many to skip (paging).")]


@app.command("add")
def add(
    text: Annotated[str, typer.Argument(help="The evidence, verbatim.")],
    kind: Annotated[EvidenceKind, typer.Option(help="What it is.")] = EvidenceKind.NOTE,
    title: Annotated[str, typer.Option(help="A short title.")] = "",
    mode: Annotated[EvidenceMode | None, typer.Option(help="stated or observed; default: from the kind.")] = None,
    at: Annotated[str | None, typer.Option(help="When it happened (YYYY-MM-DD[THH:MM]); default: now.")] = None,
    account: Annotated[str | None, typer.Option(help="Account external id.")] = None,
    person: Annotated[str | None, typer.Option(help="Person external id.")] = None,
    group: Annotated[str | None, typer.Option(help="Stakeholder group slug (sales, legal…).")] = None,
    parent: Annotated[str | None, typer.Option(help="For a quote: the note it came from (E-…).")] = None,
    source: Annotated[str, typer.Option(help="Channel it came from.")] = "manual",
    external_id: Annotated[str | None, typer.Option(help="Its id in that channel.")] = None,
    attr: Annotated[list[str] | None, typer.Option(help="Extra attribute key=value (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add one piece of evidence.

    Example: grounded evidence add "We rebuild the revenue sheet every Monday" --kind ticket --account ACME-1
    """
    data = parse.schema(
        EvidenceCreate,
        parse.given(
            text=text,
            kind=kind,
            title=title,
            mode=mode,
            occurred_at=parse.when(at, option="at"),
            account=account,
            person=person,
            stakeholder_group=group,
            parent=parent,
            source_key=source,
            external_id=external_id,
            attributes=parse.pairs(attr, option="attr"),
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = EvidenceRead.model_validate(evidence.create(session, workspace, data=data, actor=actor))
    if as_json:
        emit_json(created)
    else:
        done(f"Added [bold]{created.key}[/] ({created.kind.value}, {created.mode.value}).")


@app.command("list")
def list_(
    kind: Annotated[EvidenceKind | None, typer.Option(help="Only this kind.")] = None,
    mode: Annotated[EvidenceMode | None, typer.Option(help="Only stated or only observed.")] = None,
    source: Annotated[str | None, typer.Option(help="Only from this channel.")] = None,
    account: Annotated[str | None, typer.Option(help="Only for this account (external id).")] = None,
    segment: Annotated[str | None, typer.Option(help="Only for accounts in this segment.")] = None,
    since: Annotated[str | None, typer.Option(help="On or after this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Before this date.")] = None,
    problem: Annotated[str | None, typer.Option(help="Only evidence linked to this problem (P-…).")] = None,
    theme: Annotated[str | None, typer.Option(help="Only evidence in this theme (T-…).")] = None,
    linked: Annotated[bool | None, typer.Option("--linked/--unlinked", help="Linked to any problem, or not.")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
    as_json: JsonOption = False,
) -> None:
    """List evidence, newest first, with filters.

    Example: grounded evidence list --kind ticket --segment Enterprise --since 2026-09-01
    """
    filters = parse.schema(
        EvidenceFilter,
        parse.given(
            kind=kind,
            mode=mode,
            source_key=source,
            account=account,
            segment=segment,
            problem=problem,
            since=parse.when(since, option="since"),
            until=parse.when(until, option="until"),
            theme=theme,
            linked=linked,
        ),
    )
    with in_workspace() as (session, workspace, _):
        page = evidence.list_(session, workspace, filters=filters, page=PageParams(limit=limit, offset=offset))
        rows = [EvidenceRead.model_validate(e) for e in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "kind", "mode", "when", "title / text"],
        [(e.key, e.kind, e.mode, e.occurred_at, excerpt(e.title or e.text)) for e in rows],
        caption=page_caption(page),
    )


@app.command("show")
def show(key: Annotated[str, typer.Argument(help="Evidence key (E-…) or id.")], as_json: JsonOption = False) -> None:
    """Show one piece of evidence with its provenance, quotes and links.

    Example: grounded evidence show E-42
    """
    from grounded.synthesis import language, sentiment

    with in_workspace() as (session, workspace, _):
        item = evidence.get(session, workspace, key)
        detail: EvidenceDetail = evidence.details(session, workspace, item)
        sentiment.ensure(session, workspace.id, [item.id])
        language.ensure(session, workspace.id, [item.id])
        tone = sentiment.scores(session, [item.id]).get(item.id)
        spoken = language.languages(session, [item.id]).get(item.id)
    if as_json:
        emit_json(detail.model_dump(mode="json") | {"sentiment": tone, "language": spoken})
        return
    fields(
        [
            ("key", detail.key),
            ("kind", f"{detail.kind.value} ({detail.mode.value})"),
            ("title", detail.title),
            ("when", detail.occurred_at),
            ("source", f"{detail.source_key} #{detail.external_id}"),
            ("account", detail.account_name),
            ("person", detail.person_name),
            ("group", detail.stakeholder_group),
            ("from note", detail.parent_key),
            ("quotes", detail.quote_keys),
            ("sentiment", "" if tone is None else f"{tone:+.2f} ({sentiment.polarity(tone)})"),
            ("language", spoken or "English, or too short to tell"),
            ("attributes", ", ".join(f"{k}={v}" for k, v in detail.attributes.items())),
            ("linked to", [f"{link.problem_key} ({link.role}, {link.status})" for link in detail.links]),
        ],
        title=detail.key,
    )
    done("")
    done(detail.text.replace("[", r"\["))


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", prefix*, a OR b, -excluded.')],
    limit: Limit = 20,
    offset: Offset = 0,
    as_json: JsonOption = False,
) -> None:
    """Full-text search over evidence only (see `grounded search` for everything).

    Example: grounded evidence search "spreadsheet" export* -pdf
    """
    from grounded.cli.search import render

    with in_workspace() as (session, workspace, _):
        result = run_search(
            session, workspace, text=query, types=["evidence"], page=PageParams(limit=limit, offset=offset)
        )
    render(result, as_json=as_json)

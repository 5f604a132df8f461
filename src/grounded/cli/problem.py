"""``grounded problem``: crisp problem statements and the evidence for and against them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from grounded.bet import service as bets
from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import console, done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.models.enums import LinkRole, ProblemStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import (
    ProblemCreate,
    ProblemLinkCreate,
    ProblemLinkRead,
    ProblemRead,
    ProblemRevisionRead,
    ProblemUpdate,
)

app = typer.Typer(
    help="Problems: who struggles with what, why it matters, what they do today.\n\nExample: grounded problem list",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Key = Annotated[str, typer.Argument(help="Problem key (P-…) or id.")]
Who = Annotated[str | None, typer.Option(help="Who has the problem.")]
Struggle = Annotated[str | None, typer.Option(help="What they struggle to do.")]
Why = Annotated[str | None, typer.Option(help="Why it matters.")]
Workaround = Annotated[str | None, typer.Option(help="What they do today instead.")]
Owner = Annotated[str | None, typer.Option(help="Owner's e-mail.")]
Parent = Annotated[str | None, typer.Option(help="The root-cause problem it sits under (P-…).")]


@app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="A short title.")],
    who: Who = None,
    struggle: Struggle = None,
    why: Why = None,
    workaround: Workaround = None,
    owner: Owner = None,
    parent: Parent = None,
    as_json: JsonOption = False,
) -> None:
    """Write down a problem (it starts as a hypothesis).

    Example: grounded problem new "Reports aren't reusable" --who "finance analysts" --struggle "reuse a report"
    """
    data = parse.schema(
        ProblemCreate,
        parse.given(
            title=title,
            who=who,
            struggle=struggle,
            why_it_matters=why,
            current_workaround=workaround,
            owner=owner,
            parent=parent,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = ProblemRead.model_validate(problems.create(session, workspace, data=data, actor=actor))
    if as_json:
        emit_json(created)
    else:
        done(f"Created [bold]{created.key}[/] (hypothesis).")


@app.command("from-theme")
def from_theme(
    theme: Annotated[str, typer.Argument(help="The theme (T-…).")],
    title: Annotated[str | None, typer.Option(help="A title (default: the theme's name or label).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a problem from a theme, with its evidence linked.

    The draft is a hypothesis: the struggle is the theme's most central quote, who it hits
    comes from its accounts, why it matters from its figures. Sharpen it with grounded
    problem update.

    Example: grounded problem from-theme T-4 --title "Saved reports lose their layout"
    """
    from grounded.synthesis.drafts import from_theme as draft

    with in_workspace() as (session, workspace, actor):
        problem = draft(session, workspace, theme, actor=actor, title=title)
        info = ProblemRead.model_validate(problem)
        linked = links.list_(session, problem)
    if as_json:
        emit_json({**info.model_dump(mode="json"), "links": linked})
        return
    done(f"Drafted {info.key} from {theme.upper()}: {info.title}")
    fields([("who", info.who), ("struggle", info.struggle), ("why it matters", info.why_it_matters)])
    _links_table(linked)
    console.print(f"Next: grounded problem update {info.key} --title … --struggle …")


@app.command("strength")
def strength(
    key: Key,
    half_life: Annotated[
        float, typer.Option(min=0.1, help="Evidence loses half its weight every this many days.")
    ] = 90.0,
    as_json: JsonOption = False,
) -> None:
    """How strong the accepted evidence for a problem is: each account counted once, a loud
    voice damped, old evidence decayed; which segments speak and which are silent.

    Example: grounded problem strength P-1 --half-life 60
    """
    from grounded.synthesis.strength import strength as measure

    with in_workspace() as (session, workspace, _):
        found = measure(session, problems.get(session, workspace, key), half_life_days=half_life).as_dict()
    if as_json:
        emit_json(found)
        return
    table(
        ["", "for (supports, symptoms)", "against (contradicts)"],
        [
            (label, found["supports"][name], found["contradicts"][name])
            for label, name in (
                ("strength", "strength"),
                ("items", "items"),
                ("voices (accounts, else people)", "voices"),
                ("accounts", "accounts"),
                ("ARR", "arr"),
                ("share of the loudest voice", "loudest_share"),
            )
        ],
        caption=f"{found['problem']}: net {found['net']}, half-life {found['half_life_days']:g} days",
    )
    represented = ", ".join(f"{segment} ({n})" for segment, n in found["segments_represented"].items())
    console.print(f"Segments heard: {represented or 'none'}")
    console.print(f"Segments silent: {', '.join(found['segments_silent']) or 'none'}")


@app.command("list")
def list_(
    status: Annotated[ProblemStatus | None, typer.Option(help="Only in this state.")] = None,
    parent: Annotated[str | None, typer.Option(help="Only those under this root cause.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List problems.

    Example: grounded problem list --status validated
    """
    with in_workspace() as (session, workspace, _):
        page = problems.list_(
            session, workspace, status=status, parent=parent, page=PageParams(limit=limit, offset=offset)
        )
        rows = [(ProblemRead.model_validate(p), links.counts(session, p)) for p in page.items]
    if as_json:
        emit_json(
            {
                "items": [{**p.model_dump(mode="json"), "links": c} for p, c in rows],
                "total": page.total,
                "limit": page.limit,
                "offset": page.offset,
            }
        )
        return
    table(
        ["key", "status", "title", "for", "against", "symptoms"],
        [(p.key, p.status, p.title, c["supports"], c["contradicts"], c["symptom"]) for p, c in rows],
        caption=page_caption(page),
    )


@app.command("show")
def show(key: Key, as_json: JsonOption = False) -> None:
    """Show a problem: its statement, state, evidence for and against, symptoms and bets.

    Example: grounded problem show P-1
    """
    with in_workspace() as (session, workspace, _):
        problem = problems.get(session, workspace, key)
        info = ProblemRead.model_validate(problem)
        text = problems.statement(problem)
        linked = links.list_(session, problem)
        bet_keys = [f"{b.key} {b.title}" for b in bets.list_(session, workspace, problem=problem.key).items]
    if as_json:
        emit_json({**info.model_dump(mode="json"), "statement": text, "links": linked, "bets": bet_keys})
        return
    fields(
        [
            ("key", info.key),
            ("title", info.title),
            ("status", info.status),
            ("revision", info.revision),
            ("statement", text),
            ("bets", bet_keys),
        ],
        title=info.key,
    )
    _links_table(linked)


def _links_table(linked: Sequence[ProblemLinkRead]) -> None:
    if not linked:
        done("No evidence linked yet: grounded problem link KEY E-… --role supports")
        return
    table(
        ["target", "role", "status", "origin", "confidence", "title"],
        [
            (link.target_key, link.role, link.status, link.origin, link.confidence, excerpt(link.target_title, 60))
            for link in linked
        ],
        title="Linked evidence, themes and requests",
    )


@app.command("update")
def update(
    key: Key,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    who: Who = None,
    struggle: Struggle = None,
    why: Why = None,
    workaround: Workaround = None,
    owner: Owner = None,
    parent: Parent = None,
    note: Annotated[str, typer.Option(help="Why it changed (kept with the revision).")] = "",
) -> None:
    """Edit a problem statement; every edit is kept as a revision.

    Example: grounded problem update P-1 --struggle "reuse last week's report" --note "after 5 interviews"
    """
    data = parse.schema(
        ProblemUpdate,
        parse.given(
            title=title,
            who=who,
            struggle=struggle,
            why_it_matters=why,
            current_workaround=workaround,
            owner=owner,
            parent=parent,
            note=note,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        problem = problems.update(session, workspace, problems.get(session, workspace, key), data=data, actor=actor)
        done(f"{problem.key} is at revision {problem.revision}.")


@app.command("history")
def history(key: Key, as_json: JsonOption = False) -> None:
    """The revisions of a problem statement, oldest first.

    Example: grounded problem history P-1
    """
    with in_workspace() as (session, workspace, _):
        rows = [
            ProblemRevisionRead.model_validate(r)
            for r in problems.revisions(session, problems.get(session, workspace, key))
        ]
    if as_json:
        emit_json(rows)
        return
    table(
        ["rev", "when", "note", "title", "struggle"],
        [
            (r.revision, r.created_at, r.note, r.snapshot.get("title"), excerpt(r.snapshot.get("struggle", ""), 50))
            for r in rows
        ],
    )


@app.command("link")
def link(
    key: Key,
    target: Annotated[str, typer.Argument(help="Evidence (E-…), theme (T-…) or request (R-…).")],
    role: Annotated[LinkRole, typer.Option(help="supports, contradicts, or symptom.")] = LinkRole.SUPPORTS,
    weight: Annotated[float, typer.Option(help="How much it counts (default 1).")] = 1.0,
    note: Annotated[str, typer.Option(help="Why it is linked.")] = "",
) -> None:
    """Link evidence, a theme or a request to a problem.

    Example: grounded problem link P-1 E-204 --role supports
    """
    data = parse.schema(ProblemLinkCreate, {"target": target, "role": role, "weight": weight, "note": note})
    with in_workspace() as (session, workspace, actor):
        problem = problems.get(session, workspace, key)
        links.link(session, workspace, problem, data=data, actor=actor)
        done(f"Linked {target.upper()} to {problem.key} as {role.value}.")


@app.command("unlink")
def unlink(key: Key, target: Annotated[str, typer.Argument(help="What to unlink (E-…, T-…, R-…).")]) -> None:
    """Remove a link (the audit log keeps it).

    Example: grounded problem unlink P-1 E-204
    """
    with in_workspace() as (session, workspace, actor):
        problem = problems.get(session, workspace, key)
        links.unlink(session, links.get(session, workspace, problem, target), actor=actor)
        done(f"Unlinked {target.upper()} from {problem.key}.")


@app.command("review")
def review(
    key: Key,
    target: Annotated[str, typer.Argument(help="The linked item (E-…, T-…, R-…).")],
    accept: Annotated[bool, typer.Option("--accept/--reject", help="Accept or reject the link.")],
) -> None:
    """Accept or reject a suggested link (who and when are recorded).

    Example: grounded problem review P-1 R-12 --accept
    """
    with in_workspace() as (session, workspace, actor):
        problem = problems.get(session, workspace, key)
        row = links.review(session, links.get(session, workspace, problem, target), accept=accept, actor=actor)
        done(f"{target.upper()} → {problem.key}: {row.status.value}.")


@app.command("status")
def status(
    key: Key,
    target: Annotated[
        ProblemStatus, typer.Argument(metavar="STATUS", help="hypothesis, validated, invalidated, solved or parked.")
    ],
) -> None:
    """Move a problem through its lifecycle.

    Example: grounded problem status P-1 validated
    """
    with in_workspace() as (session, workspace, actor):
        problem = problems.transition(session, problems.get(session, workspace, key), target=target, actor=actor)
        done(f"{problem.key} is now {problem.status.value}.")

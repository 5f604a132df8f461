"""``grounded link``: problems suggested for evidence, requests and themes, with their
receipts; accept or reject them."""

from __future__ import annotations

from typing import Annotated

import typer

from grounded.cli.context import in_workspace
from grounded.cli.models import ModelChoice, chosen, up_to_date
from grounded.cli.output import console, done, emit_json, escape, excerpt, table
from grounded.models.enums import LinkStatus
from grounded.problem import links
from grounded.problem import service as problems

app = typer.Typer(
    no_args_is_help=True,
    help="Links between evidence and problems: suggestions with receipts, accepted or rejected by "
    "people.\n\nExample: grounded link suggest R-1",
)

Target = Annotated[str, typer.Argument(help="Evidence (E-…), a request (R-…) or a theme (T-…).")]
ProblemKey = Annotated[str, typer.Argument(help="The problem (P-…).")]
Note = Annotated[str, typer.Option(help="Why (kept on the link).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@app.command("suggest")
def suggest(
    target: Target,
    limit: Annotated[int, typer.Option(min=1, max=20, help="At most this many problems.")] = 3,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the suggestions without saving them.")] = False,
    model: ModelChoice = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest the problems something supports, contradicts or is a symptom of.

    Each suggestion comes with its receipts: the similarity and where it came from, a
    confidence, the quotes it leaned on, the model and version. Suggestions are saved for a
    person to accept or reject (grounded link accept|reject); --dry-run saves nothing.

    Example: grounded link suggest R-1
    """
    from grounded.synthesis.suggest import suggest as make

    workspace_id, embedder = chosen(model)
    up_to_date(workspace_id, embedder, quiet=as_json)
    with in_workspace() as (session, workspace, actor):
        found = make(session, workspace, target, embedder, actor=actor, limit=limit, save=not dry_run)
    if as_json:
        emit_json({"target": target.upper(), "saved": not dry_run, "suggestions": [s.__dict__ for s in found]})
        return
    if not found:
        console.print(f"No open problem is close enough to {escape(target.upper())} to suggest.")
        return
    table(
        ["problem", "role", "confidence", "similarity", "status", "title"],
        [
            (s.problem, s.role.value, f"{s.confidence:.2f}", f"{s.similarity:.2f}", s.status, s.problem_title)
            for s in found
        ],
        caption=f"{found[0].receipts['model_version']}, {found[0].receipts['method']}",
    )
    for s in found:
        r = s.receipts
        console.print(
            f"[bold]{s.problem}[/] {escape(r['role_reason'])}; statement {r['statement_similarity']}, "
            f"evidence {r['evidence_similarity']}, closeness {r['closeness']}, distinctness {r['distinctness']}"
        )
        for quote in r["quotes"]:
            console.print(f"  {quote['evidence']} ({quote['similarity']:.2f}) {escape(excerpt(quote['text'], 100))}")
    if dry_run:
        console.print("Nothing was saved (--dry-run).")
    elif any(s.status in ("new", "suggested") for s in found):
        first = next(s for s in found if s.status in ("new", "suggested"))
        console.print(f"Next: grounded link accept {target.upper()} {first.problem}  (or reject)")


def _review(target: str, problem_key: str, *, accept: bool, note: str) -> None:
    with in_workspace() as (session, workspace, actor):
        problem = problems.get(session, workspace, problem_key)
        row = links.review(
            session, links.get(session, workspace, problem, target), accept=accept, actor=actor, note=note or None
        )
        status = row.status.value
    done(f"{target.upper()} → {problem_key.upper()}: {status}.")


@app.command("accept")
def accept(target: Target, problem: ProblemKey, note: Note = "") -> None:
    """Accept a suggested link (who and when are recorded); it then counts for the problem.

    Example: grounded link accept R-1 P-1
    """
    _review(target, problem, accept=True, note=note)


@app.command("reject")
def reject(target: Target, problem: ProblemKey, note: Note = "") -> None:
    """Reject a suggested link (who and when are recorded); it is not suggested again.

    Example: grounded link reject R-23 P-1 --note "user import, not reporting"
    """
    _review(target, problem, accept=False, note=note)


@app.command("list")
def list_links(
    problem: ProblemKey,
    status: Annotated[LinkStatus | None, typer.Option(help="suggested, accepted or rejected.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A problem's links, with their confidence and who reviewed them.

    Example: grounded link list P-1 --status suggested
    """
    with in_workspace() as (session, workspace, _):
        found = links.list_(session, problems.get(session, workspace, problem), status=status)
    if as_json:
        emit_json({"problem": problem.upper(), "links": found})
        return
    table(
        ["target", "role", "status", "origin", "confidence", "title"],
        [
            (
                link.target_key,
                link.role.value,
                link.status.value,
                link.origin.value,
                "" if link.confidence is None else f"{link.confidence:.2f}",
                excerpt(link.target_title, 60),
            )
            for link in found
        ],
    )

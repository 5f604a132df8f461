"""``grounded decision``: the decision log. Draft, propose, accept; then supersede or amend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from grounded.cli import parse
from grounded.cli.context import in_workspace
from grounded.cli.output import done, emit_json, excerpt, fields, page_caption, table
from grounded.core.pagination import PageParams
from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.decision.schemas import (
    DecisionCreate,
    DecisionDetail,
    DecisionRevisionRead,
    DecisionUpdate,
    SignalCreate,
    SignalRead,
)
from grounded.errors import InvalidInput
from grounded.models.enums import Comparator, DecisionLinkKind, DecisionStatus, Reversibility, SignalAction

app = typer.Typer(
    help="Decisions: context, options and tradeoffs, what we will not optimise for, and the "
    "signals that would reopen them.\n\nExample: grounded decision log",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Key = Annotated[str, typer.Argument(help="Decision key (D-…) or id.")]
Context = Annotated[str | None, typer.Option(help="The background, in full.")]
Situation = Annotated[str | None, typer.Option(help="Summary: in the context of …")]
Facing = Annotated[str | None, typer.Option(help="Summary: facing …")]
Achieve = Annotated[str | None, typer.Option(help="Summary: to achieve …")]
Accepting = Annotated[str | None, typer.Option(help="Summary: accepting that …")]
Rationale = Annotated[str | None, typer.Option(help="Why this option.")]
NonGoal = Annotated[list[str] | None, typer.Option("--non-goal", help="What we will not optimise for (repeatable).")]
Option = Annotated[
    list[str] | None, typer.Option("--option", help="An option considered (repeatable; richer tradeoffs via --file).")
]
ReversibilityOpt = Annotated[Reversibility | None, typer.Option(help="two_way, costly or one_way.")]
ReviewBy = Annotated[str | None, typer.Option(help="Date to look at it again (YYYY-MM-DD).")]
People = Annotated[list[str] | None, typer.Option(help="Repeatable.")]
File = Annotated[Path | None, typer.Option(help="JSON file with any decision fields, options included (flags win).")]
Note = Annotated[str, typer.Option(help="Why (kept in the decision's history).")]


#: The options of ``new`` and ``update`` that are decision fields, by the field they fill.
_FIELDS = {
    "title": "title",
    "context": "context",
    "situation": "situation",
    "facing": "facing",
    "achieve": "to_achieve",
    "accepting": "accepting",
    "rationale": "rationale",
    "non_goal": "non_goals",
    "option": "options",
    "reversibility": "reversibility",
    "review_by": "review_by",
    "decider": "deciders",
    "consulted": "consulted",
    "informed": "informed",
    "note": "note",
}


def _content(file: Path | None, given: dict[str, Any]) -> dict[str, Any]:
    """The decision fields from the command's options (``locals()``), over those of ``file``."""
    data = parse.json_file(file, option="file")
    values = {field: given[option] for option, field in _FIELDS.items() if option in given}
    options = values.pop("options", None)
    review_by = values.pop("review_by", None)
    data.update(parse.given(**values))
    if options:
        data["options"] = [{"title": title} for title in options]
    if review_by:
        data["review_by"] = parse.day(review_by, option="review-by")
    return data


@app.command("new")
def new(
    title: Annotated[str, typer.Argument(help="What is being decided.")],
    context: Context = None,
    situation: Situation = None,
    facing: Facing = None,
    achieve: Achieve = None,
    accepting: Accepting = None,
    rationale: Rationale = None,
    non_goal: NonGoal = None,
    option: Option = None,
    reversibility: ReversibilityOpt = None,
    review_by: ReviewBy = None,
    decider: People = None,
    consulted: People = None,
    informed: People = None,
    file: File = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a decision.

    Example: grounded decision new "How we fix reporting" --option "Export hack" --option "New pipeline"
    """
    data = _content(file, locals())
    with in_workspace() as (session, workspace, actor):
        decision = decisions.create(session, workspace, data=parse.schema(DecisionCreate, data), actor=actor)
        detail = decisions.detail(session, decision)
    if as_json:
        emit_json(detail)
    else:
        done(f"Drafted [bold]{detail.key}[/]. Propose it with: grounded decision propose {detail.key}")


@app.command("update")
def update(
    key: Key,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    context: Context = None,
    situation: Situation = None,
    facing: Facing = None,
    achieve: Achieve = None,
    accepting: Accepting = None,
    rationale: Rationale = None,
    non_goal: NonGoal = None,
    option: Option = None,
    reversibility: ReversibilityOpt = None,
    review_by: ReviewBy = None,
    decider: People = None,
    consulted: People = None,
    informed: People = None,
    file: File = None,
    note: Note = "",
) -> None:
    """Edit a draft or proposed decision (accepted ones are frozen: supersede or amend them).

    Example: grounded decision update D-1 --rationale "the pipeline pays down debt we already carry"
    """
    data = _content(file, {**locals(), "note": note or None})
    with in_workspace() as (session, workspace, actor):
        decision = decisions.get(session, workspace, key)
        decisions.update(session, workspace, decision, data=parse.schema(DecisionUpdate, data), actor=actor)
        done(f"{decision.key} is at revision {decision.revision}.")


@app.command("show")
def show(key: Key, as_json: JsonOption = False) -> None:
    """Show a decision: summary, options and tradeoffs, non-goals, signals, links.

    Example: grounded decision show D-1
    """
    with in_workspace() as (session, workspace, _):
        decision = decisions.get(session, workspace, key)
        detail = decisions.detail(session, decision)
        watching = [SignalRead.model_validate(s) for s in signals.list_(session, workspace, decision=key).items]
    if as_json:
        emit_json({**detail.model_dump(mode="json"), "signals": watching})
        return
    _render(detail, watching)


def _render(detail: DecisionDetail, watching: list[SignalRead]) -> None:
    fields(
        [
            ("key", detail.key),
            ("title", detail.title),
            ("status", detail.status),
            ("revision", detail.revision),
            ("decided", detail.decided_at),
            ("summary", detail.summary),
            ("context", detail.context),
            ("rationale", detail.rationale),
            ("not optimising for", detail.non_goals),
            ("reversibility", detail.reversibility),
            ("review by", detail.review_by),
            ("deciders", detail.deciders),
            ("consulted", detail.consulted),
            ("informed", detail.informed),
            (
                "links",
                [
                    f"{link['kind']} {link['key']}"
                    if link["direction"] == "to"
                    else f"{link['key']} {link['kind']} this"
                    for link in detail.links
                ],
            ),
        ],
        title=detail.key,
    )
    if detail.options:
        table(
            ["#", "", "option", "user value", "viability", "feasibility"],
            [
                (o.position, "chosen" if o.is_chosen else "", o.title, o.user_value, o.viability, o.feasibility)
                for o in detail.options
            ],
            title="Options",
        )
    if watching:
        table(
            ["key", "signal", "condition", "action", "state", "last"],
            [
                (s.key, s.name, signals.condition_text(s), s.action, s.state, s.last_value)  # type: ignore[arg-type]
                for s in watching
            ],
            title="Signals that would change the plan",
        )


def _move(verb: str, key: str, note: str, **extra: Any) -> None:
    with in_workspace() as (session, workspace, actor):
        decision = decisions.get(session, workspace, key)
        getattr(decisions, verb)(session, decision, actor=actor, note=note, **extra)
        done(f"{decision.key} is now {decision.status.value} (revision {decision.revision}).")


@app.command("propose")
def propose(key: Key, note: Note = "") -> None:
    """Put a draft up for decision (needs context and at least two options).

    Example: grounded decision propose D-1
    """
    _move("propose", key, note)


@app.command("accept")
def accept(
    key: Key,
    option: Annotated[int | None, typer.Option(help="Number of the chosen option (see show).")] = None,
    note: Note = "",
) -> None:
    """Accept a proposed decision; from then on it is frozen.

    Example: grounded decision accept D-1 --option 2
    """
    _move("accept", key, note, option=option)


@app.command("reject")
def reject(key: Key, note: Annotated[str, typer.Option(help="Why it was rejected.")]) -> None:
    """Reject a proposed decision.

    Example: grounded decision reject D-4 --note "not our call: legal owns it"
    """
    _move("reject", key, note)


@app.command("review")
def review(key: Key, note: Annotated[str, typer.Option(help="What prompted the review.")]) -> None:
    """Put an accepted decision under review.

    Example: grounded decision review D-1 --note "rebuild tickets doubled in October"
    """
    _move("review", key, note)


@app.command("reaffirm")
def reaffirm(key: Key, note: Annotated[str, typer.Option(help="Why it still stands.")]) -> None:
    """Conclude a review by keeping the decision.

    Example: grounded decision reaffirm D-1 --note "spike was one customer's migration"
    """
    _move("reaffirm", key, note)


@app.command("deprecate")
def deprecate(key: Key, note: Annotated[str, typer.Option(help="Why it no longer applies.")]) -> None:
    """Retire a decision that no longer applies (without replacing it).

    Example: grounded decision deprecate D-2 --note "product line discontinued"
    """
    _move("deprecate", key, note)


def _successor(kind: DecisionLinkKind, key: str, data: dict[str, Any]) -> None:
    with in_workspace() as (session, workspace, actor):
        old = decisions.get(session, workspace, key)
        new_decision = decisions.supersede(
            session, workspace, old, data=parse.schema(DecisionUpdate, data), actor=actor, kind=kind
        )
        done(
            f"Drafted [bold]{new_decision.key}[/], which {kind.value} {old.key}. "
            f"{old.key} stays in force until {new_decision.key} is accepted."
        )


@app.command("supersede")
def supersede(
    key: Key,
    title: Annotated[str | None, typer.Option(help="Title of the new decision.")] = None,
    context: Context = None,
    rationale: Rationale = None,
    option: Option = None,
    file: File = None,
) -> None:
    """Start a new decision that will replace an accepted one (its content is copied as a start).

    Example: grounded decision supersede D-1 --title "Fix reporting: pipeline now"
    """
    _successor(DecisionLinkKind.SUPERSEDES, key, _content(file, locals()))


@app.command("amend")
def amend(
    key: Key,
    title: Annotated[str | None, typer.Option(help="Title of the amendment.")] = None,
    context: Context = None,
    rationale: Rationale = None,
    option: Option = None,
    file: File = None,
) -> None:
    """Start an amendment to an accepted decision (the original stays in force).

    Example: grounded decision amend D-1 --title "Add a legal review of the export format"
    """
    _successor(DecisionLinkKind.AMENDS, key, _content(file, locals()))


@app.command("log")
def log(
    status: Annotated[DecisionStatus | None, typer.Option(help="Only in this state.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    offset: Annotated[int, typer.Option(help="How many to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """The decision log, newest first, each with its one-line summary.

    Example: grounded decision log --status accepted
    """
    with in_workspace() as (session, workspace, _):
        page = decisions.log(session, workspace, status=status, page=PageParams(limit=limit, offset=offset))
        rows = [decisions.detail(session, d) for d in page.items]
    if as_json:
        emit_json({"items": rows, "total": page.total, "limit": page.limit, "offset": page.offset})
        return
    table(
        ["key", "status", "decided", "title", "summary"],
        [(d.key, d.status, d.decided_at, d.title, excerpt(d.summary, 90)) for d in rows],
        caption=page_caption(page),
    )


@app.command("history")
def history(key: Key, as_json: JsonOption = False) -> None:
    """Every revision of a decision, oldest first.

    Example: grounded decision history D-1
    """
    with in_workspace() as (session, workspace, _):
        rows = [
            DecisionRevisionRead.model_validate(r)
            for r in decisions.revisions(session, decisions.get(session, workspace, key))
        ]
    if as_json:
        emit_json(rows)
        return
    table(["rev", "when", "status", "note"], [(r.revision, r.created_at, r.status, r.note) for r in rows])


@app.command("signal")
def signal(
    key: Key,
    name: Annotated[str, typer.Argument(help="What the signal watches, in words.")],
    condition: Annotated[str, typer.Option(help='Comparator and threshold, e.g. "> 40".')],
    metric: Annotated[str | None, typer.Option(help="Catalogue metric it watches.")] = None,
    evidence: Annotated[
        str | None, typer.Option(help='Or an evidence query as JSON, e.g. {"search": "spreadsheet", "kind": "ticket"}.')
    ] = None,
    window: Annotated[int, typer.Option(help="Days per period.")] = 7,
    periods: Annotated[int, typer.Option(help="Consecutive periods the condition must hold.")] = 1,
    min_sample: Annotated[int, typer.Option(help="Ignore periods with fewer observations.")] = 0,
    action: Annotated[SignalAction, typer.Option(help="inform, review or reopen.")] = SignalAction.REVIEW,
) -> None:
    """Add a signal that would change the plan (while the decision is a draft or proposal).

    Example: grounded decision signal D-2 "Rebuild tickets" --evidence '{"search": "spreadsheet"}' --condition "> 40"
    """
    comparator, threshold = _condition(condition)
    data = parse.schema(
        SignalCreate,
        parse.given(
            decision=key,
            name=name,
            metric=metric,
            evidence_query=parse.json_text(evidence, option="evidence"),
            comparator=comparator,
            threshold=threshold,
            window_days=window,
            periods=periods,
            min_sample=min_sample,
            action=action,
        ),
    )
    with in_workspace() as (session, workspace, actor):
        created = signals.create(session, workspace, data=data, actor=actor)
        done(f"Added signal [bold]{created.key}[/]: {name} {signals.condition_text(created)}.")


def _condition(text: str) -> tuple[Comparator, float]:
    for comparator in sorted(Comparator, key=lambda c: -len(c.value)):
        head, sep, tail = text.strip().partition(comparator.value)
        if sep and not head.strip():
            try:
                return comparator, float(tail)
            except ValueError:
                break
    raise InvalidInput(f"{text!r} is not a condition like '> 40' or '<= 0.2'", field="condition")

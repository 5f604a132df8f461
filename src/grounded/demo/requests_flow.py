"""The demo's requests: written as a request sheet (imported with the requests preset),
then answered like a team would (most wait for triage; some are scheduled, some get an
honest not-yet or no)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.demo.asks import Ask
from grounded.demo.story import Story
from grounded.demo.vocab import PROSPECTS
from grounded.models import Bet, Evidence, Request, Workspace
from grounded.models.enums import Disposition, IncrementKind, LinkRole
from grounded.planning import exceptions, increments, requests
from grounded.planning.schemas import ExceptionCreate, ExceptionDecide, IncrementCreate, RequestTriage
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate

if TYPE_CHECKING:
    from grounded.demo.build import _Demo

NOT_YET = (
    "We're fixing why reports get rebuilt by hand first ({decision}); custom formats ride on the new "
    "pipeline next quarter. We'll look again on {date}."
)
DECLINED = "Not something we will build: it serves one account and adds a format we'd support forever."
NORTHWIND = Ask(
    group="sales",
    requester="Jordan Blake",
    title="Custom export in Northwind Freight's fixed-width ledger file",
    description="Northwind Freight will only sign if we can deliver their weekly numbers as a fixed-width "
    "ledger file their ERP loads directly. Last open item in procurement. Blocker for the deal.",
)


@dataclass(frozen=True)
class Planned:
    ask: Ask
    #: Whether the ask is a symptom of the root problem (linked to it after import).
    symptom: bool


def plan_requests(demo: _Demo) -> list[tuple[Planned, dict[str, Any]]]:
    """Every ask, as a row of the request sheet."""
    northwind = next(i for i, a in enumerate(demo.accounts) if a.name == PROSPECTS[0])
    asked = [NORTHWIND, *[_rep(NORTHWIND, rep) for rep in ("Alex Moreno", "Sam Whitaker")]]
    asked += [demo.ask() for _ in range(demo.options.requests - len(asked))]
    planned = []
    for index, ask in enumerate(asked):
        symptom = index == 0 or (ask.is_reporting_symptom and 3 <= index < 40)
        planned.append((Planned(ask, symptom), _row(demo, ask, index=index, northwind=northwind)))
    return planned


def answer_requests(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    *,
    demo: _Demo,
    planned: list[tuple[Planned, Any]],
    story: Story,
) -> None:
    """After import: link the symptoms to the root problem, answer the asks like a team would."""
    by_evidence = dict(
        session.execute(
            sa.select(Evidence.external_id, Request)
            .join(Request, Request.evidence_id == Evidence.id)
            .where(Evidence.workspace_id == workspace.id, Evidence.source_key == "requests")
        ).all()
    )
    made = [by_evidence[row["Request ID"]] for _, row in planned]
    problem = problems.get(session, workspace, story.problems["root"].key)
    for request, (plan, _) in zip(made, planned, strict=True):
        if plan.symptom:
            links.link(
                session,
                workspace,
                problem,
                actor=actor,
                data=ProblemLinkCreate(target=request.key, role=LinkRole.SYMPTOM),
            )
    context = _Context(session, workspace, actor, demo)
    _answer(context, made, [plan.ask for plan, _ in planned], story.bets, story.decision_key)
    _exception(context, made[0].key, story.bets["templates"].key)


@dataclass(frozen=True)
class _Context:
    session: Session
    workspace: Workspace
    actor: Actor
    demo: _Demo


def _rep(ask: Ask, requester: str) -> Ask:
    return Ask(
        group=ask.group,
        requester=requester,
        title=f"{ask.title} (again)",
        description=f"Following up on {ask.description[0].lower()}{ask.description[1:]}",
    )


def _row(demo: _Demo, ask: Ask, *, index: int, northwind: int) -> dict[str, Any]:
    account = _account(demo, ask)
    stake = demo.rng.choice((60_000, 90_000, 120_000, 180_000, 240_000)) if ask.group == "sales" else None
    if account == northwind:
        stake = 180_000
    when = demo._when(days=150)
    deadline = (
        (demo.options.as_of + timedelta(days=demo.rng.randint(14, 75))) if ask.group in ("sales", "legal") else None
    )
    return {
        "Request ID": f"REQ-{index + 1:04d}",
        "Created": demo._stamp(when),
        "Title": ask.title,
        "Description": ask.description,
        "Requester": ask.requester,
        "Team": ask.group,
        "Account": demo.accounts[account].external_id,
        "Deal value": stake,
        "Deadline": deadline.isoformat() if deadline else None,
        "Deadline type": ("hard" if "blocker" in ask.description.lower() else "soft") if deadline else None,
    }


def _account(demo: _Demo, ask: Ask) -> int:
    for prospect in PROSPECTS:
        if prospect in ask.title or prospect in ask.description:
            return next(i for i, a in enumerate(demo.accounts) if a.name == prospect)
    customers = [i for i, a in enumerate(demo.accounts) if not a.prospect]
    return demo.rng.choice(customers)


def _answer(context: _Context, made: list[Any], planned: list[Ask], bets: dict[str, Bet], decision: str) -> None:
    demo = context.demo
    later = demo.options.as_of + timedelta(days=75)
    triage = _triager(context)
    triage(made[0], Disposition.NOT_YET, explanation=NOT_YET.format(decision=decision, date=later), reevaluate_on=later)
    for duplicate in made[1:3]:
        triage(duplicate, Disposition.MERGED, merged_into=made[0].key)
    first_of: dict[str, Any] = {}
    for request, ask in zip(made[3:], planned[3:], strict=True):
        original = first_of.setdefault(ask.title, request)
        roll = demo.rng.random()
        if original is not request and roll < 0.5:
            triage(request, Disposition.MERGED, merged_into=original.key)
        elif ask.is_reporting_symptom and roll < 0.35:
            triage(
                request,
                Disposition.SCHEDULED,
                bet=bets["templates"].key,
                explanation="Part of saved report templates, due this quarter.",
            )
        elif roll < 0.2:
            triage(request, Disposition.TRIAGED)
        elif roll < 0.3:
            triage(
                request,
                Disposition.NOT_YET,
                reevaluate_on=later,
                explanation=f"Below the cut line this quarter; we'll look again on {later}.",
            )
        elif roll < 0.36:
            triage(request, Disposition.DECLINED, explanation=DECLINED)


def _triager(context: _Context) -> Any:
    def triage(request: Any, disposition: Disposition, **fields: Any) -> None:
        requests.triage(
            context.session,
            context.workspace,
            request,
            actor=context.actor,
            data=RequestTriage(disposition=disposition, **fields),
        )

    return triage


def _exception(context: _Context, request_key: str, templates_key: str) -> None:
    demo = context.demo
    row = exceptions.create(
        context.session,
        context.workspace,
        actor=context.actor,
        data=ExceptionCreate(
            title="Build Northwind's export before their deadline",
            raised_by="VP Sales",
            group="sales",
            cost_weeks=3,
            description=f"Escalation of {request_key}: the deal closes this quarter if the export ships.",
            displaces=[templates_key],
        ),
    )
    exceptions.decide(
        context.session,
        context.workspace,
        row,
        actor=context.actor,
        data=ExceptionDecide(
            accept=False,
            resolution="Declined: it would push templates out a month for one prospect. Offered Northwind "
            "a dated commitment on the pipeline instead.",
        ),
    )
    for kind, title in (
        (IncrementKind.LEARN, "Concierge templates with five rebuilder accounts"),
        (IncrementKind.SHIP, "Save and reuse a report layout (beta)"),
    ):
        increments.create(
            context.session,
            context.workspace,
            actor=context.actor,
            data=IncrementCreate(
                bet=templates_key, kind=kind, title=title, due_on=demo.options.as_of + timedelta(days=42)
            ),
        )

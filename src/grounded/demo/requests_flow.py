"""The demo's requests: recorded through the request service and answered like a team
would (most wait for triage; some are scheduled, some get an honest not-yet or no)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from grounded.demo.asks import Ask
from grounded.demo.vocab import PROSPECTS
from grounded.models import Bet
from grounded.models.enums import DeadlineKind, Disposition, EvidenceKind, EvidenceMode, IncrementKind
from grounded.planning import exceptions, increments, requests
from grounded.planning.schemas import (
    ExceptionCreate,
    ExceptionDecide,
    IncrementCreate,
    RequestCreate,
    RequestTriage,
)

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


def record_requests(
    demo: _Demo, groups: dict[str, uuid.UUID], problem: str, bets: dict[str, Bet], decision: str
) -> int:
    northwind = demo.accounts.index(next(a for a in demo.accounts if a.name == PROSPECTS[0]))
    planned = [NORTHWIND, *[_rep(NORTHWIND, rep) for rep in ("Alex Moreno", "Sam Whitaker")]]
    planned += [demo.ask() for _ in range(demo.options.requests - len(planned))]
    made = []
    for index, ask in enumerate(planned):
        symptom = index == 0 or (ask.is_reporting_symptom and 3 <= index < 40)
        made.append(
            _record(demo, ask, index=index, groups=groups, northwind=northwind, problem=problem if symptom else None)
        )
    _answer(demo, made, planned, bets, decision)
    _exception(demo, made[0].key, bets["templates"].key)
    return len(made)


def _rep(ask: Ask, requester: str) -> Ask:
    return Ask(
        group=ask.group,
        requester=requester,
        title=f"{ask.title} (again)",
        description=f"Following up on {ask.description[0].lower()}{ask.description[1:]}",
    )


def _record(
    demo: _Demo, ask: Ask, *, index: int, groups: dict[str, uuid.UUID], northwind: int, problem: str | None
) -> Any:
    account = _account(demo, ask, northwind)
    stake = demo.rng.choice((60_000, 90_000, 120_000, 180_000, 240_000)) if ask.group == "sales" else None
    if account == northwind:
        stake = 180_000
    when = demo._when(days=150)
    evidence = demo._evidence(
        [
            {
                "kind": EvidenceKind.REQUEST,
                "mode": EvidenceMode.STATED,
                "source_key": "requests",
                "external_id": f"REQ-{index + 1:04d}",
                "title": ask.title,
                "text": ask.description,
                "occurred_at": when,
                "account_id": demo.account_ids[account],
                "stakeholder_group_id": groups[ask.group],
                "attributes": {"requester": ask.requester},
            }
        ]
    )[0]
    deadline = (
        (demo.options.as_of + timedelta(days=demo.rng.randint(14, 75))) if ask.group in ("sales", "legal") else None
    )
    return requests.create(
        demo.session,
        demo.workspace,
        actor=demo.actor,
        data=RequestCreate(
            title=ask.title,
            description=ask.description,
            group=ask.group,
            requester_name=ask.requester,
            accounts=[{"account": demo.accounts[account].external_id, "deal_value": stake}],
            deadline=deadline,
            deadline_kind=(DeadlineKind.HARD if "blocker" in ask.description.lower() else DeadlineKind.SOFT)
            if deadline
            else None,
            problem=problem,
            evidence=evidence.key,
        ),
    )


def _account(demo: _Demo, ask: Ask, northwind: int) -> int:
    for prospect in PROSPECTS:
        if prospect in ask.title or prospect in ask.description:
            return next(i for i, a in enumerate(demo.accounts) if a.name == prospect)
    customers = [i for i, a in enumerate(demo.accounts) if not a.prospect]
    return demo.rng.choice(customers)


def _answer(demo: _Demo, made: list[Any], planned: list[Ask], bets: dict[str, Bet], decision: str) -> None:
    later = demo.options.as_of + timedelta(days=75)
    triage = _triager(demo)
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


def _triager(demo: _Demo) -> Any:
    def triage(request: Any, disposition: Disposition, **fields: Any) -> None:
        requests.triage(
            demo.session,
            demo.workspace,
            request,
            actor=demo.actor,
            data=RequestTriage(disposition=disposition, **fields),
        )

    return triage


def _exception(demo: _Demo, request_key: str, templates_key: str) -> None:
    row = exceptions.create(
        demo.session,
        demo.workspace,
        actor=demo.actor,
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
        demo.session,
        demo.workspace,
        row,
        actor=demo.actor,
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
            demo.session,
            demo.workspace,
            actor=demo.actor,
            data=IncrementCreate(
                bet=templates_key, kind=kind, title=title, due_on=demo.options.as_of + timedelta(days=42)
            ),
        )

"""``build``: the whole demo workspace, deterministic for a seed and an as-of date."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.validation import validate
from grounded.demo import asks, company, events, interviews, surveys, tickets
from grounded.demo.company import DemoAccount, DemoPerson
from grounded.demo.phrasebook import Topic
from grounded.demo.story import StoryInputs
from grounded.demo.story import build as build_story
from grounded.demo.vocab import slot_values
from grounded.errors import Conflict
from grounded.evidence.service import content_hash
from grounded.ids import uuid7
from grounded.ingest import sources
from grounded.ingest.schemas import SourceCounts, SourceCreate
from grounded.metrics import event_sources
from grounded.metrics.schemas import EventSourceCreate
from grounded.models import Account, Evidence, Person, Source, StakeholderGroup, Workspace
from grounded.models.enums import EvidenceKind, EvidenceMode
from grounded.workspace import service as workspaces
from grounded.workspace.schemas import WorkspaceCreate

#: Stage → share of the progress bar.
STAGES = {"accounts": 3, "tickets": 12, "interviews": 3, "surveys": 4, "requests": 8, "decisions": 5, "events": 65}
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class DemoOptions:
    as_of: date
    seed: int = 7
    slug: str = "demo"
    name: str = "Fernhill Analytics"
    accounts: int = 320
    tickets: int = 6400
    interviews: int = 44
    survey_answers: int = 1800
    requests: int = 260
    events: int = 2_150_000


@dataclass
class DemoSummary:
    slug: str
    counts: dict[str, int] = field(default_factory=dict)
    events_path: Path | None = None
    seconds: float = 0.0
    decision: str = ""
    problem: str = ""


def build(
    session: Session, *, data_dir: Path, options: DemoOptions, actor: Actor, progress: Progress | None = None
) -> DemoSummary:
    started = time.perf_counter()
    report = progress or (lambda _stage, _amount: None)
    rng = random.Random(options.seed)
    workspace = _fresh_workspace(session, options, actor)
    demo = _Demo(session=session, workspace=workspace, actor=actor, rng=rng, options=options)
    demo.people_and_accounts()
    report("accounts", 1.0)
    rebuild = demo.tickets(lambda share: report("tickets", share))
    report("tickets", 1.0)
    fine, workaround = demo.interviews()
    report("interviews", 1.0)
    demo.surveys()
    report("surveys", 1.0)
    story = build_story(
        session,
        workspace,
        actor,
        StoryInputs(
            as_of=options.as_of,
            rebuild_tickets=rebuild[:24],
            fine_quotes=fine[:4],
            workaround_quotes=workaround[:6],
            northwind_deal=180_000,
        ),
    )
    report("decisions", 1.0)
    demo.requests(story.problems["root"].key, story.bets, story.decision_key)
    report("requests", 1.0)
    path = data_dir / "workspaces" / options.slug / "events" / "events.parquet"
    stats = events.generate(
        demo.accounts,
        seed=options.seed,
        as_of=options.as_of,
        target=options.events,
        path=path,
        progress=lambda rows: report("events", rows / options.events),
    )
    event_sources.create(
        session,
        workspace,
        actor=actor,
        data=EventSourceCreate(
            name="product-events",
            kind="parquet",
            location=str(path),
            is_default=True,
            column_mapping={
                "user": "user_id",
                "account": "account_id",
                "event": "event",
                "timestamp": "occurred_at",
                "properties": "properties",
            },
        ),
    )
    demo.counts["events"] = stats.rows
    report("events", 1.0)
    return DemoSummary(
        slug=options.slug,
        counts=demo.counts,
        events_path=path,
        decision=story.decision_key,
        problem=story.problems["root"].key,
        seconds=time.perf_counter() - started,
    )


def _fresh_workspace(session: Session, options: DemoOptions, actor: Actor) -> Workspace:
    existing = workspaces.find(session, options.slug)
    if existing is not None:
        if not existing.settings.get("demo"):
            raise Conflict(f"workspace '{options.slug}' exists and is not a demo; choose another with --slug")
        workspaces.delete(session, existing)
    workspace = workspaces.create(
        session,
        actor=actor,
        data=validate(
            WorkspaceCreate,
            {
                "slug": options.slug,
                "name": options.name,
                "description": "Demo: a B2B analytics company where a sales ask hides a reporting problem.",
            },
        ),
    )
    workspace.settings = {"demo": True, "seed": options.seed, "as_of": options.as_of.isoformat()}
    return workspace


@dataclass
class _Demo:
    session: Session
    workspace: Workspace
    actor: Actor
    rng: random.Random
    options: DemoOptions
    accounts: list[DemoAccount] = field(default_factory=list)
    people: list[DemoPerson] = field(default_factory=list)
    account_ids: list[uuid.UUID] = field(default_factory=list)
    person_ids: list[uuid.UUID] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    _contacts: dict[int, list[int]] = field(default_factory=dict)
    _pools: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)

    # ------------------------------------------------------------ accounts and people
    def people_and_accounts(self) -> None:
        self.accounts = company.accounts(self.rng, self.options.accounts)
        rows = [
            Account(
                id=uuid7(),
                workspace_id=self.workspace.id,
                external_id=a.external_id,
                name=a.name,
                segment=a.segment,
                plan=a.plan,
                arr=a.arr,
                region=a.region,
                attributes={"domain": a.domain, "seats": a.seats, **({"stage": "prospect"} if a.prospect else {})},
            )
            for a in self.accounts
        ]
        crud.add_many(self.session, rows, actor=self.actor, workspace=self.workspace)
        self.account_ids = [row.id for row in rows]
        self.people = company.people(self.rng, self.accounts)
        people = [
            Person(
                id=uuid7(),
                workspace_id=self.workspace.id,
                external_id=p.external_id,
                account_id=self.account_ids[p.account],
                name=p.name,
                email=p.email,
                title=p.title,
            )
            for p in self.people
        ]
        crud.add_many(self.session, people, actor=self.actor, workspace=self.workspace)
        self.person_ids = [row.id for row in people]
        self.counts.update(accounts=len(rows), people=len(people))

    def _source(self, key: str, kind: str, count: int) -> Source:
        source = sources.start(
            self.session,
            self.workspace,
            actor=self.actor,
            data=SourceCreate(
                source_key=key, kind=kind, options={"generator": "grounded demo", "seed": self.options.seed}
            ),
        )
        self.sources[key] = source
        return sources.finish(
            self.session, source, actor=self.actor, counts=SourceCounts(rows_read=count, new_count=count)
        )

    def _evidence(self, items: Sequence[dict[str, Any]]) -> list[Evidence]:
        rows = [
            Evidence(
                id=uuid7(),
                workspace_id=self.workspace.id,
                source_id=self.sources[item["source_key"]].id,
                content_hash=content_hash(item.get("title", ""), item["text"]),
                mode=item.get("mode")
                or (EvidenceMode.OBSERVED if item["kind"] == EvidenceKind.TICKET else EvidenceMode.STATED),
                **{k: v for k, v in item.items() if k != "mode"},
            )
            for item in items
        ]
        crud.add_many(self.session, rows, actor=self.actor, workspace=self.workspace)
        return rows

    def _when(self, trend: float = 0.0, days: int = events.DAYS) -> datetime:
        """A moment in the window; ``trend`` > 0 favours recent days."""
        while True:
            x = self.rng.random()
            if self.rng.random() * (1 + max(trend, 0)) <= 1 + trend * x:
                break
        start = datetime.combine(self.options.as_of - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
        return start + timedelta(seconds=int(x * days * 86_400))

    def _contact(self, account: int) -> tuple[uuid.UUID | None, str]:
        candidates = self._contacts_of().get(account)
        if not candidates:
            return None, self.rng.choice(("Sam", "Alex", "Jordan"))
        index = self.rng.choice(candidates)
        return self.person_ids[index], self.people[index].name.split()[0]

    def _contacts_of(self) -> dict[int, list[int]]:
        if not self._contacts:
            for index, person in enumerate(self.people):
                self._contacts.setdefault(person.account, []).append(index)
        return self._contacts

    def _account_for(self, topic: Topic) -> int:
        if topic.key not in self._pools:
            pool = [
                i
                for i, a in enumerate(self.accounts)
                if not a.prospect and a.segment in topic.segments and (topic.audience != "rebuilders" or a.rebuilder)
            ]
            self._pools[topic.key] = (pool, [self.accounts[i].seats for i in pool])
        pool, weights = self._pools[topic.key]
        return self.rng.choices(pool, weights=weights)[0]

    # ------------------------------------------------------------ tickets
    def tickets(self, progress: Callable[[float], None]) -> list[Evidence]:
        """Support tickets; returns the spreadsheet-rebuild ones (for the story's links)."""
        self._source("zendesk", "demo", self.options.tickets)
        weights = [t.weight for t in tickets.TOPICS]
        items: list[dict[str, Any]] = []
        topics: list[str] = []
        for number in range(self.options.tickets):
            off = self.rng.random() < tickets.OFF_TOPIC_SHARE
            topic = None if off else self.rng.choices(tickets.TOPICS, weights=weights)[0]
            account = self._account_for(topic) if topic else self.rng.randrange(self.options.accounts)
            person, signer = self._contact(account)
            ticket = tickets.off_topic(self.rng, signer) if topic is None else tickets.compose(self.rng, topic, signer)
            topics.append(ticket.topic)
            items.append(
                {
                    "kind": EvidenceKind.TICKET,
                    "source_key": "zendesk",
                    "title": ticket.subject,
                    "text": ticket.body,
                    "occurred_at": self._when(topic.trend if topic else 0),
                    "account_id": self.account_ids[account],
                    "person_id": person,
                    "attributes": {
                        "channel": self.rng.choice(("email", "email", "web", "chat")),
                        "priority": self.rng.choices(("low", "normal", "high", "urgent"), weights=(2, 6, 2, 1))[0],
                        "status": self.rng.choices(("solved", "open", "pending"), weights=(7, 2, 1))[0],
                    },
                }
            )
            if number % 1000 == 999:
                progress(number / self.options.tickets)
        order = sorted(range(len(items)), key=lambda i: items[i]["occurred_at"])  # ids and keys follow time
        for number, index in enumerate(order):
            items[index]["external_id"] = f"ZD-{104_000 + number}"
        rows = self._evidence([items[i] for i in order])
        self.counts["tickets"] = len(rows)
        return [row for row, i in zip(rows, order, strict=True) if topics[i] == "spreadsheet_rebuild"]

    # ------------------------------------------------------------ interviews
    def interviews(self) -> tuple[list[Evidence], list[Evidence]]:
        """Notes and their quotes; returns the 'reporting is fine' and workaround quotes."""
        self._source("interviews", "demo", self.options.interviews)
        pool = [i for i, a in enumerate(self.accounts) if not a.prospect and a.segment != "SMB"]
        notes, planned = [], []
        for number, account in enumerate(self.rng.sample(pool, k=self.options.interviews), start=1):
            contact = self.rng.choice(self._contacts_of()[account])
            person = self.people[contact]
            when = self._when(days=120)
            note = interviews.compose(
                self.rng,
                interviewee=person.name,
                title=person.title,
                company=self.accounts[account].name,
                date=when.date().isoformat(),
                rebuilder=self.accounts[account].rebuilder,
            )
            common = {
                "account_id": self.account_ids[account],
                "person_id": self.person_ids[contact],
                "occurred_at": when,
            }
            notes.append(
                {
                    "kind": EvidenceKind.INTERVIEW_NOTE,
                    "source_key": "interviews",
                    "external_id": f"INT-{number:03d}",
                    "title": note.title,
                    "text": note.text,
                    **common,
                    "attributes": {"interviewer": note.text.splitlines()[1].removeprefix("Interviewers: ")},
                }
            )
            planned.append((note, common))
        parents = self._evidence(notes)
        quotes, kinds = [], []
        for parent, (note, common) in zip(parents, planned, strict=True):
            for index, quote in enumerate(note.quotes, start=1):
                quotes.append(
                    {
                        "kind": EvidenceKind.QUOTE,
                        "source_key": "interviews",
                        "external_id": f"{parent.external_id}-Q{index}",
                        "text": quote,
                        "parent_id": parent.id,
                        **common,
                    }
                )
                kinds.append(_quote_kind(quote))
        rows = self._evidence(quotes)
        self.counts.update(interview_notes=len(parents), quotes=len(rows))
        fine = [r for r, k in zip(rows, kinds, strict=True) if k == "fine"]
        workaround = [r for r, k in zip(rows, kinds, strict=True) if k == "workaround"]
        return fine, workaround

    # ------------------------------------------------------------ surveys
    def surveys(self) -> None:
        self._source("nps", "demo", self.options.survey_answers)
        customers = [i for i, a in enumerate(self.accounts) if not a.prospect]
        items = []
        for number in range(self.options.survey_answers):
            account = self.rng.choices(customers, weights=[self.accounts[i].seats for i in customers])[0]
            person, _ = self._contact(account)
            score, comment = surveys.answer(self.rng, self.accounts[account].segment)
            wave = "NPS Q3" if number % 2 else "NPS Q4"
            when = self._when(days=150) if wave == "NPS Q3" else self._when(days=40)
            items.append(
                {
                    "kind": EvidenceKind.SURVEY_RESPONSE,
                    "source_key": "nps",
                    "external_id": f"NPS-{number + 1:05d}",
                    "title": f"NPS {score}",
                    "text": comment or f"(score {score}, no comment)",
                    "occurred_at": when,
                    "account_id": self.account_ids[account],
                    "person_id": person,
                    "attributes": {"score": score, "survey": wave, "has_comment": bool(comment)},
                }
            )
        self.counts["survey_answers"] = len(self._evidence(items))

    # ------------------------------------------------------------ requests
    def requests(self, problem_key: str, bets: dict[str, Any], decision_key: str) -> None:
        from grounded.demo.requests_flow import record_requests

        self._source("requests", "demo", self.options.requests)
        groups = {g.slug: g.id for g in self.session.query(StakeholderGroup).filter_by(workspace_id=self.workspace.id)}
        self.counts["requests"] = record_requests(self, groups, problem_key, bets, decision_key)

    def ask(self) -> asks.Ask:
        names = list(asks.GROUPS)
        group = self.rng.choices(names, weights=[asks.GROUPS[g][0] for g in names])[0]
        _, people, templates = asks.GROUPS[group]
        title, description = self.rng.choice(templates)
        values = {name: self.rng.choice(options) for name, options in slot_values().items()}
        return asks.Ask(
            group=group,
            requester=self.rng.choice(people),
            title=title.format_map(values),
            description=description.format_map(values),
        )


def _quote_kind(quote: str) -> str:
    said_fine, _ = interviews.TOPICS["reporting_fine"]
    if quote in said_fine:
        return "fine"
    lowered = quote.lower()
    if any(marker in lowered for marker in ("monday", "every week", "workbook", "weekly sheet")):
        return "workaround"
    return "other"

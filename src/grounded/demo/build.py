"""``build``: the whole demo workspace, deterministic for a seed and an as-of date.

The generators write the company's data as the exports its tools would give (see
exports), and the public importers bring them in, exactly as a team brings in its own:
accounts from the CRM, tickets from Zendesk, interview notes in Markdown, NPS answers, the
request sheet and the usage events. Then the story a team would write on top (problems,
bets, a decision, answered requests) is recorded through the services.
"""

from __future__ import annotations

import random
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.core.validation import validate
from grounded.db.engine import session_scope
from grounded.demo import asks, company, events, interviews, surveys, tickets
from grounded.demo.company import DemoAccount, DemoPerson
from grounded.demo.exports import (
    ACCOUNT_COLUMNS,
    REQUEST_COLUMNS,
    SURVEY_COLUMNS,
    TICKET_COLUMNS,
    ExportFiles,
    write_csv,
    write_note,
)
from grounded.demo.phrasebook import Topic
from grounded.demo.story import StoryInputs
from grounded.demo.story import build as build_story
from grounded.demo.vocab import slot_values
from grounded.errors import Conflict
from grounded.ingest import mapping as mappings
from grounded.ingest.events import store_dir
from grounded.ingest.pipeline import ImportOptions, ImportReport
from grounded.ingest.pipeline import run as import_file
from grounded.models import Evidence, Workspace
from grounded.workspace import service as workspaces
from grounded.workspace.schemas import WorkspaceCreate

#: Stage → share of the progress bar.
STAGES = {"accounts": 2, "tickets": 12, "interviews": 3, "surveys": 4, "requests": 8, "decisions": 5, "events": 66}
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
    exports: Path | None = None
    seconds: float = 0.0
    decision: str = ""
    problem: str = ""


def build(
    engine: Engine, *, data_dir: Path, options: DemoOptions, actor: Actor, progress: Progress | None = None
) -> DemoSummary:
    started = time.perf_counter()
    report = progress or (lambda _stage, _amount: None)
    with session_scope(engine) as session:
        workspace_id = _fresh_workspace(session, options, actor, data_dir).id
    files = ExportFiles(data_dir / "workspaces" / options.slug / "exports")
    shutil.rmtree(files.directory, ignore_errors=True)
    demo = _Demo(rng=random.Random(options.seed), options=options, files=files)
    load = _Loader(engine, workspace_id, actor, data_dir, report)
    counts: dict[str, int] = {}

    demo.write_accounts()
    counts["accounts"] = load("crm_accounts", files.accounts, "accounts", len(demo.accounts)).counts.new_count
    rebuild_ids = demo.write_tickets(lambda share: report("tickets", share / 2))
    counts["tickets"] = load("zendesk", files.tickets, "tickets", options.tickets).counts.new_count
    fine_ids, workaround_ids = demo.write_interviews()
    notes = load("interviews", files.interviews, "interviews", options.interviews)
    counts.update(interview_notes=notes.counts.new_count, quotes=notes.quotes)
    demo.write_surveys()
    counts["survey_answers"] = load("nps", files.surveys, "surveys", options.survey_answers).counts.new_count
    planned = demo.write_requests()
    counts["requests"] = load("requests", files.requests, "requests", len(planned)).counts.new_count

    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        found = _evidence_by_id(session, workspace, [*rebuild_ids[:24], *fine_ids[:4], *workaround_ids[:6]])
        story = build_story(
            session,
            workspace,
            actor,
            StoryInputs(
                as_of=options.as_of,
                rebuild_tickets=[found[i] for i in rebuild_ids[:24]],
                fine_quotes=[found[i] for i in fine_ids[:4]],
                workaround_quotes=[found[i] for i in workaround_ids[:6]],
                northwind_deal=180_000,
            ),
        )
        report("decisions", 1.0)
        from grounded.demo.requests_flow import answer_requests

        answer_requests(session, workspace, actor, demo=demo, planned=planned, story=story)
        report("requests", 1.0)

    stats = events.generate(
        demo.accounts,
        seed=options.seed,
        as_of=options.as_of,
        target=options.events,
        path=files.events,
        progress=lambda rows: report("events", rows / options.events / 4),
    )
    counts["events"] = load("usage_events", files.events, "events", stats.rows, start=0.25).counts.new_count
    counts["people"] = load.people
    return DemoSummary(
        slug=options.slug,
        counts=counts,
        events_path=store_dir(data_dir, options.slug),
        exports=files.directory,
        decision=story.decision_key,
        problem=story.problems["root"].key,
        seconds=time.perf_counter() - started,
    )


class _Loader:
    """Imports one export with its preset and moves the progress bar as rows land."""

    def __init__(self, engine: Engine, workspace_id: uuid.UUID, actor: Actor, data_dir: Path, report: Progress):
        self.engine, self.workspace_id, self.actor, self.data_dir, self.report = (
            engine,
            workspace_id,
            actor,
            data_dir,
            report,
        )
        self.people = 0

    def __call__(self, preset: str, path: Path, stage: str, expected: int, *, start: float = 0.5) -> ImportReport:
        done = [0]

        def advance(rows: int) -> None:
            done[0] += rows
            self.report(stage, start + (1 - start) * done[0] / max(expected, 1))

        result = import_file(
            self.engine,
            workspace_id=self.workspace_id,
            path=path,
            mapping=mappings.preset(preset),
            actor=self.actor,
            options=ImportOptions(data_dir=self.data_dir),
            progress=advance,
        )
        if result.counts.quarantined_count:
            raise RuntimeError(f"the demo's {path.name} had rows quarantined: {result.examples}")
        self.people += result.people_created
        self.report(stage, 1.0)
        return result


def _evidence_by_id(session: Session, workspace: Workspace, ids: Sequence[str]) -> dict[str, Evidence]:
    rows = session.scalars(
        sa.select(Evidence).where(Evidence.workspace_id == workspace.id, Evidence.external_id.in_(list(ids)))
    )
    return {row.external_id: row for row in rows}


def _fresh_workspace(session: Session, options: DemoOptions, actor: Actor, data_dir: Path) -> Workspace:
    existing = workspaces.find(session, options.slug)
    if existing is not None:
        if not existing.settings.get("demo"):
            raise Conflict(f"workspace '{options.slug}' exists and is not a demo; choose another with --slug")
        workspaces.delete(session, existing)
        session.flush()
    shutil.rmtree(store_dir(data_dir, options.slug), ignore_errors=True)  # the old demo's events
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
    """The generators, writing the exports."""

    rng: random.Random
    options: DemoOptions
    files: ExportFiles
    accounts: list[DemoAccount] = field(default_factory=list)
    people: list[DemoPerson] = field(default_factory=list)
    _contacts: dict[int, list[int]] = field(default_factory=dict)
    _pools: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)

    # ------------------------------------------------------------ accounts and people
    def write_accounts(self) -> None:
        self.accounts = company.accounts(self.rng, self.options.accounts)
        self.people = company.people(self.rng, self.accounts)
        write_csv(
            self.files.accounts,
            ACCOUNT_COLUMNS,
            (
                {
                    "Account ID": a.external_id,
                    "Account Name": a.name,
                    "Segment": a.segment,
                    "Plan": a.plan,
                    "ARR": a.arr,
                    "Region": a.region,
                    "Domain": a.domain,
                    "Seats": a.seats,
                    "Stage": "prospect" if a.prospect else "customer",
                }
                for a in self.accounts
            ),
        )

    def _when(self, trend: float = 0.0, days: int = events.DAYS) -> datetime:
        """A moment in the window; ``trend`` > 0 favours recent days."""
        while True:
            x = self.rng.random()
            if self.rng.random() * (1 + max(trend, 0)) <= 1 + trend * x:
                break
        start = datetime.combine(self.options.as_of - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
        return start + timedelta(seconds=int(x * days * 86_400))

    def _stamp(self, when: datetime) -> str:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _contact(self, account: int) -> DemoPerson | None:
        candidates = self._contacts_of().get(account)
        return self.people[self.rng.choice(candidates)] if candidates else None

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
    def write_tickets(self, progress: Callable[[float], None]) -> list[str]:
        """The Zendesk export; returns the ids of the spreadsheet-rebuild tickets."""
        weights = [t.weight for t in tickets.TOPICS]
        rows: list[dict[str, Any]] = []
        topics: list[str] = []
        moments: list[datetime] = []
        for number in range(self.options.tickets):
            off = self.rng.random() < tickets.OFF_TOPIC_SHARE
            topic = None if off else self.rng.choices(tickets.TOPICS, weights=weights)[0]
            account = self._account_for(topic) if topic else self.rng.randrange(self.options.accounts)
            person = self._contact(account)
            signer = person.name.split()[0] if person else self.rng.choice(("Sam", "Alex", "Jordan"))
            ticket = tickets.off_topic(self.rng, signer) if topic is None else tickets.compose(self.rng, topic, signer)
            topics.append(ticket.topic)
            moments.append(self._when(topic.trend if topic else 0))
            rows.append(
                {
                    "Subject": ticket.subject,
                    "Description": ticket.body,
                    "Requester": person.name if person else signer,
                    "Requester email": person.email if person else None,
                    "Organization": self.accounts[account].name,
                    "Via": self.rng.choice(("email", "email", "web", "chat")),
                    "Priority": self.rng.choices(("low", "normal", "high", "urgent"), weights=(2, 6, 2, 1))[0],
                    "Status": self.rng.choices(("solved", "open", "pending"), weights=(7, 2, 1))[0],
                }
            )
            if number % 1000 == 999:
                progress(number / self.options.tickets)
        order = sorted(range(len(rows)), key=lambda i: moments[i])  # exports are oldest first; ids follow time
        for number, index in enumerate(order):
            rows[index]["Id"] = f"ZD-{104_000 + number}"
            rows[index]["Created at"] = self._stamp(moments[index])
        write_csv(self.files.tickets, TICKET_COLUMNS, (rows[i] for i in order))
        return [rows[i]["Id"] for i in order if topics[i] == "spreadsheet_rebuild"]

    # ------------------------------------------------------------ interviews
    def write_interviews(self) -> tuple[list[str], list[str]]:
        """One Markdown note per interview; returns the ids of the 'reporting is fine' and
        of the workaround quotes (as the importer keys them: ``<note>#q<n>``)."""
        pool = [i for i, a in enumerate(self.accounts) if not a.prospect and a.segment != "SMB"]
        fine: list[str] = []
        workaround: list[str] = []
        for number, account in enumerate(self.rng.sample(pool, k=self.options.interviews), start=1):
            person = self.people[self.rng.choice(self._contacts_of()[account])]
            when = self._when(days=120)
            note = interviews.compose(
                self.rng,
                interviewee=person.name,
                title=person.title,
                company=self.accounts[account].name,
                date=when.date().isoformat(),
                rebuilder=self.accounts[account].rebuilder,
            )
            note_id = f"INT-{number:03d}"
            write_note(
                self.files.interviews,
                {
                    "id": note_id,
                    "title": note.title,
                    "interviewee": person.name,
                    "role": person.title,
                    "email": person.email,
                    "account": self.accounts[account].external_id,
                    "date": self._stamp(when),
                    "interviewer": note.text.splitlines()[1].removeprefix("Interviewers: "),
                },
                note.text,
            )
            for index, quote in enumerate(note.quotes, start=1):
                kind = _quote_kind(quote)
                if kind == "fine":
                    fine.append(f"{note_id}#q{index}")
                elif kind == "workaround":
                    workaround.append(f"{note_id}#q{index}")
        return fine, workaround

    # ------------------------------------------------------------ surveys
    def write_surveys(self) -> None:
        customers = [i for i, a in enumerate(self.accounts) if not a.prospect]
        rows = []
        for number in range(self.options.survey_answers):
            account = self.rng.choices(customers, weights=[self.accounts[i].seats for i in customers])[0]
            person = self._contact(account)
            score, comment = surveys.answer(self.rng, self.accounts[account].segment)
            wave = "NPS Q3" if number % 2 else "NPS Q4"
            when = self._when(days=150) if wave == "NPS Q3" else self._when(days=40)
            rows.append(
                {
                    "Response ID": f"NPS-{number + 1:05d}",
                    "Submitted at": self._stamp(when),
                    "Score": score,
                    "Comment": comment,
                    "Email": person.email if person else None,
                    "Company": self.accounts[account].name,
                    "Survey": wave,
                }
            )
        write_csv(self.files.surveys, SURVEY_COLUMNS, rows)

    # ------------------------------------------------------------ requests
    def write_requests(self) -> list[Any]:
        """The request sheet; returns what was asked, in order, for answering later."""
        from grounded.demo.requests_flow import plan_requests

        planned = plan_requests(self)
        write_csv(self.files.requests, REQUEST_COLUMNS, (row for _, row in planned))
        return planned

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

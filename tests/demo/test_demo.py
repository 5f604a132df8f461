"""The demo company: deterministic, realistic enough to need real synthesis, and telling
the running example (a sales ask hiding a reporting problem)."""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.bet import service as bets
from grounded.core.actor import Actor
from grounded.db.engine import session_scope
from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.demo import company, events, interviews, noise, tickets
from grounded.demo.build import DemoOptions, build
from grounded.errors import Conflict
from grounded.ingest import mapping as mappings
from grounded.ingest.pipeline import ImportOptions
from grounded.ingest.pipeline import run as import_file
from grounded.models import Account, Evidence, Person, Request, Source, Workspace
from grounded.models.enums import DecisionStatus, Disposition, EvidenceKind, LinkRole, ProblemStatus, SourceStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.workspace import users
from tests.conftest import BACKENDS, fresh_database
from tests.factories import make_actor, make_workspace


def make_import_actor(engine: Engine) -> Actor:
    with session_scope(engine) as session:
        return users.actor_for(users.ensure(session, "importer@example.com"))


AS_OF = date(2026, 11, 26)
SMALL = {"accounts": 60, "tickets": 600, "interviews": 10, "survey_answers": 80, "requests": 60, "events": 20_000}


@pytest.fixture(scope="module", params=BACKENDS)
def demo_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The demo commits (it imports through the real importers): a database of its own."""
    with fresh_database(request.param, tmp_path_factory.mktemp("demo")) as engine:
        yield engine


@pytest.fixture(scope="module")
def built(demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    """One small demo, built once per backend for the tests that only read it."""
    data = tmp_path_factory.mktemp("demo-data")
    _build(demo_engine, data, "demo")
    return demo_engine, data


def _build(engine: Engine, data_dir: Path, slug: str, seed: int = 7) -> uuid.UUID:
    with session_scope(engine) as session:
        actor = users.actor_for(users.ensure(session, "demo@example.com"))
    build(engine, data_dir=data_dir, actor=actor, options=DemoOptions(as_of=AS_OF, seed=seed, slug=slug, **SMALL))
    with session_scope(engine) as session:
        return session.scalars(sa.select(Workspace.id).where(Workspace.slug == slug)).one()


def _texts(engine: Engine, workspace_id: uuid.UUID) -> list[tuple[str, str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(Evidence.external_id, Evidence.title, Evidence.text, Evidence.occurred_at)
            .where(Evidence.workspace_id == workspace_id)
            .order_by(Evidence.external_id)
        ).all()
    return [(a, b, c, d.isoformat()) for a, b, c, d in rows]


def test_same_seed_and_date_give_the_same_company(demo_engine: Engine, tmp_path: Path) -> None:
    first = _texts(demo_engine, _build(demo_engine, tmp_path / "1", "first"))
    second = _texts(demo_engine, _build(demo_engine, tmp_path / "2", "second"))
    third = _texts(demo_engine, _build(demo_engine, tmp_path / "3", "third", seed=8))
    assert first == second
    assert first != third
    assert [row[0] for row in first if row[0].startswith("ZD-")] == [
        row[0] for row in third if row[0].startswith("ZD-")
    ]


def test_rebuilding_replaces_the_demo_but_never_a_real_workspace(demo_engine: Engine, tmp_path: Path) -> None:
    _build(demo_engine, tmp_path, "again")
    _build(demo_engine, tmp_path, "again")
    with session_scope(demo_engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Workspace).where(Workspace.slug == "again")) == 1
        make_workspace(session, make_actor(session), slug="real")
    with pytest.raises(Conflict, match="not a demo"):
        _build(demo_engine, tmp_path, "real")
    events = pq.read_table(tmp_path / "workspaces" / "again" / "events")
    assert events.num_rows == len(set(events.column("event_key").to_pylist()))  # the old demo's events are gone


def test_the_demo_is_imported_from_exports_with_the_presets(built: tuple[Engine, Path]) -> None:
    engine, data = built
    exports = data / "workspaces" / "demo" / "exports"
    assert sorted(p.name for p in exports.iterdir()) == [
        "crm-accounts.csv",
        "interviews",
        "nps-answers.csv",
        "requests.csv",
        "usage-events.parquet",
        "zendesk-tickets.csv",
    ]
    with session_scope(engine) as session:
        workspace = session.scalars(sa.select(Workspace).where(Workspace.slug == "demo")).one()
        runs = session.scalars(
            sa.select(Source).where(Source.workspace_id == workspace.id).order_by(Source.number)
        ).all()
        assert [(r.source_key, r.file_name, r.status, r.quarantined_count) for r in runs] == [
            ("crm", "crm-accounts.csv", SourceStatus.COMPLETED, 0),
            ("zendesk", "zendesk-tickets.csv", SourceStatus.COMPLETED, 0),
            ("interviews", "interviews", SourceStatus.COMPLETED, 0),
            ("nps", "nps-answers.csv", SourceStatus.COMPLETED, 0),
            ("requests", "requests.csv", SourceStatus.COMPLETED, 0),
            ("product", "usage-events.parquet", SourceStatus.COMPLETED, 0),
        ]
        assert [r.new_count for r in runs] == [
            SMALL["accounts"] + 4,
            SMALL["tickets"],
            SMALL["interviews"],
            SMALL["survey_answers"],
            SMALL["requests"],
            runs[-1].rows_read,
        ]
        northwind = session.scalars(
            sa.select(Account).where(Account.workspace_id == workspace.id, Account.name == "Northwind Freight")
        ).one()
        assert (northwind.external_id, northwind.segment) == ("PRO-0001", "Enterprise")
        people = session.scalar(
            sa.select(sa.func.count()).select_from(Person).where(Person.workspace_id == workspace.id)
        )
        assert people > SMALL["accounts"]
    importer_again = import_file(
        engine,
        workspace_id=workspace.id,
        path=exports / "zendesk-tickets.csv",
        mapping=mappings.preset("zendesk"),
        actor=make_import_actor(engine),
        options=ImportOptions(data_dir=data),
    )
    assert (importer_again.counts.unchanged_count, importer_again.counts.new_count) == (SMALL["tickets"], 0)


def test_the_running_example_is_in_the_records(built: tuple[Engine, Path]) -> None:
    engine, _ = built
    with session_scope(engine) as session:
        workspace = session.scalars(sa.select(Workspace).where(Workspace.slug == "demo")).one()
        root = problems.get(session, workspace, "P-1")
        assert root.status == ProblemStatus.VALIDATED
        assert "rebuild" in root.title
        counts = links.counts(session, root)
        assert counts["supports"] >= 10
        assert counts["contradicts"] >= 1
        assert counts["symptom"] >= 1
        contradicting = [link for link in links.list_(session, root) if link.role == LinkRole.CONTRADICTS]
        said_fine, _ = interviews.TOPICS["reporting_fine"]
        assert contradicting
        assert all(link.target_title in said_fine for link in contradicting)
        hack, pipeline, templates = (bets.get(session, workspace, key) for key in ("B-1", "B-2", "B-3"))
        assert hack.option_set_id == pipeline.option_set_id == templates.option_set_id is not None
        assert (hack.effort_high_weeks or 0) <= 3 < (pipeline.effort_low_weeks or 0)
        assert hack.feasibility["risk"] == "high"
        assert hack.viability["revenue_at_stake"] == 180000
        decision = decisions.get(session, workspace, "D-1")
        detail = decisions.detail(session, decision)
        assert decision.status == DecisionStatus.ACCEPTED
        assert len(detail.options) == 3
        assert "Northwind" in " ".join(decision.non_goals)
        assert detail.summary.startswith("In the context of")
        assert "we decided for Templates now" in detail.summary
        assert len(signals.list_(session, workspace, decision="D-1").items) == 2
        northwind = session.scalars(
            sa.select(Request).where(Request.workspace_id == workspace.id).order_by(Request.number)
        ).first()
        assert northwind is not None
        assert northwind.disposition == Disposition.NOT_YET
        assert "D-1" in northwind.explanation
        assert northwind.reevaluate_on is not None
        assert northwind.deal_value == 180_000
        merged = session.scalars(sa.select(Request).where(Request.merged_into_id == northwind.id)).all()
        assert len(merged) >= 2


def test_evidence_has_every_kind_with_provenance(built: tuple[Engine, Path]) -> None:
    engine, _ = built
    with session_scope(engine) as session:
        workspace = session.scalars(sa.select(Workspace).where(Workspace.slug == "demo")).one()
        kinds = Counter(session.scalars(sa.select(Evidence.kind).where(Evidence.workspace_id == workspace.id)))
        assert kinds[EvidenceKind.TICKET] == SMALL["tickets"]
        assert kinds[EvidenceKind.INTERVIEW_NOTE] == SMALL["interviews"]
        assert kinds[EvidenceKind.QUOTE] >= 2 * SMALL["interviews"]
        assert kinds[EvidenceKind.SURVEY_RESPONSE] == SMALL["survey_answers"]
        assert kinds[EvidenceKind.REQUEST] == SMALL["requests"]
        quotes = session.scalars(
            sa.select(Evidence).where(Evidence.workspace_id == workspace.id, Evidence.kind == EvidenceKind.QUOTE)
        ).all()
        parents = {q.parent_id for q in quotes}
        notes = {n.id: n for n in session.scalars(sa.select(Evidence).where(Evidence.id.in_(parents)))}
        assert all(q.text in notes[q.parent_id].text for q in quotes)  # quotes are verbatim from their note
        assert all(q.person_id is not None and q.person_id == notes[q.parent_id].person_id for q in quotes)
        tickets_ = session.scalars(
            sa.select(Evidence).where(Evidence.workspace_id == workspace.id, Evidence.kind == EvidenceKind.TICKET)
        ).all()
        assert all(t.account_id is not None and t.source_id is not None for t in tickets_)


def test_ticket_text_reads_like_people_wrote_it() -> None:
    rng = random.Random(11)
    made = [tickets.compose(rng, rng.choice(tickets.TOPICS), "Dana") for _ in range(2000)]
    bodies = [t.body for t in made]
    assert len(set(bodies)) / len(bodies) > 0.97  # paraphrases, not copies
    per_topic = Counter(t.topic for t in made)
    assert len(per_topic) == len(tickets.TOPICS) >= 15
    misspelled = sum(any(f" {typo} " in f" {b.lower()} " for typo in noise.MISSPELLINGS.values()) for b in bodies)
    assert misspelled > 40
    lowercase = sum(b == b.lower() for b in bodies)
    assert 50 < lowercase < 600
    mixed = sum(any(m.strip() in b for m in tickets.MIXERS) for b in bodies)
    assert 100 < mixed < 450
    lengths = [len(b.split()) for b in bodies]
    assert min(lengths) < 15
    assert max(lengths) > 50


def test_typos_change_some_words_not_all() -> None:
    rng = random.Random(1)
    text = "the weekly report export is definitely separate from the dashboard because reasons " * 20
    changed = noise.typos(rng, text, rate=0.1)
    words, typo_words = text.split(), changed.split()
    differences = sum(a != b for a, b in zip(words, typo_words, strict=True))
    assert 0.05 * len(words) < differences < 0.2 * len(words)


def test_events_show_weekly_exports_without_a_return_to_reports(tmp_path: Path) -> None:
    accounts = company.accounts(random.Random(5), 80)
    stats = events.generate(accounts, seed=5, as_of=AS_OF, target=150_000, path=tmp_path / "events.parquet")
    table = pq.read_table(stats.path)
    assert table.column_names == ["event_id", "timestamp", "user_id", "account_id", "event", "properties"]
    assert stats.rows == table.num_rows
    assert 140_000 < stats.rows < 175_000
    times = table.column("timestamp").to_numpy()
    assert (np.diff(times.astype("int64")) >= 0).all()
    rebuilders = {a.external_id for a in accounts if a.rebuilder}
    is_rebuilder = pc.is_in(table.column("account_id"), value_set=__import__("pyarrow").array(sorted(rebuilders)))
    monday = pc.equal(pc.day_of_week(table.column("timestamp")), 0)
    name = table.column("event")

    def share(event: str, mask: object) -> float:
        selected = pc.filter(name, mask)
        return pc.sum(pc.equal(selected, event)).as_py() / max(len(selected), 1)

    rebuilder_monday_exports = share("export_csv", pc.and_(is_rebuilder, monday))
    others_monday_exports = share("export_csv", pc.and_(pc.invert(is_rebuilder), monday))
    rebuilder_week_views = share("report_viewed", pc.and_(is_rebuilder, pc.invert(monday)))
    others_week_views = share("report_viewed", pc.and_(pc.invert(is_rebuilder), pc.invert(monday)))
    assert rebuilder_monday_exports > 3 * others_monday_exports
    assert rebuilder_week_views < 0.8 * others_week_views
    failed = pc.sum(pc.match_substring(table.column("properties"), '"status": "failed"')).as_py()
    queries = pc.sum(pc.equal(name, "query_run")).as_py()
    assert 0.02 < failed / queries < 0.06
    assert re.fullmatch(r"u\d{4}-\d{3}", table.column("user_id")[0].as_py())


def test_a_small_event_target_gives_about_that_many_events(tmp_path: Path) -> None:
    accounts = company.accounts(random.Random(5), 80)
    stats = events.generate(accounts, seed=5, as_of=AS_OF, target=5_000, path=tmp_path / "events.parquet")
    assert 3_000 < stats.rows < 8_000


def test_every_demo_metric_computes_and_charts(built: tuple[Engine, Path], tmp_path: Path) -> None:
    from grounded.metrics import catalogue, charts
    from grounded.metrics import compute as metrics

    engine, _ = built
    with session_scope(engine) as session:
        workspace = session.scalars(sa.select(Workspace).where(Workspace.slug == "demo")).one()
        keys = [m.key for m in catalogue.list_(session, workspace).items]
        assert len(keys) == 14
        found = {}
        for key in keys:
            result = metrics.compute(session, workspace, key)
            headline = [v.value for v in result.headline() if v.value is not None]
            assert headline, f"{key} has no value"
            found[key] = headline
            chart = charts.save(charts.draw(result.spec, result.values), tmp_path / f"{key}.svg")
            assert chart.stat().st_size > 1_000
        assert all(v > 0 for v in found["weekly_report_views"])
        assert all(0 <= v <= 100 for v in found["spreadsheet_rebuild_rate"])
        assert all(-100 <= v <= 100 for v in found["nps"])
        assert all(0 < v <= 100 for v in found["monthly_stickiness"])
        # the derived rate is 100 minus the funnel it is defined on, period by period
        funnel = found["csv_export_report_return"]
        assert [round(100 - v, 9) for v in funnel] == [round(v, 9) for v in found["spreadsheet_rebuild_rate"]]
        stored = catalogue.values(session, catalogue.get(session, workspace, "weekly_report_views"))
        assert [v.value for v in stored if not v.detail] == [float(v) for v in found["weekly_report_views"]]

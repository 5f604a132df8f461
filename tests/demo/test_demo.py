"""The demo company: deterministic, realistic enough to need real synthesis, and telling
the running example (a sales ask hiding a reporting problem)."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.bet import service as bets
from grounded.decision import service as decisions
from grounded.decision import signals
from grounded.demo import company, events, interviews, noise, tickets
from grounded.demo.build import DemoOptions, build
from grounded.errors import Conflict
from grounded.models import Evidence, Request, Workspace
from grounded.models.enums import DecisionStatus, Disposition, EvidenceKind, LinkRole, ProblemStatus
from grounded.problem import links
from grounded.problem import service as problems
from tests.factories import make_actor, make_workspace

AS_OF = date(2026, 11, 26)
SMALL = {"accounts": 60, "tickets": 600, "interviews": 10, "survey_answers": 80, "requests": 60, "events": 20_000}


def _build(session: Session, tmp_path: Path, slug: str, seed: int = 7) -> Workspace:
    build(
        session,
        data_dir=tmp_path,
        actor=make_actor(session),
        options=DemoOptions(as_of=AS_OF, seed=seed, slug=slug, **SMALL),
    )
    return session.scalars(sa.select(Workspace).where(Workspace.slug == slug)).one()


def _texts(session: Session, workspace: Workspace) -> list[tuple[str, str, str, str]]:
    rows = session.execute(
        sa.select(Evidence.external_id, Evidence.title, Evidence.text, Evidence.occurred_at)
        .where(Evidence.workspace_id == workspace.id)
        .order_by(Evidence.external_id)
    ).all()
    return [(a, b, c, d.isoformat()) for a, b, c, d in rows]


def test_same_seed_and_date_give_the_same_company(session: Session, tmp_path: Path) -> None:
    first = _texts(session, _build(session, tmp_path, "first"))
    second = _texts(session, _build(session, tmp_path, "second"))
    third = _texts(session, _build(session, tmp_path, "third", seed=8))
    assert first == second
    assert first != third
    assert [row[0] for row in first if row[0].startswith("ZD-")] == [
        row[0] for row in third if row[0].startswith("ZD-")
    ]


def test_rebuilding_replaces_the_demo_but_never_a_real_workspace(session: Session, tmp_path: Path) -> None:
    _build(session, tmp_path, "demo")
    _build(session, tmp_path, "demo")
    assert session.scalar(sa.select(sa.func.count()).select_from(Workspace).where(Workspace.slug == "demo")) == 1
    make_workspace(session, make_actor(session), slug="real")
    with pytest.raises(Conflict, match="not a demo"):
        _build(session, tmp_path, "real")


def test_the_running_example_is_in_the_records(session: Session, tmp_path: Path) -> None:
    workspace = _build(session, tmp_path, "demo")
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
    merged = session.scalars(sa.select(Request).where(Request.merged_into_id == northwind.id)).all()
    assert len(merged) >= 2


def test_evidence_has_every_kind_with_provenance(session: Session, tmp_path: Path) -> None:
    workspace = _build(session, tmp_path, "demo")
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
    notes = {n.id: n.text for n in session.scalars(sa.select(Evidence).where(Evidence.id.in_(parents)))}
    assert all(q.text in notes[q.parent_id] for q in quotes)  # quotes are verbatim from their note


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
    assert table.column_names == ["event_id", "occurred_at", "user_id", "account_id", "event", "properties"]
    assert stats.rows == table.num_rows
    assert 140_000 < stats.rows < 175_000
    times = table.column("occurred_at").to_numpy()
    assert (np.diff(times.astype("int64")) >= 0).all()
    rebuilders = {a.external_id for a in accounts if a.rebuilder}
    is_rebuilder = pc.is_in(table.column("account_id"), value_set=__import__("pyarrow").array(sorted(rebuilders)))
    monday = pc.equal(pc.day_of_week(table.column("occurred_at")), 0)
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

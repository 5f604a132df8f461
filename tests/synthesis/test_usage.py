"""Usage on the do side of say vs do: the metrics a team tied to a problem (bets, their
outcomes, decision signals) or to a theme through its problems, computed over a small
event store whose weekly figures are worked out by hand; a metric that cannot be computed
is reported, never fatal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.decision import signals
from grounded.decision.schemas import SignalCreate
from grounded.metrics import compute, event_sources
from grounded.metrics.schemas import EventSourceCreate
from grounded.models import EvidenceTheme, Metric, Theme, ThemeRun, Workspace
from grounded.models.enums import RunStatus
from grounded.planning import outcomes
from grounded.planning.schemas import OutcomeCreate
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate
from grounded.synthesis import usage
from grounded.synthesis.trend import Trend
from tests.factories import (
    make_actor,
    make_bet,
    make_decision,
    make_evidence,
    make_metric,
    make_problem,
    make_workspace,
)

MONDAY = date(2026, 1, 5)
#: Exports per week, weeks 0-9 complete; week 10 has only its Monday, so it is partial.
EXPORTS = [9, 9, 2, 3, 2, 3, 5, 6, 5, 6, 7]
#: Report views per week: the four weeks before the last four and the last four have the same mean.
VIEWS = [10, 10, 10, 11, 10, 11, 11, 10, 11, 10, 4]


def write_events(path: Path) -> Path:
    """Each week's events on its Monday at 09:00 (and one event a minute after)."""
    rows = []
    for week, (exports, views) in enumerate(zip(EXPORTS, VIEWS, strict=True)):
        day = datetime.combine(MONDAY + timedelta(weeks=week), datetime.min.time(), tzinfo=UTC)
        moment = day + timedelta(hours=9)
        rows += [("u1", "A", "export_csv", moment + timedelta(minutes=n)) for n in range(exports)]
        rows += [("u2", "A", "report_viewed", moment + timedelta(minutes=n)) for n in range(views)]
    table = pa.table(
        {
            "user_id": [r[0] for r in rows],
            "account_id": [r[1] for r in rows],
            "event": [r[2] for r in rows],
            "occurred_at": pa.array([r[3] for r in rows], type=pa.timestamp("us", tz="UTC")),
            "properties": ["{}"] * len(rows),
        }
    )
    pq.write_table(table, path)
    return path


def with_store(session: Session, workspace: Workspace, actor: Actor, location: Path | str) -> None:
    event_sources.create(
        session,
        workspace,
        actor=actor,
        data=EventSourceCreate(name="events", kind="parquet", location=str(location), is_default=True),
    )


def metrics(session: Session, workspace: Workspace, actor: Actor) -> None:
    make_metric(
        session,
        workspace,
        actor,
        key="weekly_exports",
        name="Weekly exports",
        unit="exports",
        good_direction="down",
        definition={"events": ["export_csv"], "period": "week"},
    )
    make_metric(
        session,
        workspace,
        actor,
        key="weekly_views",
        name="Weekly views",
        unit="views",
        definition={"events": ["report_viewed"], "period": "week"},
    )


def tied_problem(session: Session, workspace: Workspace, actor: Actor) -> str:
    """P-1 with a bet measured by weekly_exports, the bet's outcome on weekly_views, and a
    decision between that bet and another whose signal watches weekly_exports."""
    problem = make_problem(session, workspace, actor)
    outcome = outcomes.create(
        session,
        workspace,
        actor=actor,
        data=OutcomeCreate(title="Read in the product", period="2026-Q1", metric="weekly_views"),
    )
    bet = make_bet(session, workspace, actor, problems=[problem.key], metric="weekly_exports", outcome=outcome.key)
    other = make_bet(session, workspace, actor, problems=[problem.key])
    decision = make_decision(
        session, workspace, actor, options=[{"title": "Bet", "bet": bet.key}, {"title": "Other", "bet": other.key}]
    )
    signals.create(
        session,
        workspace,
        actor=actor,
        data=SignalCreate(
            decision=decision.key, name="Exports keep rising", metric="weekly_exports", comparator=">", threshold=8
        ),
    )
    make_bet(session, workspace, actor, metric="weekly_views")  # answers no problem: not tied to P-1
    return problem.key


@pytest.fixture
def ready(session: Session, tmp_path: Path) -> tuple[Workspace, Actor]:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metrics(session, workspace, actor)
    with_store(session, workspace, actor, write_events(tmp_path / "events.parquet"))
    return workspace, actor


def _for_problem(session: Session, workspace: Workspace, key: str) -> dict[str, usage.Usage]:
    found = usage.for_problem(session, workspace, problems.get(session, workspace, key))
    return {u.metric: u for u in found.metrics}


def test_a_problem_reads_the_metrics_of_its_bets_outcomes_and_signals(
    session: Session, ready: tuple[Workspace, Actor]
) -> None:
    workspace, actor = ready
    key = tied_problem(session, workspace, actor)
    found = _for_problem(session, workspace, key)
    assert sorted(found) == ["weekly_exports", "weekly_views"]
    exports, views = found["weekly_exports"], found["weekly_views"]
    assert exports.via == ["bet B-1", "signal S-1 (decision D-1)"]
    assert views.via == ["outcome O-1 (bets B-1)"]
    assert (exports.period, exports.engine, exports.unavailable) == ("week", "duckdb", None)
    assert isinstance(exports.trend, Trend)
    # weeks 2-5 (2, 3, 2, 3) against weeks 6-9 (5, 6, 5, 6); week 10 has only its Monday
    assert [p.value for p in exports.trend.before] == [2, 3, 2, 3]
    assert [p.value for p in exports.trend.recent] == [5, 6, 5, 6]
    assert exports.trend.before[0].period_start == date(2026, 1, 19)
    assert exports.trend.recent[-1].period_end == date(2026, 3, 15)
    assert exports.reading == "worse"  # exports should go down
    assert views.trend is not None
    assert [p.value for p in views.trend.before] == [10, 11, 10, 11]
    assert [p.value for p in views.trend.recent] == [11, 10, 11, 10]
    assert views.reading == "steady"
    side = usage.for_problem(session, workspace, problems.get(session, workspace, key))
    assert side.reading == "worse"  # one worse, none better
    assert usage.summary(side) == "usage getting worse: Weekly exports 2.5 → 5.5 exports"
    assert side.as_dict()["metrics"][0]["trend"]["before_mean"] == 2.5


def test_the_figures_are_those_metric_compute_gives(session: Session, ready: tuple[Workspace, Actor]) -> None:
    workspace, actor = ready
    tied_problem(session, workspace, actor)
    computed = compute.compute(session, workspace, "weekly_exports", store=False)
    assert [v.value for v in computed.headline()] == [float(n) for n in EXPORTS]
    found = _for_problem(session, workspace, "P-1")["weekly_exports"]
    assert found.trend is not None
    assert [p.value for p in found.trend.recent] == [float(n) for n in EXPORTS[6:10]]
    assert not session.scalars(sa.select(sa.func.count()).select_from(sa.text("metric_value"))).one()  # nothing stored


def test_a_problem_with_no_tied_metric_has_no_usage(session: Session, ready: tuple[Workspace, Actor]) -> None:
    workspace, actor = ready
    problem = make_problem(session, workspace, actor)
    make_bet(session, workspace, actor, problems=[problem.key])  # a bet without a metric or outcome
    side = usage.for_problem(session, workspace, problem)
    assert side.metrics == []
    assert side.reading is None
    assert usage.summary(side) == ""


def test_without_an_event_store_usage_is_unavailable(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metrics(session, workspace, actor)
    key = tied_problem(session, workspace, actor)
    found = _for_problem(session, workspace, key)
    for item in found.values():
        assert item.trend is None
        assert item.unavailable is not None
        assert item.unavailable.startswith("this workspace has no event source")
    side = usage.for_problem(session, workspace, problems.get(session, workspace, key))
    assert side.reading is None
    assert usage.summary(side) == "usage unknown: none of its 2 linked metrics could be read"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a parquet file", "could not be read"),
        (None, "holds no event files"),
    ],
)
def test_an_event_store_that_cannot_be_read_is_reported(
    session: Session, tmp_path: Path, content: bytes | None, message: str
) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metrics(session, workspace, actor)
    path = tmp_path / "events.parquet"
    if content is not None:
        path.write_bytes(content)
    with_store(session, workspace, actor, path)
    key = tied_problem(session, workspace, actor)
    for item in _for_problem(session, workspace, key).values():
        assert item.unavailable is not None
        assert message in item.unavailable


def test_a_broken_definition_spoils_only_its_own_metric(session: Session, ready: tuple[Workspace, Actor]) -> None:
    workspace, actor = ready
    key = tied_problem(session, workspace, actor)
    session.execute(
        sa.update(Metric)
        .where(Metric.workspace_id == workspace.id, Metric.key == "weekly_views")
        .values(definition={"events": ["report_viewed"], "period": "fortnight"})
    )
    session.expire_all()
    found = _for_problem(session, workspace, key)
    assert found["weekly_views"].unavailable is not None
    assert "metric weekly_views" in found["weekly_views"].unavailable
    assert "period" in found["weekly_views"].unavailable
    assert found["weekly_exports"].reading == "worse"


def test_an_engine_error_of_any_kind_is_reported(
    session: Session, ready: tuple[Workspace, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, actor = ready
    key = tied_problem(session, workspace, actor)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection reset by peer\nmore detail")

    monkeypatch.setattr(compute, "compute", broken)
    found = _for_problem(session, workspace, key)
    assert found["weekly_exports"].unavailable == "RuntimeError: connection reset by peer"
    session.execute(sa.select(1))  # the session is still usable


def test_a_survey_metric_is_not_usage(session: Session, ready: tuple[Workspace, Actor]) -> None:
    workspace, actor = ready
    make_metric(session, workspace, actor, key="nps", name="NPS", kind="nps", definition={"period": "month"})
    problem = make_problem(session, workspace, actor)
    make_bet(session, workspace, actor, problems=[problem.key], metric="nps")
    [found] = usage.for_problem(session, workspace, problem).metrics
    assert found.unavailable == "nps is read from survey answers: what people say, not what they do"


def test_too_few_complete_periods(session: Session, tmp_path: Path) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metrics(session, workspace, actor)
    path = tmp_path / "few.parquet"
    table = pq.read_table(write_events(tmp_path / "all.parquet"))
    pq.write_table(
        table.filter(pa.compute.less(table["occurred_at"], pa.scalar(datetime(2026, 2, 9, tzinfo=UTC)))), path
    )
    with_store(session, workspace, actor, path)
    key = tied_problem(session, workspace, actor)
    found = _for_problem(session, workspace, key)["weekly_exports"]
    # events in weeks 0-4; the last (Monday 02-02) ends the range, so week 4 is partial
    assert found.unavailable == "4 complete weeks with a value; a trend needs 8"


def test_a_theme_reads_the_metrics_of_the_problems_its_members_are_linked_to(
    session: Session, ready: tuple[Workspace, Actor]
) -> None:
    workspace, actor = ready
    key = tied_problem(session, workspace, actor)
    ticket = make_evidence(session, workspace, actor, text="We export every Monday and rebuild the sheet.")
    run = ThemeRun(workspace_id=workspace.id, number=1, model="minilm", model_version="m/1", status=RunStatus.COMPLETED)
    session.add(run)
    session.flush()
    theme = Theme(workspace_id=workspace.id, run_id=run.id, number=1, label="export / rebuild", size=1)
    other = Theme(workspace_id=workspace.id, run_id=run.id, number=2, label="sso", size=0)
    session.add_all([theme, other])
    session.flush()
    child, sibling = (
        Theme(workspace_id=workspace.id, run_id=run.id, number=n, label=f"sso {n}", parent_id=other.id) for n in (3, 4)
    )
    session.add_all([child, sibling])
    session.add(EvidenceTheme(workspace_id=workspace.id, evidence_id=ticket.id, theme_id=theme.id, distance=0.1))
    session.flush()

    def link(target: str) -> None:
        problem = problems.get(session, workspace, key)
        links.link(session, workspace, problem, actor=actor, data=ProblemLinkCreate(target=target))

    assert usage.for_theme(session, workspace, theme).metrics == []  # not linked yet
    link(ticket.key)  # a member of the theme
    assert [p.key for p in usage.theme_problems(session, theme)] == [key]
    found = {u.metric: u for u in usage.for_theme(session, workspace, theme).metrics}
    assert found["weekly_exports"].via == [f"{key} → bet B-1", f"{key} → signal S-1 (decision D-1)"]
    assert found["weekly_exports"].reading == "worse"
    assert usage.theme_problems(session, other) == []
    link(child.key)
    assert [p.key for p in usage.theme_problems(session, child)] == [key]  # the theme itself
    assert [p.key for p in usage.theme_problems(session, other)] == [key]  # one of its sub-themes
    assert usage.theme_problems(session, sibling) == []  # a sibling is another theme
    link(other.key)
    assert [p.key for p in usage.theme_problems(session, sibling)] == [key]  # its parent


def test_the_usage_side_reads_the_balance_of_its_metrics() -> None:
    def one(reading: str | None) -> usage.Usage:
        item = usage.Usage("m", "M", "", "up", [])
        if reading:
            item.trend = Trend(reading, [], [], 1.0, 1.0, 0.0, 0.0, 0.0)
        return item

    side = usage.UsageSide
    assert side([one("worse"), one("better")]).reading == "mixed"
    assert side([one("worse"), one("better"), one("worse")]).reading == "worse"
    assert side([one("better"), one("steady")]).reading == "better"
    assert side([one("steady"), one(None)]).reading == "steady"
    assert side([one(None)]).reading is None

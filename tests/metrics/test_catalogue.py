"""The metric catalogue: one definition per key, versioned when its meaning changes."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.errors import Conflict, InvalidInput, NotFound
from grounded.metrics import catalogue, event_sources
from grounded.metrics.schemas import EventSourceCreate, MetricCreate, MetricUpdate, MetricValueCreate
from tests.factories import make_actor, make_metric, make_workspace


def test_meaning_changes_make_versions_and_values_keep_theirs(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metric = make_metric(session, workspace, actor, key="weekly_exports", definition={"event": "export_csv"})
    first = catalogue.record_value(
        session,
        workspace,
        metric,
        data=MetricValueCreate(period_start=date(2026, 11, 2), period_end=date(2026, 11, 8), value=120),
    )
    catalogue.update(session, metric, data=MetricUpdate(name="Weekly CSV exports"), actor=actor)
    assert metric.version == 1
    catalogue.update(
        session, metric, data=MetricUpdate(definition={"event": "export_csv", "period": "day"}), actor=actor
    )
    assert metric.version == 2
    catalogue.record_value(
        session,
        workspace,
        metric,
        data=MetricValueCreate(period_start=date(2026, 11, 9), period_end=date(2026, 11, 15), value=80),
    )
    # Definitions are stored as their spec reads them: every choice written out.
    assert [
        (v.version, v.definition["events"], v.definition["period"]) for v in catalogue.versions(session, metric)
    ] == [
        (1, ["export_csv"], "week"),
        (2, ["export_csv"], "day"),
    ]
    assert [v.value for v in catalogue.values(session, metric, version=1)] == [120]
    assert first.metric_version == 1


def test_keys_are_unique_and_well_formed(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_metric(session, workspace, actor, key="nps")
    with pytest.raises(Conflict, match="'nps' already exists"):
        make_metric(session, workspace, actor, key="nps")
    with pytest.raises(ValidationError, match="key"):
        MetricCreate(key="Weekly Exports", name="x", kind="count")
    with pytest.raises(NotFound, match="metric missing"):
        catalogue.get(session, workspace, "missing")


def test_value_periods_run_forwards() -> None:
    with pytest.raises(ValidationError, match="before period_start"):
        MetricValueCreate(period_start=date(2026, 2, 1), period_end=date(2026, 1, 1), value=1)


def test_one_default_event_source(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    first = event_sources.create(
        session,
        workspace,
        actor=actor,
        data=EventSourceCreate(name="events", kind="parquet", location="/data/events.parquet", is_default=True),
    )
    second = event_sources.create(
        session,
        workspace,
        actor=actor,
        data=EventSourceCreate(name="warehouse", kind="ibis", location="duckdb:///w.db", is_default=True),
    )
    session.refresh(first)
    assert (first.is_default, second.is_default) == (False, True)
    found = event_sources.default(session, workspace)
    assert found is not None
    assert found.name == "warehouse"


def test_a_definition_that_is_not_a_valid_spec_is_refused(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    with pytest.raises(InvalidInput, match="distinct is not a field of this kind"):
        make_metric(session, workspace, actor, key="exports", definition={"event": "x", "distinct": "account"})
    metric = make_metric(
        session, workspace, actor, key="funnel_ok", kind="funnel", definition={"steps": ["a", "b"], "window": "7d"}
    )
    with pytest.raises(InvalidInput, match="at least two steps"):
        catalogue.update(session, metric, data=MetricUpdate(definition={"steps": ["a"], "window": "7d"}), actor=actor)
    assert metric.version == 1


def test_a_metrics_sql_is_compiled_afresh_when_its_definition_changes(session: Session) -> None:
    from grounded.metrics import compute

    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    metric = make_metric(session, workspace, actor, key="weekly_exports", definition={"event": "export_csv"})
    since, until = date(2026, 1, 1), date(2026, 4, 1)
    first = compute.sql(session, workspace, metric.key, dialect="duckdb", since=since, until=until)
    fresh = compute.compile_sql(catalogue.spec_of(metric), compute.abstract_frame("duckdb", since, until), "duckdb")
    assert first == fresh
    assert "export_csv" in first[0]
    assert compute.sql(session, workspace, metric.key, dialect="duckdb", since=since, until=until) == first
    catalogue.update(session, metric, data=MetricUpdate(definition={"event": "export_pdf"}), actor=actor)
    second = compute.sql(session, workspace, metric.key, dialect="duckdb", since=since, until=until)
    assert "export_pdf" in second[0]
    assert "export_csv" not in second[0]
    assert compute.sql(session, workspace, metric.key, dialect="postgres", since=since, until=until) != second

"""A metric's page draws the values stored now: its chart is kept between requests, and a
recompute, a new version or a rename shows a new chart at once (nothing stale is served)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from grounded.metrics import catalogue, charts
from grounded.metrics.schemas import MetricUpdate, MetricValueCreate
from grounded.models.enums import Role
from grounded.web.views.metrics import _value
from grounded.workspace import service as workspaces
from tests.factories import make_actor, make_metric
from tests.web.conftest import World

CHART = re.compile(r'<figure class="chart">(<svg.*?</svg>)', re.DOTALL)
MONDAY = date(2026, 1, 5)


def _record(world: World, key: str, counts: dict[int, float]) -> None:
    """Store a value for each week number (a recompute writes the week's value anew)."""
    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        metric = catalogue.get(session, workspace, key)
        for week, count in counts.items():
            start = MONDAY + timedelta(weeks=week)
            for old in catalogue.values(session, metric, version=metric.version):
                if old.period_start == start:
                    session.delete(old)
            session.flush()
            data = MetricValueCreate(period_start=start, period_end=start + timedelta(days=6), value=count)
            catalogue.record_value(session, workspace, metric, data=data)
        session.commit()


def _fresh(world: World, key: str) -> str:
    """The chart drawn now, from the database, with no cache in between."""
    with Session(world.engine) as session:
        metric = catalogue.get(session, workspaces.get(session, world.slug), key)
        values = [_value(v) for v in catalogue.values(session, metric, version=metric.version)]
        text = charts.svg(charts.draw(catalogue.spec_of(metric), values))
    return text[text.find("<svg") :].rstrip()


def _shown(viewer: TestClient, world: World, key: str) -> str:
    page = viewer.get(f"/w/{world.slug}/metrics/{key}")
    assert page.status_code == 200, page.text[:500]
    found = CHART.search(page.text)
    assert found, "the metric page shows its chart"
    return found.group(1)


def test_the_page_shows_the_chart_of_the_values_stored_now(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    with Session(world.engine) as session:
        actor = make_actor(session)
        metric = make_metric(
            session, workspaces.get(session, world.slug), actor, key="report_views", name="Report views"
        )
        key = metric.key
        session.commit()
    _record(world, key, {0: 3, 1: 5, 2: 8})
    first = _shown(viewer, world, key)
    assert first == _fresh(world, key)
    assert _shown(viewer, world, key) == first

    _record(world, key, {2: 21})  # recomputed: as many values, week 2's changed
    second = _shown(viewer, world, key)
    assert second != first
    assert second == _fresh(world, key)
    _record(world, key, {3: 34})  # a week more
    assert _shown(viewer, world, key) == _fresh(world, key) != second

    with Session(world.engine) as session:
        metric = catalogue.get(session, workspaces.get(session, world.slug), key)
        catalogue.update(session, metric, data=MetricUpdate(name="Reports opened"), actor=make_actor(session))
        session.commit()
    renamed = _shown(viewer, world, key)
    assert "Reports opened (per week)" in renamed
    assert renamed == _fresh(world, key)

    with Session(world.engine) as session:
        metric = catalogue.get(session, workspaces.get(session, world.slug), key)
        data = MetricUpdate(definition={"event": "report_opened"})
        catalogue.update(session, metric, data=data, actor=make_actor(session))
        assert metric.version == 2
        session.commit()
    page = viewer.get(f"/w/{world.slug}/metrics/{key}")
    assert not CHART.search(page.text), "a new version has no values yet, so no chart"
    _record(world, key, {0: 1})
    assert _shown(viewer, world, key) == _fresh(world, key)

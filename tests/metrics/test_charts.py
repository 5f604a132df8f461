"""Charts for pages: the same spec and values give the same SVG text, and the page's copy
(drawn once per process) is the fresh drawing of exactly what it is asked for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grounded.metrics import charts
from grounded.metrics.results import Value
from grounded.metrics.spec import Spec, from_stored
from grounded.models.enums import MetricKind


def _spec(name: str = "Weekly report views") -> Spec:
    return from_stored("weekly_report_views", name, MetricKind.COUNT, {"event": "report_viewed"}, unit="views")


def _weeks(*counts: float) -> list[Value]:
    start = date(2026, 1, 5)
    return [
        Value(start + timedelta(weeks=n), start + timedelta(weeks=n, days=6), count, sample_size=int(count))
        for n, count in enumerate(counts)
    ]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    charts.KEPT.clear()


def test_the_svg_text_depends_only_on_what_is_drawn() -> None:
    first = charts.svg(charts.draw(_spec(), _weeks(3, 5, 8)))
    again = charts.svg(charts.draw(_spec(), _weeks(3, 5, 8)))
    assert first == again
    assert "<dc:date>" not in first
    assert "Weekly report views (per week)" in first


def test_the_page_copy_is_the_fresh_drawing_and_is_kept() -> None:
    values = _weeks(3, 5, 8)
    kept = charts.page_svg(_spec(), values)
    assert kept == charts.svg(charts.draw(_spec(), values))
    assert charts.page_svg(_spec(), list(values)) is kept


def test_new_values_or_a_renamed_metric_draw_afresh() -> None:
    before = charts.page_svg(_spec(), _weeks(3, 5, 8))
    recomputed = _weeks(3, 5, 13)
    after = charts.page_svg(_spec(), recomputed)
    assert after != before
    assert after == charts.svg(charts.draw(_spec(), recomputed))
    renamed = charts.page_svg(_spec("Report views a week"), recomputed)
    assert "Report views a week (per week)" in renamed
    assert "Weekly report views" not in renamed


def test_the_cache_keeps_the_most_recently_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts.KEPT, "size", 2)
    one, two, three = _weeks(1, 2), _weeks(2, 3), _weeks(3, 4)
    first = charts.page_svg(_spec(), one)
    second = charts.page_svg(_spec(), two)
    assert charts.page_svg(_spec(), one) is first  # now the most recent; two is the oldest
    charts.page_svg(_spec(), three)
    assert len(charts.KEPT) == 2
    assert charts.page_svg(_spec(), one) is first
    redrawn = charts.page_svg(_spec(), two)
    assert redrawn == second
    assert redrawn is not second


def test_the_digest_tells_values_and_segments_apart() -> None:
    plain = _weeks(3, 5)
    split = [
        Value(v.period_start, v.period_end, v.value, v.sample_size, segment={"account.plan": "pro"}) for v in plain
    ]
    assert charts.digest(_spec(), plain) == charts.digest(_spec(), _weeks(3, 5))
    assert charts.digest(_spec(), plain) != charts.digest(_spec(), split)
    assert charts.digest(_spec(), plain) != charts.digest(_spec(), _weeks(3, 5, 0))

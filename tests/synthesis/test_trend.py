"""Which way a metric moved: the last four complete periods against the four before, worked
out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grounded.metrics.results import Value
from grounded.synthesis import trend

MONDAY = date(2026, 1, 5)


def weeks(values: list[float | None], **extra: object) -> list[Value]:
    """One headline value per week from MONDAY."""
    out = []
    for n, value in enumerate(values):
        start = MONDAY + timedelta(weeks=n)
        out.append(Value(start, start + timedelta(days=6), value, **extra))  # type: ignore[arg-type]
    return out


def test_a_rise_of_a_metric_that_should_fall_is_worse() -> None:
    points = trend.complete(weeks([9, 9, 2, 3, 2, 3, 5, 6, 5, 6]), until=MONDAY + timedelta(weeks=10))
    found = trend.read(points, "down")
    assert found is not None
    assert found.reading == "worse"
    assert [p.value for p in found.before] == [2, 3, 2, 3]
    assert [p.value for p in found.recent] == [5, 6, 5, 6]
    assert found.before[0].period_start == date(2026, 1, 19)
    assert found.recent[-1].period_end == date(2026, 3, 15)
    assert (found.before_mean, found.recent_mean, found.change) == (2.5, 5.5, 3.0)
    assert found.relative_change == pytest.approx(1.2)
    # each window's variance is 1/3; the spread of the difference is sqrt((1/3 + 1/3) / 4)
    assert found.t == pytest.approx(3 / (1 / 6) ** 0.5)
    assert trend.read(points, "up").reading == "better"  # type: ignore[union-attr]


def test_noise_is_steady() -> None:
    # means 10 and 11 (a 10% change), but the weeks swing by 3 either way: t = 1 / sqrt(6 / 4 + 6 / 4)
    found = trend.read(trend.complete(weeks([7, 13, 10, 10, 8, 14, 11, 11]), until=date(2027, 1, 1)), "up")
    assert found is not None
    assert found.t == pytest.approx(1 / 3**0.5)
    assert found.reading == "steady"


def test_a_small_regular_change_is_steady() -> None:
    # 100 → 102 every week without fail: t is large, but 2% is under MIN_CHANGE
    found = trend.read(
        trend.complete(weeks([100, 100.5, 100, 100.5, 102, 102.5, 102, 102.5]), until=date(2027, 1, 1)), "up"
    )
    assert found is not None
    assert found.t is not None
    assert found.t > trend.T_CRITICAL
    assert found.relative_change == pytest.approx(2 / 100.25)
    assert found.reading == "steady"


def test_flat_windows_that_differ_moved() -> None:
    found = trend.read(trend.complete(weeks([0, 0, 0, 0, 4, 4, 4, 4]), until=date(2027, 1, 1)), "down")
    assert found is not None
    assert found.t is None  # no spread to compare against
    assert found.relative_change is None  # from zero
    assert found.reading == "worse"
    same = trend.read(trend.complete(weeks([4] * 8), until=date(2027, 1, 1)), "down")
    assert same is not None
    assert same.reading == "steady"


def test_partial_periods_and_periods_without_a_value_are_skipped() -> None:
    values = weeks([1, 1, 1, 1, None, 1, 1, 1, 1, 50, None])
    # the range ends on the Wednesday of week 10: it has not wholly passed
    until = MONDAY + timedelta(weeks=9, days=2)
    points = trend.complete(values, until)
    assert len(points) == 8
    assert 50 not in [p.value for p in points]
    assert date(2026, 2, 2) not in [p.period_start for p in points]  # week 5 had no value


def test_detail_and_segment_values_are_not_the_headline() -> None:
    values = weeks([1] * 8) + weeks([99] * 8, detail={"step": 2}) + weeks([77] * 8, segment={"plan": "pro"})
    points = trend.complete(values, until=date(2027, 1, 1))
    assert [p.value for p in points] == [1] * 8


def test_fewer_than_eight_complete_periods_have_no_trend() -> None:
    assert trend.read(trend.complete(weeks([1, 2, 3, 4, 5, 6, 7]), until=date(2027, 1, 1)), "up") is None

"""The conformance suite: hand-worked metric values (tests/metrics/conformance.py) computed
on every tested engine, DuckDB, ClickHouse (chdb, embedded) and Spark in local mode, must
match exactly. Under CI a missing engine is a failure, not a skip."""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from grounded.metrics import engine, results, rollups
from grounded.metrics.compile import compile_spec
from grounded.metrics.frame import Frame
from grounded.metrics.spec import parse
from grounded.models.enums import EventSourceKind
from tests.metrics import conformance as log

# Spark's Python bridge (py4j) leaves its sockets to the garbage collector.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _available(name: str) -> bool:
    import importlib.util
    import shutil

    if name == "chdb":
        return importlib.util.find_spec("chdb") is not None
    if name == "spark":
        return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
    return True


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("conformance") / "events.parquet"
    pq.write_table(log.table(), path)
    return path


@pytest.fixture(scope="module")
def late_parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log in two parts, rolled up part by part: the late rows (``log.LATE``) second,
    so the rollup's days, weeks, months and first events are updated, not built at once."""
    folder = tmp_path_factory.mktemp("late")
    location, path = str(folder / "*.parquet"), folder / "rollup" / "events.duckdb"
    everything = [*log.EVENTS, *log.DST_EVENTS, *log.MONTH_END_EVENTS]
    pq.write_table(log.table([row for row in everything if row not in log.LATE]), folder / "part-1.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    pq.write_table(log.table(log.LATE), folder / "part-2.parquet")
    report = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (report.new_parts, report.days) == (1, 4)  # 01-05, 01-11, 01-31, 02-01: only those
    return folder


@pytest.fixture(
    scope="module",
    params=["duckdb", "duckdb-rollup", "duckdb-rollup-late", "chdb", pytest.param("spark", marks=pytest.mark.slow)],
)
def events(request: pytest.FixtureRequest, events_file: Path, late_parts: Path) -> engine.Events:
    """Each engine over the log; ``duckdb-rollup`` is DuckDB with the activity rollups, so
    every metric they can answer is answered from them and must give the same numbers;
    ``duckdb-rollup-late`` the same with the rollups kept up to date as late events came."""
    name = request.param
    engine_name = name.split("-")[0]
    if not _available(engine_name):
        if os.environ.get("CI"):
            pytest.fail(f"the {name} engine is not installed; CI must run the conformance suite on it")
        pytest.skip(f"the {name} engine is not installed")
    if name == "duckdb-rollup-late":
        location = str(late_parts / "*.parquet")
        opened = engine.open_store(EventSourceKind.PARQUET, location, {})
        opened.attach_accounts(log.ACCOUNTS)
        path = late_parts / "rollup" / "events.duckdb"
        assert rollups.attach(opened, path, rollups.files_of(location)) is None
        return opened
    opened = engine.open_store(EventSourceKind.PARQUET, str(events_file), {}, engine=engine_name)
    opened.attach_accounts(log.ACCOUNTS)
    if name == "duckdb-rollup":
        path = events_file.with_name("rollup.duckdb")
        rollups.update(path, kind=EventSourceKind.PARQUET, location=str(events_file), mapping={})
        assert rollups.attach(opened, path, [str(events_file)]) is None
    return opened


def _values(
    events: engine.Events, data: dict[str, Any], since: date = log.SINCE, until: date = log.UNTIL
) -> list[results.Value]:
    spec = parse(data)
    compiled = compile_spec(spec, Frame(events.table, events.dialect, since, until, events.accounts, events.rollup))
    return results.finish(spec, compiled, events.run, since, until)


def _same(found: float | None, wanted: float | None) -> bool:
    if wanted is None or found is None:
        return found is wanted
    return math.isclose(found, wanted, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize(("name", "data", "expected"), log.HEADLINES, ids=[h[0] for h in log.HEADLINES])
def test_headline_values(
    events: engine.Events, name: str, data: dict[str, Any], expected: list[tuple[date, float | None]]
) -> None:
    found = [(v.period_start, v.value) for v in results.headline(_values(events, data))]
    assert [p for p, _ in found] == [p for p, _ in expected], name
    for (period, value), (_, wanted) in zip(found, expected, strict=True):
        assert _same(value, wanted), f"{name}, {period}: {value} ≠ {wanted}"


@pytest.mark.parametrize(("name", "data", "expected"), log.DETAILS, ids=[d[0] for d in log.DETAILS])
def test_detail_values(
    events: engine.Events, name: str, data: dict[str, Any], expected: dict[tuple[date, tuple[str, Any]], float | None]
) -> None:
    found = {
        (v.period_start, item): v.value
        for v in _values(events, data)
        for item in v.detail.items()
        if item[0] != "event"
    }
    for key, wanted in expected.items():
        assert key in found, f"{name}: no value for {key}"
        assert _same(found[key], wanted), f"{name}, {key}: {found[key]} ≠ {wanted}"


def test_rolling_active_users_day_by_day(events: engine.Events) -> None:
    values = _values(events, log.spec("active_users", rolling_days=7, period="day"))
    by_day = {v.period_start: v.value for v in values}
    assert len(values) == (log.UNTIL - log.SINCE).days
    for day, wanted in log.ROLLING.items():
        assert by_day[day] == wanted, f"{day}: {by_day[day]} ≠ {wanted}"


def test_breakdown_by_account_plan(events: engine.Events) -> None:
    values = _values(events, log.spec("count", event="open", by=["account.plan"]))
    found = {(v.segment["account.plan"], v.period_start): v.value for v in values}
    for key, wanted in log.BY_PLAN.items():
        assert found[key] == wanted, f"{key}: {found[key]} ≠ {wanted}"


def test_funnel_by_account_plan(events: engine.Events) -> None:
    data = log.spec("funnel", steps=["open", "save"], window="1d", by=["account.plan"])
    values = results.headline(_values(events, data))
    found = {(v.segment["account.plan"], v.period_start): v.value for v in values if v.value is not None}
    assert found == log.FUNNEL_BY_PLAN


def test_filter_by_account_field(events: engine.Events) -> None:
    values = _values(events, log.spec("unique", event="open", where={"account.plan": "free"}))
    # free accounts: u3 and u5 open in week 1, nobody in week 2, u3 in week 3
    assert [v.value for v in values] == [2.0, 0.0, 1.0]


def test_weeks_starting_on_sunday(events: engine.Events) -> None:
    # Sunday weeks: 01-04..01-10 holds #1 #5 #10; 01-11..01-17 holds #7 #12 #3 #8;
    # 01-18..01-24 holds #11 #14
    values = _values(events, log.spec("count", event="open", week_start="sunday"))
    assert [(v.period_start, v.value) for v in values] == [
        (date(2026, 1, 4), 3.0),
        (date(2026, 1, 11), 4.0),
        (date(2026, 1, 18), 2.0),
        (date(2026, 1, 25), 0.0),
    ]


def test_an_empty_range_gives_zero_counts_and_no_cohorts(events: engine.Events) -> None:
    since, until = date(2026, 3, 2), date(2026, 3, 16)
    counts = _values(events, log.spec("count", event="open"), since, until)
    assert [v.value for v in counts] == [0.0, 0.0]
    assert _values(events, log.spec("retention", start="open", periods=1, **{"return": "open"}), since, until) == []


def test_weeks_in_a_time_zone_across_a_daylight_saving_change(events: engine.Events) -> None:
    spec = log.spec("count", event="open", timezone=log.BERLIN)
    values = _values(events, spec, log.DST_SINCE, log.DST_UNTIL)
    assert [(v.period_start, v.value) for v in values] == log.DST_WEEKLY_OPENS


def test_days_in_a_time_zone_across_a_daylight_saving_change(events: engine.Events) -> None:
    spec = log.spec("active_users", period="day", timezone=log.BERLIN)
    values = _values(events, spec, log.DST_SINCE, log.DST_UNTIL)
    assert len(values) == 14
    assert {v.period_start: v.value for v in values if v.value} == log.DST_DAILY_ACTIVES


def test_retention_in_a_time_zone_across_a_daylight_saving_change(events: engine.Events) -> None:
    spec = log.spec("retention", start="open", periods=1, timezone=log.BERLIN, **{"return": "open"})
    found = [(v.period_start, v.value) for v in results.headline(_values(events, spec, log.DST_SINCE, log.DST_UNTIL))]
    assert found == log.DST_RETENTION


def test_the_same_weeks_in_utc_differ(events: engine.Events) -> None:
    """The working's control: without the zone, D1 falls before the range and D4, D5 in week 1."""
    values = _values(events, log.spec("count", event="open"), log.DST_SINCE, log.DST_UNTIL)
    assert [v.value for v in values] == [4.0, 2.0]


def _by_detail(values: list[results.Value], name: str) -> dict[tuple[date, Any], tuple[float | None, int | None]]:
    return {(v.period_start, v.detail[name]): (v.value, v.sample_size) for v in values if name in v.detail}


def test_stickiness_by_month_over_months_the_range_cuts(events: engine.Events) -> None:
    values = _values(events, log.spec("stickiness", period="month"), *log.STICKY_MONTHS_CUT)
    found = [(v.period_start, v.value) for v in results.headline(values)]
    assert [p for p, _ in found] == log.MONTHS
    for (period, value), (_, wanted) in zip(found, log.STICKY_MONTHS_CUT_HEADLINES, strict=True):
        assert _same(value, wanted), f"{period}: {value} ≠ {wanted}"
    january = _by_detail(values, "active_days")
    for days, wanted in log.STICKY_MONTHS_CUT_JANUARY.items():
        assert _same(january[(log.MONTHS[0], days)][0], wanted), f"{days} days: {january[(log.MONTHS[0], days)]}"


def test_stickiness_over_a_whole_month(events: engine.Events) -> None:
    values = _values(events, log.spec("stickiness", period="month"), *log.STICKY_JANUARY)
    [headline] = results.headline(values)
    assert _same(headline.value, log.STICKY_JANUARY_HEADLINE), headline
    january = _by_detail(values, "active_days")
    for days, wanted in log.STICKY_JANUARY_DAYS.items():
        assert _same(january[(log.MONTHS[0], days)][0], wanted), f"{days} days: {january[(log.MONTHS[0], days)]}"


def test_retention_when_the_range_ends_inside_a_week(events: engine.Events) -> None:
    spec = log.spec("retention", start="open", periods=2, mode="on_or_after", **{"return": "open"})
    values = _values(events, spec, *log.RETENTION_CUT)
    assert [(v.period_start, v.sample_size) for v in results.headline(values)] == [(log.WEEKS[0], 4)]
    found = _by_detail(values, "period")
    for n, (wanted, size) in log.RETENTION_CUT_DETAILS.items():
        value, sample = found[(log.WEEKS[0], n)]
        assert _same(value, wanted), f"period {n}: {value} ≠ {wanted}"
        assert sample == size, f"period {n}: {sample} back ≠ {size}"

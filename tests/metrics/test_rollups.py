"""The activity rollups: every metric they answer gives exactly the numbers the raw events
give; they are kept up to date part by part, recomputing only the days a part touches (late
events included); a stale rollup is not used; a failed update leaves the rollup as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grounded.errors import InvalidInput
from grounded.metrics import engine, results, rollups
from grounded.metrics.compile import compile_spec
from grounded.metrics.frame import Frame
from grounded.metrics.spec import parse
from grounded.models.enums import EventSourceKind
from tests.metrics import conformance as log

START = date(2026, 2, 2)  # a Monday
NAMES = ["open", "save", "share", "export", "login"]
ACCOUNTS = [
    {"external_id": f"A{n}", "name": f"Account {n}", "plan": ["pro", "free"][n % 2], "segment": "mid", "region": "EMEA"}
    for n in range(5)
]


def _log(seed: int, events: int, days: range) -> pa.Table:
    """Random events: 40 users (a few without an account), five names, several a day."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, 40, size=events)
    day = rng.choice(np.array(list(days)), size=events)
    seconds = rng.integers(0, 86_400, size=events)
    base = datetime(START.year, START.month, START.day, tzinfo=UTC)
    return pa.table(
        {
            "user_id": pa.array([f"u{u}" for u in users], type=pa.string()),
            "account_id": pa.array([None if u % 9 == 0 else f"A{u % 5}" for u in users], type=pa.string()),
            "event": pa.array([NAMES[i] for i in rng.integers(0, len(NAMES), size=events)], type=pa.string()),
            "occurred_at": pa.array(
                [base + timedelta(days=int(d), seconds=int(s)) for d, s in zip(day, seconds, strict=True)],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "properties": pa.array(["{}"] * events, type=pa.string()),
        }
    )


def _open(folder: Path, rollup: Path | None) -> engine.Events:
    location = str(folder / "*.parquet")
    events = engine.open_store(EventSourceKind.PARQUET, location, {})
    events.attach_accounts(ACCOUNTS)
    if rollup is not None:
        assert rollups.attach(events, rollup, rollups.files_of(location)) is None
    return events


def _values(events: engine.Events, data: dict[str, Any], since: date, until: date) -> tuple[str, list[Any]]:
    spec = parse(data)
    compiled = compile_spec(spec, Frame(events.table, events.dialect, since, until, events.accounts, events.rollup))
    return compiled.source, results.finish(spec, compiled, events.run, since, until)


ANSWERED = [
    log.spec("count", events=["open", "save"]),
    log.spec("count", event="open", by=["account.plan"], period="day"),
    log.spec("count", event="share", where={"account.plan": "free"}, period="month"),
    log.spec("unique", events=["save"], period="day"),
    log.spec("unique", events=["open", "export"], of="account", by=["account.plan"]),
    log.spec("active_users", period="day"),
    log.spec("active_users", period="month", week_start="sunday"),
    log.spec("active_users", events=["login"], period="week", week_start="sunday"),
    log.spec("active_users", of="account", period="week"),
    log.spec("active_users", rolling_days=7, period="day"),
    log.spec("active_users", rolling_days=3, period="day", of="account", by=["account.plan"]),
    log.spec("adoption", feature="export"),
    log.spec("adoption", feature={"events": ["export", "share"]}, active={"events": ["open", "export"]}),
    log.spec("adoption", feature="save", of="account", period="day"),
    log.spec("stickiness", period="week"),
    log.spec("stickiness", period="month", events=["open"], by=["account.plan"]),
    log.spec("stickiness", period="week", of="account"),
    log.spec("retention", start="login", periods=3, **{"return": "open"}),
    log.spec("retention", start="open", periods=10, period="day", mode="on_or_after", **{"return": "open"}),
    log.spec("retention", start="save", periods=2, cohort="recurring", **{"return": "save"}),
    log.spec("retention", start="open", periods=1, period="month", of="account", **{"return": "share"}),
    log.spec("retention", start="open", periods=2, by=["account.plan"], **{"return": "login"}),
    log.spec("retention", start="open", periods=3, mode="on_or_after", **{"return": "open"}),
    log.spec("retention", start={"events": ["open", "save"]}, periods=2, **{"return": {"events": ["login", "share"]}}),
    log.spec("stickiness", period="month"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    pq.write_table(_log(1, 2_500, range(0, 30)), folder / "part-1.parquet")
    pq.write_table(_log(2, 1_500, range(20, 45)), folder / "part-2.parquet")
    rollups.update(
        folder / "rollup.duckdb", kind=EventSourceKind.PARQUET, location=str(folder / "*.parquet"), mapping={}
    )
    return folder


@pytest.mark.parametrize("data", ANSWERED, ids=[f"{d['kind']}-{n}" for n, d in enumerate(ANSWERED)])
def test_the_rollup_answers_with_the_numbers_of_the_events(store: Path, data: dict[str, Any]) -> None:
    since, until = START + timedelta(days=3), START + timedelta(days=41)
    source, from_rollup = _values(_open(store, store / "rollup.duckdb"), data, since, until)
    assert source.startswith("rollup "), source
    _, from_events = _values(_open(store, None), data, since, until)
    assert from_rollup == from_events
    assert any(v.value for v in from_events)  # the comparison is not between two empty answers


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (log.spec("count", event="open", where={"properties.status": "ok"}), "event property"),
        (log.spec("adoption", feature={"events": ["save"], "where": {"properties.status": "ok"}}), "event sets"),
        (log.spec("funnel", steps=["open", "save"], window="1d"), "each event's moment"),
        (log.spec("retention", start="open", periods=1, clock="rolling", **{"return": "open"}), "rolling"),
        (log.spec("count", event="open", timezone="Europe/Berlin"), "Europe/Berlin"),
    ],
)
def test_what_the_rollup_cannot_answer_is_read_from_the_events(store: Path, data: dict[str, Any], reason: str) -> None:
    from grounded.metrics import rollup_plan

    events = _open(store, store / "rollup.duckdb")
    source, _ = _values(events, data, START, START + timedelta(days=14))
    assert source == "events"
    assert reason in str(rollup_plan.refusal(parse(data)))


@pytest.mark.parametrize(
    ("data", "since", "until", "source"),
    [
        (log.spec("active_users", period="day"), 0, 45, "rollup day_users"),
        (log.spec("active_users", period="day"), 3, 41, "rollup day_users"),  # a range never cuts a day
        (log.spec("active_users", period="day", events=["open"]), 0, 45, "rollup user_day_events"),
        (log.spec("active_users", period="day", rolling_days=7), 0, 45, "rollup user_days"),
        (log.spec("active_users", period="week"), 0, 45, "rollup user_days"),
        (log.spec("active_users", period="day", of="account"), 0, 45, "rollup account_days"),
        (log.spec("stickiness", period="month"), 0, 45, "rollup user_months"),
        (log.spec("stickiness", period="month"), 3, 41, "rollup user_months+user_days"),
        (log.spec("stickiness", period="week"), 0, 45, "rollup user_weeks"),
        (log.spec("stickiness", period="week", week_start="sunday"), 0, 45, "rollup user_days"),
        (log.spec("stickiness", period="week", events=["open"]), 0, 45, "rollup user_day_events"),
        (log.spec("retention", start="open", periods=2, **{"return": "open"}), 0, 45, "user_firsts+user_week_events"),
        (
            log.spec("retention", start="open", periods=2, **{"return": "open"}),
            3,
            41,
            "user_week_events+user_day_events",
        ),
        (
            log.spec("retention", start="save", periods=2, cohort="recurring", **{"return": "save"}),
            0,
            45,
            "rollup user_week_events",
        ),
        (
            log.spec("retention", start="open", periods=2, period="month", **{"return": "open"}),
            0,
            45,
            "rollup user_day_events",
        ),
        (
            log.spec("retention", start="open", periods=2, by=["account.plan"], **{"return": "open"}),
            0,
            45,
            "rollup user_day_events",
        ),
    ],
)
def test_the_coarse_rollups_answer_where_their_periods_match(
    store: Path, data: dict[str, Any], since: int, until: int, source: str
) -> None:
    """Weeks starting on Monday and months, by user, with nothing filtered or broken down:
    from the coarse tables (and the daily ones for a week or month the range cuts)."""
    start, end = START + timedelta(days=since), START + timedelta(days=until)
    found, from_rollup = _values(_open(store, store / "rollup.duckdb"), data, start, end)
    assert found.endswith(source), found
    _, from_events = _values(_open(store, None), data, start, end)
    assert from_rollup == from_events


def _rollup_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every row of the per-user tables, daily and coarse, each tagged with its table."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return [
            (name, *row)
            for name in ("user_day_events", *rollups.rollup_periods.COARSE)
            for row in connection.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        ]


def test_new_parts_recompute_only_the_days_they_touch_late_events_included(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "rollups" / "events.duckdb"
    pq.write_table(_log(3, 800, range(0, 10)), tmp_path / "a.parquet")
    first = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (first.new_parts, first.days) == (1, 10)
    # Events for day 3 (already rolled up) arrive late, with new ones on day 12.
    pq.write_table(_log(4, 50, range(3, 4)), tmp_path / "b.parquet")
    pq.write_table(_log(5, 30, range(12, 13)), tmp_path / "c.parquet")
    second = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (second.new_parts, second.days) == (2, 2)
    spec = log.spec("count", events=NAMES, period="day")
    since, until = START, START + timedelta(days=14)
    _, from_rollup = _values(_open(tmp_path, path), spec, since, until)
    _, from_events = _values(_open(tmp_path, None), spec, since, until)
    assert from_rollup == from_events
    assert sum(v.value or 0 for v in from_rollup) == 880  # the 50 late events on day 3 are counted
    again = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (again.new_parts, again.days) == (0, 0)
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)


def _rollup_rows_after_rebuild(folder: Path, location: str) -> list[tuple[Any, ...]]:
    other = folder / "rebuilt" / "events.duckdb"
    rebuilt = rollups.update(other, kind=EventSourceKind.PARQUET, location=location, mapping={}, rebuild=True)
    assert rebuilt.rebuilt
    return _rollup_rows(other)


def test_events_earlier_than_a_users_first_move_it(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    pq.write_table(_log(11, 400, range(8, 20)), tmp_path / "a.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    pq.write_table(_log(12, 60, range(0, 2)), tmp_path / "b.parquet")  # before everyone's first
    report = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (report.new_parts, report.days) == (1, 2)
    with duckdb.connect(str(path), read_only=True) as connection:
        firsts = connection.execute("SELECT min(first_day), max(first_day) FROM user_firsts").fetchone()
    assert firsts[0] == START
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)
    spec = log.spec("retention", start="open", periods=2, **{"return": "open"})
    _, from_rollup = _values(_open(tmp_path, path), spec, START, START + timedelta(days=21))
    _, from_events = _values(_open(tmp_path, None), spec, START, START + timedelta(days=21))
    assert from_rollup == from_events
    (tmp_path / "b.parquet").unlink()  # and taken away again: the firsts go back
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)


def _one(user: str, day: int, hour: int) -> pa.Table:
    moment = datetime(START.year, START.month, START.day, hour, tzinfo=UTC) + timedelta(days=day)
    return pa.table(
        {
            "user_id": [user],
            "account_id": ["A1"],
            "event": ["open"],
            "occurred_at": pa.array([moment], type=pa.timestamp("us", tz="UTC")),
            "properties": ["{}"],
        }
    )


def test_a_removed_first_gives_way_to_the_next_even_between_touched_days(tmp_path: Path) -> None:
    """u1 opens on days 0, 5 and 10, each in a file of its own. Day 0's file goes and day
    10's is rewritten in the same update: days 0 and 10 are recomputed, day 5 is not, and
    u1's first open is day 5's (not day 10's, the first among the days recomputed)."""
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    for day in (0, 5, 10):
        pq.write_table(_one("u1", day, 9), tmp_path / f"d{day}.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    (tmp_path / "d0.parquet").unlink()
    pq.write_table(_one("u1", 10, 11), tmp_path / "d10.parquet")
    report = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert report.days == 2
    with duckdb.connect(str(path), read_only=True) as connection:
        found = connection.execute("SELECT user_id, event, first_day, hour(first_at) FROM user_firsts").fetchall()
    assert found == [("u1", "open", START + timedelta(days=5), 9)]
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)


def test_a_rollup_from_before_the_coarse_tables_gets_them_on_its_next_update(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    pq.write_table(_log(13, 300, range(0, 20)), tmp_path / "a.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    with duckdb.connect(str(path)) as connection:
        for name in rollups.rollup_periods.COARSE:
            connection.execute(f"DROP TABLE {name}")
    spec = log.spec("stickiness", period="month")
    source, before = _values(_open(tmp_path, path), spec, START, START + timedelta(days=20))
    assert source == "rollup user_days"  # the daily tables answer until the update
    report = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert report.days == 0
    assert report.rows["user_months"] > 0
    source, after = _values(_open(tmp_path, path), spec, START, START + timedelta(days=20))
    assert source == "rollup user_months"
    assert after == before
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)


def test_a_removed_part_takes_its_days_out_of_the_rollup(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    pq.write_table(_log(6, 300, range(0, 5)), tmp_path / "a.parquet")
    pq.write_table(_log(7, 200, range(4, 8)), tmp_path / "b.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    (tmp_path / "b.parquet").unlink()
    report = rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert (report.removed_parts, report.days) == (1, 4)
    assert _rollup_rows(path) == _rollup_rows_after_rebuild(tmp_path, location)


def test_a_stale_rollup_is_not_used_and_says_how_to_update_it(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    pq.write_table(_log(8, 100, range(0, 5)), tmp_path / "a.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    pq.write_table(_log(9, 100, range(0, 5)), tmp_path / "b.parquet")
    events = engine.open_store(EventSourceKind.PARQUET, location, {})
    note = rollups.attach(events, path, rollups.files_of(location))
    assert events.rollup is None
    assert note is not None
    assert "1 file(s) differ" in note
    assert "grounded metric rollup" in note


def test_a_failed_update_leaves_the_rollup_as_it_was(tmp_path: Path) -> None:
    location, path = str(tmp_path / "*.parquet"), tmp_path / "events.duckdb"
    pq.write_table(_log(10, 100, range(0, 5)), tmp_path / "a.parquet")
    rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    before = _rollup_rows(path)
    pq.write_table(pa.table({"who": ["x"], "what": ["open"]}), tmp_path / "b.parquet")  # no user, no timestamp
    with pytest.raises(InvalidInput, match="could not be rolled up"):
        rollups.update(path, kind=EventSourceKind.PARQUET, location=location, mapping={})
    assert _rollup_rows(path) == before
    with duckdb.connect(str(path), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM parts").fetchone() == (1,)


def test_only_file_sources_are_rolled_up(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Parquet and CSV event sources"):
        rollups.update(tmp_path / "r.duckdb", kind=EventSourceKind.DUCKDB, location="x.duckdb", mapping={})
    with pytest.raises(InvalidInput, match="holds no event files"):
        rollups.update(
            tmp_path / "r.duckdb", kind=EventSourceKind.PARQUET, location=str(tmp_path / "*.parquet"), mapping={}
        )
    assert not (tmp_path / "r.duckdb").exists()

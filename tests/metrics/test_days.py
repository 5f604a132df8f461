"""An event's day on DuckDB: the short day number (one division, when the events were
filtered to after 1970) and the general one give the day Python's zone database gives, and
the engine's DuckDB connections run with enough threads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grounded.metrics import engine, zones
from grounded.models.enums import EventSourceKind

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


def _moments(start: datetime, days: int) -> list[datetime]:
    """Every hour of the days, and a microsecond either side of each UTC hour."""
    out = []
    for hour in range(days * 24):
        at = start + timedelta(hours=hour)
        out.extend([at - timedelta(microseconds=1), at, at + timedelta(microseconds=1)])
    return out


def _days(moments: list[datetime], zone: str, earliest: datetime | None, low: datetime, high: datetime) -> list[str]:
    connection = ibis.duckdb.connect()
    table = ibis.memtable(pa.table({"at": pa.array(moments, type=pa.timestamp("us", tz="UTC"))}))
    day = zones.local_day(table.at, zone, low, high, dialect="duckdb", earliest=earliest)
    sql = str(ibis.to_sql(table.select(day=day), dialect="duckdb"))
    general = "62135596800000000" in sql  # the shift past year 1
    assert general is (earliest is None or earliest < datetime(1970, 1, 2, tzinfo=UTC)), sql
    return [str(d) for d in connection.to_pyarrow(table.select(day=day))["day"].to_pylist()]


@pytest.mark.parametrize("zone", ZONES)
def test_the_short_day_number_is_the_zone_s_day(zone: str) -> None:
    since = zones.midnight(datetime(2026, 3, 20).date(), zone)  # across Berlin's and New York's change
    moments = _moments(since, 21)
    low, high = since - timedelta(days=32), since + timedelta(days=22)
    wanted = [str(m.astimezone(ZoneInfo(zone)).date()) for m in moments]
    assert _days(moments, zone, since, low, high) == wanted
    assert _days(moments, zone, None, low, high) == wanted


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Kiritimati"])
def test_moments_before_1970_keep_the_general_day_number(zone: str) -> None:
    since = zones.midnight(datetime(1969, 12, 30).date(), zone)
    moments = _moments(since, 4)
    low, high = since - timedelta(days=32), since + timedelta(days=5)
    wanted = [str(m.astimezone(ZoneInfo(zone)).date()) for m in moments]
    assert _days(moments, zone, since, low, high) == wanted
    assert _days(moments, zone, None, low, high) == wanted


def test_duckdb_over_files_runs_with_at_least_four_threads(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    moment = datetime(2026, 1, 5, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "user_id": ["u1"],
                "account_id": ["a1"],
                "event": ["open"],
                "occurred_at": pa.array([moment], type=pa.timestamp("us", tz="UTC")),
                "properties": ["{}"],
            }
        ),
        path,
    )
    opened = engine.open_store(EventSourceKind.PARQUET, str(path), {})
    (threads,) = opened.connection.con.execute("SELECT current_setting('threads')").fetchone()
    assert int(threads) >= engine.DUCKDB_THREADS

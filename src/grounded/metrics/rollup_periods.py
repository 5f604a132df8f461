"""Coarser activity rollups, derived from the daily ones (``metrics.rollups``) in the same
transaction, so they are exactly as up to date:

- ``user_firsts``: user_id, event, first_day, first_at: each user's first event of each
  name, ever (a retention's cohort start, without grouping every day a user was active);
- ``user_week_events``: week (Monday), user_id, event, first_at, last_at: the daily rows of a
  user and event name folded into the ISO week (a weekly retention's returns);
- ``user_weeks`` and ``user_months``: week (Monday) or month, user_id, active_days: on how
  many UTC days of the period the user did anything (stickiness by week and by month).

Rows without a user are left out: every metric these answer counts users. After an update
recomputes some days, the weeks and months holding those days are recomputed from the daily
tables, and so is the first event of every (user, event name) that has a row on one of those
days now or had its first event on one of them before: an event that arrives late and is
earlier than a user's first moves the first, and a removed file that held a user's first
lets the next one take its place. A rollup written before these tables existed gets them
filled from its daily tables on its next update, and is answered from the daily tables
until then (``attach`` finds them missing).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

COARSE = ("user_firsts", "user_week_events", "user_weeks", "user_months")

_CREATE = {
    "user_firsts": "user_id VARCHAR, event VARCHAR, first_day DATE, first_at TIMESTAMPTZ",
    "user_week_events": "week DATE, user_id VARCHAR, event VARCHAR, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ",
    "user_weeks": "week DATE, user_id VARCHAR, active_days BIGINT",
    "user_months": "month DATE, user_id VARCHAR, active_days BIGINT",
}


def missing(connection: Any, database: str | None = None) -> list[str]:
    """The coarse tables the rollup file does not have yet (the file open as ``database``,
    or as the connection's own)."""
    where = "database_name = current_database()" if database is None else "database_name = ?"
    found = {
        row[0]
        for row in connection.execute(
            f"SELECT table_name FROM duckdb_tables() WHERE {where} AND schema_name = 'main'",  # noqa: S608 - constant
            [] if database is None else [database],
        ).fetchall()
    }
    return [name for name in COARSE if name not in found]


def create(connection: Any) -> bool:
    """Create the coarse tables that are missing; True when any was (then fill them all)."""
    absent = missing(connection)
    for name in absent:
        connection.execute(f"CREATE TABLE {name} ({_CREATE[name]})")
    return bool(absent)


def update(connection: Any, days: list[date], *, everything: bool) -> None:
    """Recompute the coarse rows that the recomputed ``days`` can change (all of them when
    ``everything``), from the daily tables as they now are."""
    if everything:
        for name in COARSE:
            connection.execute(f"DELETE FROM {name}")  # noqa: S608 - constant names
        _firsts(connection, affected=False)
        for grain in ("week", "month"):
            _periods(connection, grain, None)
        return
    if not days:
        return
    connection.execute("CREATE OR REPLACE TEMP TABLE touched_days AS SELECT unnest(?::DATE[]) AS day", [days])
    _firsts(connection, affected=True)
    for grain in ("week", "month"):
        _periods(connection, grain, sorted({_start(day, grain) for day in days}))


def _start(day: date, grain: str) -> date:
    return day - timedelta(days=day.weekday()) if grain == "week" else day.replace(day=1)


def _firsts(connection: Any, *, affected: bool) -> None:
    if not affected:
        connection.execute(
            "INSERT INTO user_firsts SELECT user_id, event, min(day), min(first_at) FROM user_day_events "
            "WHERE user_id IS NOT NULL GROUP BY ALL ORDER BY event"
        )
        return
    # The pairs whose first can have changed: a row on a touched day now, or a first on one before.
    connection.execute(
        """CREATE OR REPLACE TEMP TABLE touched_pairs AS
        SELECT user_id, event FROM user_firsts WHERE first_day IN (SELECT day FROM touched_days)
        UNION
        SELECT user_id, event FROM user_day_events
        WHERE day IN (SELECT day FROM touched_days) AND user_id IS NOT NULL"""
    )
    connection.execute(
        "DELETE FROM user_firsts AS f USING touched_pairs AS t WHERE f.user_id = t.user_id AND f.event = t.event"
    )
    connection.execute(
        """INSERT INTO user_firsts
        SELECT e.user_id, e.event, min(e.day), min(e.first_at)
        FROM user_day_events AS e SEMI JOIN touched_pairs AS t ON e.user_id = t.user_id AND e.event = t.event
        GROUP BY ALL ORDER BY e.event"""
    )


def _periods(connection: Any, grain: str, starts: list[date] | None) -> None:
    """The week (or month) tables for the periods starting at ``starts`` (all when None)."""
    key = f"CAST(date_trunc('{grain}', day) AS DATE)"
    scope, bounds = "", []
    if starts is not None:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE touched_periods AS SELECT unnest(?::DATE[]) AS start", [starts]
        )
        last = starts[-1] + timedelta(days=7) if grain == "week" else _next_month(starts[-1])
        scope = f" AND day >= ? AND day < ? AND {key} IN (SELECT start FROM touched_periods)"  # noqa: S608
        bounds = [starts[0], last]
        connection.execute(f"DELETE FROM user_{grain}s WHERE {grain} IN (SELECT start FROM touched_periods)")  # noqa: S608
        if grain == "week":
            connection.execute("DELETE FROM user_week_events WHERE week IN (SELECT start FROM touched_periods)")
    connection.execute(
        f"INSERT INTO user_{grain}s SELECT {key} AS {grain}, user_id, count(DISTINCT day) "  # noqa: S608 - constants
        f"FROM user_days WHERE user_id IS NOT NULL{scope} GROUP BY ALL ORDER BY {grain}",
        bounds,
    )
    if grain == "week":
        connection.execute(
            f"INSERT INTO user_week_events SELECT {key} AS week, user_id, event, min(first_at), max(last_at) "  # noqa: S608
            f"FROM user_day_events WHERE user_id IS NOT NULL{scope} GROUP BY ALL ORDER BY event, week",
            bounds,
        )


def _next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)

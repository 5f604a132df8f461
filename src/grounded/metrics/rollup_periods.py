"""Coarser activity rollups, derived from the daily ones (``metrics.rollups``) in the same
transaction, so they are exactly as up to date:

- ``user_firsts``: user_id, event, first_day, first_at: each user's first event of each
  name, ever (a retention's cohort start, without grouping every day a user was active);
- ``user_week_events``: week (Monday), user_id, event, first_at, last_at: the daily rows of a
  user and event name folded into the ISO week (a weekly retention's returns);
- ``user_weeks`` and ``user_months``: week (Monday) or month, user_id, active_days: on how
  many UTC days of the period the user did anything (stickiness by week and by month);
- ``day_users``: day, users: how many users did anything that UTC day (daily active users,
  one row a day instead of a distinct count over every user's day).

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

COARSE = ("user_firsts", "user_week_events", "user_weeks", "user_months", "day_users")

_CREATE = {
    "user_firsts": "user_id VARCHAR, event VARCHAR, first_day DATE, first_at TIMESTAMPTZ",
    "user_week_events": "week DATE, user_id VARCHAR, event VARCHAR, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ",
    "user_weeks": "week DATE, user_id VARCHAR, active_days BIGINT",
    "user_months": "month DATE, user_id VARCHAR, active_days BIGINT",
    "day_users": "day DATE, users BIGINT",
}
_DAY_USERS = (
    "INSERT INTO day_users SELECT day, count(DISTINCT user_id) FROM user_days "
    "WHERE user_id IS NOT NULL{scope} GROUP BY day ORDER BY day"
)


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
        connection.execute(_DAY_USERS.format(scope=""))
        return
    if not days:
        return
    connection.execute("CREATE OR REPLACE TEMP TABLE touched_days AS SELECT unnest(?::DATE[]) AS day", [days])
    connection.execute("DELETE FROM day_users WHERE day IN (SELECT day FROM touched_days)")
    connection.execute(_DAY_USERS.format(scope=" AND day IN (SELECT day FROM touched_days)"))
    runs = _runs(sorted(days))
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE touched_runs AS "
        "SELECT unnest(?::DATE[]) AS run_start, unnest(?::DATE[]) AS run_end",
        [[first for first, _ in runs], [last for _, last in runs]],
    )
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
    # The touched days' first row of each (user, event): a first that was on an untouched day
    # is still there, so the new first is the earlier of the two, with no scan of the table.
    connection.execute(
        """CREATE OR REPLACE TEMP TABLE touched_firsts AS
        SELECT user_id, event, min(day) AS first_day, min(first_at) AS first_at FROM user_day_events
        WHERE day IN (SELECT day FROM touched_days) AND user_id IS NOT NULL GROUP BY ALL"""
    )
    # A first that was on a touched day d may be gone (a removed file). No row of the pair is on
    # an untouched day before d (it was the first), nor inside d's run of consecutive touched
    # days: a touched row up to the run's end is the first; without one, scan for it.
    connection.execute(
        """CREATE OR REPLACE TEMP TABLE rescanned AS
        SELECT f.user_id, f.event FROM user_firsts AS f
        JOIN touched_runs AS r ON f.first_day BETWEEN r.run_start AND r.run_end
        LEFT JOIN touched_firsts AS t ON t.user_id = f.user_id AND t.event = f.event
        WHERE t.first_day IS NULL OR t.first_day > r.run_end"""
    )
    connection.execute(
        """CREATE OR REPLACE TEMP TABLE merged AS
        SELECT t.user_id, t.event,
               CASE WHEN kept THEN f.first_day ELSE t.first_day END AS first_day,
               CASE WHEN kept THEN f.first_at ELSE t.first_at END AS first_at
        FROM (SELECT * FROM touched_firsts ANTI JOIN rescanned USING (user_id, event)) AS t
        LEFT JOIN user_firsts AS f ON f.user_id = t.user_id AND f.event = t.event,
        LATERAL (SELECT f.first_day IS NOT NULL AND f.first_at < t.first_at
                 AND f.first_day NOT IN (SELECT day FROM touched_days) AS kept)"""
    )
    for pairs in ("merged", "rescanned"):
        connection.execute(
            f"DELETE FROM user_firsts AS f USING {pairs} AS p WHERE f.user_id = p.user_id AND f.event = p.event"  # noqa: S608
        )
    connection.execute("INSERT INTO user_firsts SELECT * FROM merged ORDER BY event")
    if connection.execute("SELECT count(*) FROM rescanned").fetchall()[0][0]:
        connection.execute(
            """INSERT INTO user_firsts
            SELECT e.user_id, e.event, min(e.day), min(e.first_at)
            FROM user_day_events AS e SEMI JOIN rescanned AS r ON e.user_id = r.user_id AND e.event = r.event
            GROUP BY ALL ORDER BY e.event"""
        )


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days: (first, last) each."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _periods(connection: Any, grain: str, starts: list[date] | None) -> None:
    """The week (or month) tables for the periods starting at ``starts`` (all when None)."""
    key = f"CAST(date_trunc('{grain}', day) AS DATE)"
    scope, bounds = "", []
    if starts is not None:
        connection.execute(
            "CREATE OR REPLACE TEMP TABLE touched_periods AS SELECT unnest(?::DATE[]) AS start", [starts]
        )
        # The last period's end in SQL: Python's dates end with 9999-12-31, an event's may be on it.
        end = f"CAST(? AS DATE) + INTERVAL 1 {grain}"
        scope = f" AND day >= ? AND day < {end} AND {key} IN (SELECT start FROM touched_periods)"  # noqa: S608
        bounds = [starts[0], starts[-1]]
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

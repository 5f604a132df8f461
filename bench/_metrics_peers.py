"""The four metrics, written by hand for each peer, with the meaning grounded gives them:

- dau: distinct users per UTC day with any event in [since, until);
- retention: users whose first ``login`` (before ``until``) falls in a Monday week from
  ``since`` on, and, for each week N = 0 … 12 after it, how many logged in during week N at
  or after that first login (the cohort sizes too);
- funnel: each user's first ``view_report`` in the range, then the first ``create_report``
  at or after it, then the first ``export_csv`` at or after that, both within 7 days of the
  first step; per month of the first step, how many reached each step;
- stickiness: per calendar month, how many users were active on exactly k days.

Each returns the same plain structure (``canonical``), so the results can be compared.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

STEPS = ("view_report", "create_report", "export_csv")
WINDOW_DAYS = 7
PERIODS = 12


def _iso(value: Any) -> str:
    return str(value)[:10]


def canonical(metric: str, rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """Rows per part (``main``, and ``sizes`` for retention) as sorted, comparable values."""
    main = rows["main"]
    if metric == "dau":
        return {_iso(day): int(n) for day, n in main}
    if metric == "retention":
        return {
            "sizes": {_iso(c): int(n) for c, n in rows["sizes"]},
            "back": {f"{_iso(c)}+{int(p)}": int(n) for c, p, n in main},
        }
    if metric == "funnel":
        return {_iso(m): [int(a), int(b), int(c)] for m, a, b, c in main}
    return {f"{_iso(m)}:{int(k)}": int(n) for m, k, n in main}


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# ---------------------------------------------------------------- DuckDB, by hand


def duckdb_sql(metric: str, path: str, since: date, until: date) -> dict[str, list[tuple[Any, ...]]]:
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    events = f"read_parquet('{path}')"
    lo, hi = f"TIMESTAMPTZ '{since} 00:00:00+00'", f"TIMESTAMPTZ '{until} 00:00:00+00'"
    in_range = f"occurred_at >= {lo} AND occurred_at < {hi}"
    if metric == "dau":
        sql = f"SELECT CAST(occurred_at AS DATE), count(DISTINCT user_id) FROM {events} WHERE {in_range} GROUP BY 1"
        return {"main": connection.sql(sql).fetchall()}
    if metric == "retention":
        connection.execute(
            f"""CREATE TEMP TABLE logins AS SELECT user_id, occurred_at AS ts FROM {events}
            WHERE event = 'login' AND occurred_at < {hi}"""
        )
        connection.execute(
            f"""CREATE TEMP TABLE cohorts AS SELECT * FROM (
                SELECT user_id, min(ts) AS first_ts, date_trunc('week', CAST(min(ts) AS DATE)) AS cohort
                FROM logins GROUP BY 1) WHERE cohort >= DATE '{since}'"""
        )
        main = connection.sql(
            f"""WITH weeks AS (SELECT user_id, date_trunc('week', CAST(ts AS DATE)) AS week, max(ts) AS last_ts
                               FROM logins GROUP BY 1, 2)
            SELECT c.cohort, date_diff('day', c.cohort, w.week) // 7 AS period, count(*)
            FROM cohorts c JOIN weeks w USING (user_id)
            WHERE w.week >= c.cohort AND w.last_ts >= c.first_ts
              AND date_diff('day', c.cohort, w.week) // 7 <= {PERIODS}
            GROUP BY 1, 2"""
        ).fetchall()
        return {"main": main, "sizes": connection.sql("SELECT cohort, count(*) FROM cohorts GROUP BY 1").fetchall()}
    if metric == "funnel":
        one, two, three = STEPS
        sql = f"""
        WITH e AS (SELECT user_id, event, occurred_at AS ts FROM {events}
                   WHERE {in_range} AND event IN ('{one}', '{two}', '{three}')),
        s1 AS (SELECT user_id, min(ts) AS t1 FROM e WHERE event = '{one}' GROUP BY 1),
        s2 AS (SELECT s1.user_id, s1.t1, min(e.ts) AS t2 FROM s1 LEFT JOIN e
               ON e.user_id = s1.user_id AND e.event = '{two}' AND e.ts >= s1.t1
              AND e.ts <= s1.t1 + INTERVAL {WINDOW_DAYS} DAY GROUP BY 1, 2),
        s3 AS (SELECT s2.user_id, s2.t1, s2.t2, min(e.ts) AS t3 FROM s2 LEFT JOIN e
               ON e.user_id = s2.user_id AND e.event = '{three}' AND e.ts >= s2.t2
              AND e.ts <= s2.t1 + INTERVAL {WINDOW_DAYS} DAY GROUP BY 1, 2, 3)
        SELECT date_trunc('month', CAST(t1 AS DATE)), count(*), count(t2), count(t3) FROM s3 GROUP BY 1"""
        return {"main": connection.sql(sql).fetchall()}
    sql = f"""
    WITH d AS (SELECT DISTINCT user_id, CAST(occurred_at AS DATE) AS day FROM {events} WHERE {in_range}),
    m AS (SELECT date_trunc('month', day) AS month, user_id, count(*) AS days FROM d GROUP BY 1, 2)
    SELECT month, days, count(*) FROM m GROUP BY 1, 2"""
    return {"main": connection.sql(sql).fetchall()}


# ---------------------------------------------------------------- ClickHouse (chdb), by hand


def chdb_sql(metric: str, path: str, since: date, until: date) -> dict[str, list[tuple[Any, ...]]]:
    from chdb import session as chdb_session

    connection: Any = chdb_session.Session()  # type: ignore[no-untyped-call]

    def run(sql: str) -> list[tuple[Any, ...]]:
        table = connection.query(sql + " SETTINGS join_use_nulls = 1", "ArrowTable")
        return [tuple(row.values()) for row in table.to_pylist()]

    events = f"file('{path}', Parquet)"
    lo, hi = f"toDateTime64('{since} 00:00:00', 6, 'UTC')", f"toDateTime64('{until} 00:00:00', 6, 'UTC')"
    in_range = f"occurred_at >= {lo} AND occurred_at < {hi}"
    if metric == "dau":
        return {
            "main": run(
                f"SELECT toDate(occurred_at) AS d, uniqExact(user_id) FROM {events} WHERE {in_range} GROUP BY d"
            )
        }
    if metric == "retention":
        logins = f"SELECT user_id, occurred_at AS ts FROM {events} WHERE event = 'login' AND occurred_at < {hi}"
        cohorts = f"""SELECT * FROM (SELECT user_id, min(ts) AS first_ts, toMonday(toDate(min(ts))) AS cohort
                      FROM ({logins}) GROUP BY user_id) WHERE cohort >= toDate('{since}')"""
        weeks = (
            f"SELECT user_id, toMonday(toDate(ts)) AS week, max(ts) AS last_ts FROM ({logins}) GROUP BY user_id, week"
        )
        main = run(
            f"""SELECT c.cohort, intDiv(dateDiff('day', c.cohort, w.week), 7) AS period, count()
            FROM ({cohorts}) AS c INNER JOIN ({weeks}) AS w ON c.user_id = w.user_id
            WHERE w.week >= c.cohort AND w.last_ts >= c.first_ts AND period <= {PERIODS}
            GROUP BY c.cohort, period"""
        )
        return {"main": main, "sizes": run(f"SELECT cohort, count() FROM ({cohorts}) GROUP BY cohort")}
    if metric == "funnel":
        one, two, three = STEPS
        window = f"INTERVAL {WINDOW_DAYS} DAY"
        sql = f"""
        WITH e AS (SELECT user_id, event, occurred_at AS ts FROM {events}
                   WHERE {in_range} AND event IN ('{one}', '{two}', '{three}')),
        s1 AS (SELECT user_id, min(ts) AS t1 FROM e WHERE event = '{one}' GROUP BY user_id),
        m2 AS (SELECT s1.user_id AS user_id, min(e.ts) AS t2 FROM s1 INNER JOIN e ON e.user_id = s1.user_id
               WHERE e.event = '{two}' AND e.ts >= s1.t1 AND e.ts <= s1.t1 + {window} GROUP BY s1.user_id),
        s2 AS (SELECT s1.user_id AS user_id, s1.t1 AS t1, m2.t2 AS t2 FROM s1 LEFT JOIN m2 ON s1.user_id = m2.user_id),
        m3 AS (SELECT s2.user_id AS user_id, min(e.ts) AS t3 FROM s2 INNER JOIN e ON e.user_id = s2.user_id
               WHERE s2.t2 IS NOT NULL AND e.event = '{three}' AND e.ts >= s2.t2 AND e.ts <= s2.t1 + {window}
               GROUP BY s2.user_id)
        SELECT toStartOfMonth(toDate(s2.t1)) AS m, count(), countIf(s2.t2 IS NOT NULL), countIf(m3.t3 IS NOT NULL)
        FROM s2 LEFT JOIN m3 ON s2.user_id = m3.user_id GROUP BY m"""
        return {"main": run(sql)}
    sql = f"""
    SELECT month, days, count() FROM (
        SELECT toStartOfMonth(day) AS month, user_id, count() AS days FROM (
            SELECT DISTINCT user_id, toDate(occurred_at) AS day FROM {events} WHERE {in_range})
        GROUP BY month, user_id)
    GROUP BY month, days"""
    return {"main": run(sql)}


# ---------------------------------------------------------------- Polars


def polars(metric: str, path: str, since: date, until: date) -> dict[str, list[tuple[Any, ...]]]:
    import polars as pl

    lf = pl.scan_parquet(path)
    ts = pl.col("occurred_at")
    in_range = (ts >= _moment(since)) & (ts < _moment(until))
    if metric == "dau":
        out = lf.filter(in_range).group_by(ts.dt.date().alias("day")).agg(pl.col("user_id").n_unique()).collect()
        return {"main": out.rows()}
    if metric == "retention":
        logins = lf.filter((pl.col("event") == "login") & (ts < _moment(until))).select("user_id", "occurred_at")
        cohorts = (
            logins.group_by("user_id")
            .agg(first_ts=ts.min())
            .with_columns(cohort=pl.col("first_ts").dt.date().dt.truncate("1w"))
            .filter(pl.col("cohort") >= since)
        )
        weeks = logins.group_by("user_id", ts.dt.date().dt.truncate("1w").alias("week")).agg(last_ts=ts.max())
        back = (
            cohorts.join(weeks, on="user_id")
            .filter((pl.col("week") >= pl.col("cohort")) & (pl.col("last_ts") >= pl.col("first_ts")))
            .with_columns(period=(pl.col("week") - pl.col("cohort")).dt.total_days() // 7)
            .filter(pl.col("period") <= PERIODS)
            .group_by("cohort", "period")
            .len()
        )
        main, sizes = pl.collect_all([back, cohorts.group_by("cohort").len()])
        return {"main": main.rows(), "sizes": sizes.rows()}
    if metric == "funnel":
        one, two, three = STEPS
        window = timedelta(days=WINDOW_DAYS)
        e = lf.filter(in_range & pl.col("event").is_in(STEPS)).select("user_id", "event", ts.alias("ts"))
        s1 = e.filter(pl.col("event") == one).group_by("user_id").agg(t1=pl.col("ts").min())
        m2 = (
            s1.join(e.filter(pl.col("event") == two), on="user_id")
            .filter((pl.col("ts") >= pl.col("t1")) & (pl.col("ts") <= pl.col("t1") + window))
            .group_by("user_id")
            .agg(t2=pl.col("ts").min())
        )
        s2 = s1.join(m2, on="user_id", how="left")
        m3 = (
            s2.filter(pl.col("t2").is_not_null())
            .join(e.filter(pl.col("event") == three), on="user_id")
            .filter((pl.col("ts") >= pl.col("t2")) & (pl.col("ts") <= pl.col("t1") + window))
            .group_by("user_id")
            .agg(t3=pl.col("ts").min())
        )
        out = (
            s2.join(m3, on="user_id", how="left")
            .group_by(pl.col("t1").dt.date().dt.truncate("1mo").alias("month"))
            .agg(pl.len(), pl.col("t2").count(), pl.col("t3").count())
            .collect()
        )
        return {"main": out.rows()}
    days = lf.filter(in_range).select("user_id", ts.dt.date().alias("day")).unique()
    months = days.group_by("user_id", pl.col("day").dt.truncate("1mo").alias("month")).agg(days=pl.len())
    return {"main": months.group_by("month", "days").len().collect().rows()}


# ---------------------------------------------------------------- pandas


def pandas(metric: str, path: str, since: date, until: date) -> dict[str, list[tuple[Any, ...]]]:
    import pandas as pd

    columns = ["user_id", "occurred_at"] if metric in ("dau", "stickiness") else ["user_id", "event", "occurred_at"]
    df = pd.read_parquet(path, columns=columns)
    lo, hi = pd.Timestamp(_moment(since)), pd.Timestamp(_moment(until))
    if metric == "dau":
        df = df[(df.occurred_at >= lo) & (df.occurred_at < hi)]
        out = df.groupby(df.occurred_at.dt.normalize()).user_id.nunique()
        return {"main": list(out.items())}
    if metric == "retention":
        logins = df[(df.event == "login") & (df.occurred_at < hi)][["user_id", "occurred_at"]]
        del df
        logins["week"] = logins.occurred_at.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
        cohorts = logins.groupby("user_id").occurred_at.min().rename("first_ts").reset_index()
        cohorts["cohort"] = cohorts.first_ts.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
        cohorts = cohorts[cohorts.cohort >= pd.Timestamp(since)]
        weeks = logins.groupby(["user_id", "week"]).occurred_at.max().rename("last_ts").reset_index()
        back = cohorts.merge(weeks, on="user_id")
        back = back[(back.week >= back.cohort) & (back.last_ts >= back.first_ts)]
        back["period"] = (back.week - back.cohort).dt.days // 7
        back = back[back.period <= PERIODS]
        main = back.groupby(["cohort", "period"]).size()
        sizes = cohorts.groupby("cohort").size()
        return {"main": [(*k, n) for k, n in main.items()], "sizes": list(sizes.items())}
    if metric == "funnel":
        one, two, three = STEPS
        window = pd.Timedelta(days=WINDOW_DAYS)
        e = df[(df.occurred_at >= lo) & (df.occurred_at < hi) & df.event.isin(STEPS)]
        del df
        s1 = e[e.event == one].groupby("user_id").occurred_at.min().rename("t1").reset_index()
        c2 = s1.merge(e[e.event == two][["user_id", "occurred_at"]], on="user_id")
        c2 = c2[(c2.occurred_at >= c2.t1) & (c2.occurred_at <= c2.t1 + window)]
        s2 = s1.merge(c2.groupby("user_id").occurred_at.min().rename("t2").reset_index(), on="user_id", how="left")
        c3 = s2[s2.t2.notna()].merge(e[e.event == three][["user_id", "occurred_at"]], on="user_id")
        c3 = c3[(c3.occurred_at >= c3.t2) & (c3.occurred_at <= c3.t1 + window)]
        s3 = s2.merge(c3.groupby("user_id").occurred_at.min().rename("t3").reset_index(), on="user_id", how="left")
        s3["month"] = s3.t1.dt.tz_localize(None).dt.to_period("M").dt.start_time
        out = s3.groupby("month").agg(n=("user_id", "size"), t2=("t2", "count"), t3=("t3", "count"))
        return {"main": [(m, r.n, r.t2, r.t3) for m, r in out.iterrows()]}
    df = df[(df.occurred_at >= lo) & (df.occurred_at < hi)]
    days = pd.DataFrame({"user_id": df.user_id, "day": df.occurred_at.dt.tz_localize(None).dt.normalize()})
    del df
    days = days.drop_duplicates()
    days["month"] = days.day.dt.to_period("M").dt.start_time
    per_user = days.groupby(["month", "user_id"]).size().rename("days").reset_index()
    out = per_user.groupby(["month", "days"]).size()
    return {"main": [(*k, n) for k, n in out.items()]}


PEERS = {"duckdb-sql": duckdb_sql, "chdb-sql": chdb_sql, "polars": polars, "pandas": pandas}

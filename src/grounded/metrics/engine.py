"""Engines: where a metric's events are read and its expression runs.

The embedded default is DuckDB (in memory) over the workspace's event store: Parquet or
CSV files, or a table in a DuckDB file. Any Ibis backend can be named by a connection URL
(``clickhouse://host/db``, ``trino://…``, ``bigquery://project/dataset``, ``duckdb:///path``)
with the table to read; ``chdb`` runs ClickHouse embedded over the same files, the SQL
compiled by Ibis for ClickHouse. The event source's column mapping renames the engine's
columns to grounded's (user, account, event, timestamp, properties).
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from grounded.errors import InvalidInput
from grounded.metrics.frame import OPTIONAL, REQUIRED
from grounded.metrics.ranges import EARLIEST_DAY, LATEST_DAY
from grounded.models.enums import EventSourceKind

#: grounded's column names and the mapping keys that rename to them.
MAPPING_KEYS = {
    "user": "user_id",
    "account": "account_id",
    "event": "event",
    "timestamp": "occurred_at",
    "properties": "properties",
}
#: Whole-currency ARR bands, lower bound first; the label is what breakdowns show.
ARR_BANDS = ((0, "<10k"), (10_000, "10k–50k"), (50_000, "50k–100k"), (100_000, "100k–250k"), (250_000, "250k+"))


def arr_band(arr: int | None) -> str | None:
    if arr is None:
        return None
    label = ARR_BANDS[0][1]
    for lower, name in ARR_BANDS:
        if arr >= lower:
            label = name
    return label


@dataclass
class Events:
    """An open engine: the events as grounded's columns, how to run an expression, and
    how to say where the events are."""

    table: ir.Table
    dialect: str
    describe: str
    run: Callable[[ir.Expr], list[dict[str, Any]]]
    connection: Any = None
    accounts: ir.Table | None = None
    #: How this engine takes the workspace's accounts (a table it can join).
    load_accounts: Callable[[Any], ir.Table] | None = None
    #: The activity rollups, open and up to date (``metrics.rollups.attach``).
    rollup: Any = None
    #: What the reader should know about how the events were read (a stale rollup).
    notes: list[str] = field(default_factory=list)
    _span: tuple[tuple[Any, Any] | None] | None = None

    def attach_accounts(self, rows: Sequence[dict[str, Any]]) -> None:
        data = accounts_data(rows)
        self.accounts = self.load_accounts(data) if self.load_accounts else ibis.memtable(data)

    def span(self, zone: str = "UTC") -> tuple[date, date] | None:
        """The first day with events and the day after the last, in the time zone, or None
        when empty (the moments are read once: a derived metric asks for each of its parts)."""
        outlying = (
            f"outside the days a metric is computed over ({EARLIEST_DAY} to {LATEST_DAY}): give --since and "
            "--until, or correct the events' outlying timestamps"
        )
        if self._span is None:
            try:
                rows = self.run(
                    self.table.aggregate(first=self.table.occurred_at.min(), last=self.table.occurred_at.max())
                )
            except (OverflowError, ValueError):  # past year 9999, or 'infinity': Python has no such moment
                raise InvalidInput(f"the events hold a moment past year 9999 (or 'infinity'), {outlying}") from None
            first, last = rows[0]["first"], rows[0]["last"]
            self._span = (None if first is None or last is None else (first, last),)
        if self._span[0] is None:
            return None
        first, last = self._span[0]
        try:
            return _day(first, zone), _day(last, zone) + timedelta(days=1)
        except OverflowError:  # a moment on the first or last day Python's dates hold
            raise InvalidInput(f"the events run from {first} to {last}, {outlying}") from None

    def names(self, limit: int = 10_000) -> set[str]:
        rows = self.run(self.table.select("event").distinct().limit(limit))
        return {str(r["event"]) for r in rows}


def _day(value: Any, zone: str = "UTC") -> date:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC if zone in ("UTC", "Etc/UTC") else ZoneInfo(zone)).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _rows(connection: Any) -> Callable[[ir.Expr], list[dict[str, Any]]]:
    def run(expr: ir.Expr) -> list[dict[str, Any]]:
        table = connection.to_pyarrow(expr)
        rows: list[dict[str, Any]] = table.to_pylist()
        return rows

    return run


def standard(table: ir.Table, mapping: dict[str, Any], *, where: str) -> ir.Table:
    """The engine's table with grounded's column names and types, or a message naming the
    missing columns and how to map them."""
    renames = {ours: str(mapping.get(key, ours)) for key, ours in MAPPING_KEYS.items()}
    missing = [
        f"{ours} (from '{theirs}')"
        for ours, theirs in renames.items()
        if theirs not in table.columns and ours in REQUIRED
    ]
    if missing:
        raise InvalidInput(
            f"the events at {where} lack the columns {', '.join(missing)}; they have: {', '.join(table.columns)}. "
            f"Map yours with the event source's column mapping (user, event, timestamp, account, properties)"
        )
    columns: dict[str, ir.Value] = {}
    for ours, theirs in renames.items():
        if theirs in table.columns:
            columns[ours] = table[theirs]
        elif ours in OPTIONAL:
            columns[ours] = ibis.null("string")
    stamp = columns["occurred_at"]
    if not stamp.type().is_timestamp():
        raise InvalidInput(
            f"the events at {where}: column '{renames['occurred_at']}' is {stamp.type()}, not a timestamp; "
            "store event times as timestamps (grounded import does)"
        )
    columns["user_id"] = columns["user_id"].cast("string")
    columns["account_id"] = columns["account_id"].cast("string")
    columns["event"] = columns["event"].cast("string")
    columns["properties"] = columns["properties"].cast("string")
    extra = [c for c in table.columns if c not in renames.values()]
    return table.select(**columns, **{c: table[c] for c in extra})


#: The engines that run embedded over the event store's files.
EMBEDDED = ("duckdb", "chdb", "spark")


def _files(location: str) -> list[str]:
    files = sorted(glob.glob(str(Path(location).expanduser())))
    if not files:
        raise InvalidInput(
            f"the event store {location} holds no event files; import usage events with: "
            "grounded import --preset usage_events FILE"
        )
    return files


def open_store(kind: EventSourceKind, location: str, mapping: dict[str, Any], *, engine: str = "duckdb") -> Events:
    """An embedded engine over files (DuckDB by default; ClickHouse through chdb; Spark in
    local mode), or DuckDB over a DuckDB database."""
    if engine not in EMBEDDED:
        raise InvalidInput(f"engine '{engine}' is not one of: {', '.join(EMBEDDED)}, or an Ibis connection URL")
    if kind is EventSourceKind.IBIS:
        raise InvalidInput(f"an event source of kind {kind.value} is opened by URL")
    if engine == "duckdb":
        connection, table = _duckdb_table(kind, location, mapping)
        return Events(
            standard(table, mapping, where=location), "duckdb", f"duckdb over {location}", _rows(connection), connection
        )
    if kind is not EventSourceKind.PARQUET:
        raise InvalidInput(f"the {engine} engine reads Parquet event stores; this one is {kind.value}")
    files, pattern = _files(location), str(Path(location).expanduser())
    if engine == "chdb":
        return open_chdb(files, mapping, pattern=pattern)
    return open_spark(files, mapping, pattern=pattern)


def _duckdb_table(kind: EventSourceKind, location: str, mapping: dict[str, Any]) -> tuple[Any, ir.Table]:
    import duckdb

    if kind is EventSourceKind.DUCKDB:
        path = Path(location).expanduser()
        if not path.is_file():
            raise InvalidInput(f"the DuckDB file {path} does not exist")
        connection = ibis.duckdb.connect(str(path), read_only=True)
        _enough_threads(connection)
        name = str(mapping.get("table", "events"))
        if name not in connection.list_tables():
            raise InvalidInput(
                f"the DuckDB file {path} has no table '{name}'; it has: {', '.join(connection.list_tables())}"
            )
        return connection, connection.table(name)
    files = _files(location)
    connection = ibis.duckdb.connect()
    _enough_threads(connection)
    try:
        if kind is EventSourceKind.PARQUET:
            return connection, connection.read_parquet(files, table_name="events")
        return connection, connection.read_csv(files, table_name="events")
    except duckdb.Error as error:
        raise InvalidInput(f"the event store {location} could not be read: {str(error).splitlines()[0]}") from None


#: The fewest threads grounded's DuckDB connections run with (DuckDB's default: one a core).
DUCKDB_THREADS = 4


def _enough_threads(connection: Any) -> None:
    """At least ``DUCKDB_THREADS`` threads, more where DuckDB would use more. DuckDB splits
    a large grouping's hash table into as many partitions as it has threads, so on two cores
    a distinct count of users per day over 50 million events (4.2 million user-days) was
    finished in two halves of 2 million groups: with four threads it took about a fifth less
    CPU time and wall time (docs/performance.md, issue 5). A machine with four cores or more
    keeps DuckDB's default."""
    # fetchall, not fetchone: DuckDB 2 keeps a result (and its connection) open until it is read to the end.
    ((threads,),) = connection.con.execute("SELECT current_setting('threads')").fetchall()
    if int(threads) < DUCKDB_THREADS:
        connection.con.execute(f"SET threads = {DUCKDB_THREADS}")


def open_url(url: str, table_name: str, mapping: dict[str, Any]) -> Events:
    """Any Ibis backend by its connection URL."""
    try:
        connection = ibis.connect(url)
    except Exception as error:  # a driver raises its own errors: all mean "cannot connect"
        raise InvalidInput(
            f"cannot connect to {_safe(url)}: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
        ) from None
    try:
        table = connection.table(table_name)
    except Exception as error:
        raise InvalidInput(f"{_safe(url)} has no table '{table_name}' ({str(error).splitlines()[0][:200]})") from None
    dialect = connection.name
    return Events(
        standard(table, mapping, where=_safe(url)), dialect, f"{dialect} at {_safe(url)}", _rows(connection), connection
    )


def open_chdb(files: list[str], mapping: dict[str, Any], *, pattern: str | None = None) -> Events:
    """ClickHouse, embedded (chdb), over the Parquet files: the SQL Ibis compiles for
    ClickHouse runs as it would on a ClickHouse server."""
    try:
        from chdb import session as chdb_session
    except ImportError:
        raise InvalidInput("the chdb engine needs the chdb package: pip install 'chdb>=4.1,<5'") from None
    connection: Any = chdb_session.Session()  # type: ignore[no-untyped-call]
    # ClickHouse fills unmatched outer-join columns with defaults (0, '') unless told to use NULL.
    connection.query("SET join_use_nulls = 1")
    paths = [pattern] if pattern else files
    sources = " UNION ALL ".join(f"SELECT * FROM file({_quote(path)}, Parquet)" for path in paths)  # noqa: S608 - quoted
    connection.query(f"CREATE VIEW events AS {sources}")
    described = connection.query("DESCRIBE events", "ArrowTable").to_pylist()
    schema = {row["name"]: _clickhouse_type(row["type"]) for row in described}
    table = ibis.table(schema, name="events")

    def run(expr: ir.Expr) -> list[dict[str, Any]]:
        sql = ibis.to_sql(expr, dialect="clickhouse")
        rows: list[dict[str, Any]] = connection.query(str(sql), "ArrowTable").to_pylist()
        return rows

    def load_accounts(data: Any) -> ir.Table:
        connection.query("DROP TABLE IF EXISTS grounded_accounts")
        connection.query(
            "CREATE TABLE grounded_accounts (account_key Nullable(String), name Nullable(String), "
            "plan Nullable(String), segment Nullable(String), region Nullable(String), arr_band Nullable(String)) "
            "ENGINE = Memory"
        )
        for row in data.to_pylist():
            values = ", ".join("NULL" if v is None else _quote(str(v)) for v in row.values())
            connection.query(f"INSERT INTO grounded_accounts VALUES ({values})")  # noqa: S608 - quoted by _quote
        return ibis.table(dict.fromkeys(data.column_names, "string"), name="grounded_accounts")

    events = Events(
        standard(table, mapping, where=files[0]), "clickhouse", f"chdb over {len(files)} file(s)", run, connection
    )
    events.load_accounts = load_accounts
    return events


def _quote(text: str) -> str:
    """A ClickHouse string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _clickhouse_type(name: str) -> str:
    inner = name.removeprefix("Nullable(").removesuffix(")") if name.startswith("Nullable(") else name
    if inner.startswith("DateTime64") or inner.startswith("DateTime"):
        return "timestamp('UTC')"
    if inner.startswith(("Int", "UInt")):
        return "int64"
    if inner.startswith("Float"):
        return "float64"
    if inner == "Date" or inner.startswith("Date32"):
        return "date"
    return "string"


def open_spark(files: list[str], mapping: dict[str, Any], *, pattern: str | None = None) -> Events:
    """Spark in local mode over the Parquet files (as on a cluster, with two local cores),
    its session in UTC so days and weeks are UTC days and weeks."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInput("the spark engine needs pyspark and Java 17: pip install 'pyspark>=4.0,<4.1'") from None
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("grounded")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    connection = ibis.pyspark.connect(spark)
    try:
        table = connection.read_parquet(pattern or files[0], table_name="events")
    except Exception as error:  # Spark reports through Java exceptions of many kinds
        raise InvalidInput(f"Spark could not read {pattern or files[0]}: {str(error).splitlines()[0][:300]}") from None
    return Events(
        standard(table, mapping, where=files[0]),
        "pyspark",
        f"spark local over {len(files)} file(s)",
        _rows(connection),
        connection,
    )


def _safe(url: str) -> str:
    """A URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


def accounts_data(rows: Sequence[dict[str, Any]]) -> Any:
    """The workspace's accounts as an Arrow table, for filters and breakdowns by account
    fields."""
    import pyarrow as pa

    return pa.table(
        {
            "account_key": pa.array([r["external_id"] for r in rows], type=pa.string()),
            "name": pa.array([r.get("name") for r in rows], type=pa.string()),
            "plan": pa.array([r.get("plan") for r in rows], type=pa.string()),
            "segment": pa.array([r.get("segment") for r in rows], type=pa.string()),
            "region": pa.array([r.get("region") for r in rows], type=pa.string()),
            "arr_band": pa.array([arr_band(r.get("arr")) for r in rows], type=pa.string()),
        }
    )

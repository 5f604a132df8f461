"""Activity rollups: the events of a file-based event source (the workspace's store, or a
Parquet/CSV source) summed per user per day and per account per day, in a DuckDB file
beside the store, so repeated questions over a large log are answered from a small table.

Four tables, each keyed by the UTC day and the account (so filters and breakdowns by
account fields still join the workspace's accounts at question time, and a changed account
record changes the answer without a rebuild):

- ``user_days``: day, user_id, account_id, n_events, first_at, last_at (any event);
- ``user_day_events``: the same per event name;
- ``account_days`` and ``account_day_events``: the same without the user;

and, folded from these in the same update, the coarse tables of ``rollup_periods`` (each
user's first event, user × week and × month).

``first_at`` and ``last_at`` keep the first and last moment, so a retention's "came back at
or after the moment of the start" is decided exactly as on the raw events. What a rollup
cannot answer (event properties, funnels, rolling retention, time to complete, other time
zones) is computed from the events; ``rollup_plan`` decides.

Kept up to date incrementally: the ``parts`` table records each file rolled up (size,
modification time, first and last day). An update finds new, changed and removed files,
recomputes only the days they touch (from all the files, so events that arrive late for a
day already rolled up are counted), and commits everything at once: a failed update leaves
the rollup as it was. A rollup whose recorded files differ from the store's is stale and is
not used.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from grounded.errors import InvalidInput
from grounded.metrics import rollup_periods
from grounded.models.enums import EventSourceKind

TABLES = ("user_days", "user_day_events", "account_days", "account_day_events")
#: Days recomputed per statement: progress moves, and memory stays bounded on a large log.
DAYS_PER_STEP = 15
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Part:
    path: str
    size: int
    modified: int

    @classmethod
    def of(cls, path: str) -> Part:
        stat = Path(path).stat()
        return cls(path, stat.st_size, stat.st_mtime_ns)


@dataclass
class Report:
    """What an update did."""

    path: Path
    new_parts: int = 0
    removed_parts: int = 0
    days: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "new_parts": self.new_parts,
            "removed_parts": self.removed_parts,
            "days_recomputed": self.days,
            "rows": self.rows,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 3),
        }


def path_for(directory: Path, source_name: str) -> Path:
    return directory / f"{source_name}.duckdb"


def files_of(location: str) -> list[str]:
    return sorted(glob.glob(str(Path(location).expanduser())))


def supported(kind: EventSourceKind) -> bool:
    return kind in (EventSourceKind.PARQUET, EventSourceKind.CSV)


def update(
    path: Path,
    *,
    kind: EventSourceKind,
    location: str,
    mapping: dict[str, Any],
    rebuild: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Bring the rollup at ``path`` up to date with the source's files (or rebuild it)."""
    import time

    import duckdb

    if not supported(kind):
        raise InvalidInput(
            f"rollups are kept for Parquet and CSV event sources; this one is {kind.value} "
            "(a warehouse answers from its own tables)"
        )
    started = time.perf_counter()
    files = files_of(location)
    if not files:
        raise InvalidInput(f"the event store {location} holds no event files to roll up")
    path.parent.mkdir(parents=True, exist_ok=True)
    report = Report(path, rebuilt=rebuild)
    try:
        with _connection(path) as connection:
            _update(connection, report, kind, files, mapping, rebuild=rebuild, progress=progress)
    except duckdb.IOException as error:
        raise InvalidInput(f"the rollup {path} is in use or cannot be written: {str(error).splitlines()[0]}") from None
    except duckdb.Error as error:
        raise InvalidInput(f"the events at {location} could not be rolled up: {str(error).splitlines()[0]}") from None
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _connection(path: Path) -> Iterator[Any]:
    import duckdb

    connection = duckdb.connect(str(path))
    try:
        connection.execute("SET TimeZone = 'UTC'")
        yield connection
    finally:
        connection.close()


def _update(
    connection: Any,
    report: Report,
    kind: EventSourceKind,
    files: list[str],
    mapping: dict[str, Any],
    *,
    rebuild: bool,
    progress: Progress | None,
) -> None:
    connection.execute("BEGIN TRANSACTION")
    try:
        if rebuild:
            for name in (*TABLES, *rollup_periods.COARSE, "parts"):
                connection.execute(f"DROP TABLE IF EXISTS {name}")
        _create(connection)
        fill = rollup_periods.create(connection)  # new coarse tables are filled from the daily ones
        known = {
            row[0]: row
            for row in connection.execute("SELECT path, size, modified, first_day, last_day FROM parts").fetchall()
        }
        current = {path: Part.of(path) for path in files}
        fresh = [
            p
            for p in current.values()
            if p.path not in known or (known[p.path][1], known[p.path][2]) != (p.size, p.modified)
        ]
        gone = [row for path, row in known.items() if path not in current or current[path] in fresh]
        report.new_parts, report.removed_parts = len(fresh), len([r for r in gone if r[0] not in current])
        touched, records = _days_touched(connection, kind, fresh, mapping)
        days = touched | _days_between(connection, gone)
        report.days = len(days)
        _recompute(connection, kind=kind, files=files, mapping=mapping, days=sorted(days), progress=progress)
        rollup_periods.update(connection, sorted(days), everything=fill)
        for row in gone:
            connection.execute("DELETE FROM parts WHERE path = ?", [row[0]])
        for record in records:
            connection.execute("INSERT INTO parts VALUES (?, ?, ?, ?, ?)", record)
        report.rows = {
            name: int(connection.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])  # noqa: S608 - constant names
            for name in (*TABLES, *rollup_periods.COARSE)
        }
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _create(connection: Any) -> None:
    keys = "day DATE, user_id VARCHAR, account_id VARCHAR"
    stamps = "n_events BIGINT, first_at TIMESTAMPTZ, last_at TIMESTAMPTZ"
    connection.execute(f"CREATE TABLE IF NOT EXISTS user_days ({keys}, {stamps})")
    connection.execute(f"CREATE TABLE IF NOT EXISTS user_day_events ({keys}, event VARCHAR, {stamps})")
    connection.execute(f"CREATE TABLE IF NOT EXISTS account_days (day DATE, account_id VARCHAR, {stamps})")
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS account_day_events (day DATE, account_id VARCHAR, event VARCHAR, {stamps})"
    )
    connection.execute(
        "CREATE TABLE IF NOT EXISTS parts (path VARCHAR, size BIGINT, modified BIGINT, first_day DATE, last_day DATE)"
    )


def _source(kind: EventSourceKind, files: list[str], mapping: dict[str, Any], *, with_file: bool = False) -> str:
    """A SELECT of grounded's columns (user_id, account_id, event, occurred_at) from files."""
    listed = "[" + ", ".join(_literal(f) for f in files) + "]"
    options = ", filename = true" if with_file else ""
    reader = f"read_parquet({listed}{options})" if kind is EventSourceKind.PARQUET else f"read_csv({listed}{options})"
    user, account = _column(mapping, "user", "user_id"), _column(mapping, "account", "account_id")
    event, stamp = _column(mapping, "event", "event"), _column(mapping, "timestamp", "occurred_at")
    account_value = f"CAST({account} AS VARCHAR)" if account else "CAST(NULL AS VARCHAR)"
    file = ", filename" if with_file else ""
    return (
        f"SELECT CAST({user} AS VARCHAR) AS user_id, {account_value} AS account_id, "  # noqa: S608 - quoted names
        f"CAST({event} AS VARCHAR) AS event, CAST({stamp} AS TIMESTAMPTZ) AS occurred_at{file} FROM {reader}"
    )


def _column(mapping: dict[str, Any], key: str, default: str) -> str:
    return '"' + str(mapping.get(key, default)).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _days_touched(
    connection: Any, kind: EventSourceKind, parts: list[Part], mapping: dict[str, Any]
) -> tuple[set[date], list[list[Any]]]:
    """The days the parts hold events on, and each part's row for the ``parts`` table."""
    if not parts:
        return set(), []
    source = _source(kind, [p.path for p in parts], mapping, with_file=True)
    # Days Python can hold only (years 1 to 9999; not 'infinity'): no metric is computed past them.
    rows = connection.execute(
        f"SELECT DISTINCT filename, CAST(occurred_at AS DATE) AS day FROM ({source}) "  # noqa: S608 - quoted names
        "WHERE isfinite(occurred_at) AND occurred_at >= TIMESTAMPTZ '0001-01-01 00:00:00+00' "
        "AND occurred_at < TIMESTAMPTZ '9999-12-31 00:00:00+00' + INTERVAL 1 DAY"
    ).fetchall()
    days = {day for _, day in rows if day is not None}
    spans: dict[str, list[date]] = {}
    for name, day in rows:
        if day is not None:
            spans.setdefault(name, []).append(day)
    records = [
        [p.path, p.size, p.modified, min(spans.get(p.path, [None])), max(spans.get(p.path, [None]))]  # type: ignore[type-var]
        for p in parts
    ]
    return days, records


def _days_between(connection: Any, rows: list[tuple[Any, ...]]) -> set[date]:
    """The rolled-up days from each part's first to its last: the days a removed or changed
    part may have contributed to (read from the rollup, in one pass, not counted out: a part
    whose events run from 2026 to an outlying 9999 spans three million days, nearly all empty)."""
    spans = [(first, last) for *_, first, last in rows if first is not None and last is not None]
    if not spans:
        return set()
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE gone_spans AS "
        "SELECT unnest(?::DATE[]) AS first_day, unnest(?::DATE[]) AS last_day",
        [[first for first, _ in spans], [last for _, last in spans]],
    )
    found = connection.execute(
        "SELECT DISTINCT d.day FROM (SELECT DISTINCT day FROM user_day_events) AS d "
        "JOIN gone_spans AS g ON d.day BETWEEN g.first_day AND g.last_day"
    ).fetchall()
    return {day for (day,) in found}


def _recompute(
    connection: Any,
    *,
    kind: EventSourceKind,
    files: list[str],
    mapping: dict[str, Any],
    days: list[date],
    progress: Progress | None,
) -> None:
    """Replace the rollup's rows for these days with sums over all the files."""
    source = _source(kind, files, mapping)
    for offset in range(0, len(days), DAYS_PER_STEP):
        chunk = days[offset : offset + DAYS_PER_STEP]
        connection.execute("CREATE OR REPLACE TEMP TABLE chosen AS SELECT unnest(?::DATE[]) AS day", [chunk])
        for name in TABLES:
            connection.execute(f"DELETE FROM {name} WHERE day IN (SELECT day FROM chosen)")  # noqa: S608
        connection.execute(  # the day after the last in SQL: Python's dates end with 9999-12-31
            f"""INSERT INTO user_day_events
            SELECT CAST(occurred_at AS DATE) AS day, user_id, account_id, event,
                   count(*), min(occurred_at), max(occurred_at)
            FROM ({source}) AS e
            WHERE occurred_at >= CAST(? AS DATE) AND occurred_at < CAST(? AS DATE) + INTERVAL 1 DAY
              AND CAST(occurred_at AS DATE) IN (SELECT day FROM chosen)
            GROUP BY ALL ORDER BY event, day""",  # noqa: S608 - the source is built from quoted names
            [chunk[0], chunk[-1]],
        )
        _derive(connection)
        if progress is not None:
            progress(min(offset + DAYS_PER_STEP, len(days)), len(days))


def _derive(connection: Any) -> None:
    """The other three tables, for the chosen days, from ``user_day_events``."""
    sums = "sum(n_events), min(first_at), max(last_at)"
    for name, keys, order in (
        ("user_days", "day, user_id, account_id", "day"),
        ("account_day_events", "day, account_id, event", "event, day"),
        ("account_days", "day, account_id", "day"),
    ):
        connection.execute(
            f"INSERT INTO {name} SELECT {keys}, {sums} FROM user_day_events "  # noqa: S608 - constant names
            f"WHERE day IN (SELECT day FROM chosen) GROUP BY ALL ORDER BY {order}"
        )


def stale_parts(connection: Any, files: list[str]) -> int:
    """How many of the source's files differ from the ones rolled up (new, changed, gone);
    ``connection`` has the rollup attached as ``grounded_rollup``."""
    rolled = {
        row[0]: (row[1], row[2])
        for row in connection.execute("SELECT path, size, modified FROM grounded_rollup.parts").fetchall()
    }
    current = {path: (part.size, part.modified) for path in files for part in [Part.of(path)]}
    changed = sum(1 for path, stamp in current.items() if rolled.get(path) != stamp)
    return changed + sum(1 for path in rolled if path not in current)


def attach(events: Any, path: Path, files: list[str]) -> str | None:
    """Open the rollup at ``path`` on a DuckDB engine's connection, when it is there and up
    to date with ``files``: sets ``events.rollup``. A note when it is there but not used."""
    from grounded.metrics.rollup_plan import Rollup

    if not path.is_file() or events.dialect != "duckdb":
        return None
    connection = events.connection
    try:
        connection.raw_sql(f"ATTACH {_literal(str(path))} AS grounded_rollup (READ_ONLY)")
    except Exception as error:  # locked by an update in progress, or not a DuckDB file
        return f"the rollup was not read ({str(error).splitlines()[0][:200]}); computed from the events"
    stale = stale_parts(connection.con, files)
    if stale:
        connection.raw_sql("DETACH grounded_rollup")
        return (
            f"the rollup is behind the event store ({stale} file(s) differ), so the events were read; "
            "bring it up to date with: grounded metric rollup"
        )
    coarse = {}
    if not rollup_periods.missing(connection.con, "grounded_rollup"):
        coarse = {name: connection.table(name, database="grounded_rollup") for name in rollup_periods.COARSE}
    extent = "SELECT min(first_day), max(last_day) FROM grounded_rollup.parts"
    ((first, last),) = connection.con.execute(extent).fetchall()  # read to the end: DuckDB 2 holds the connection
    daily = {name: connection.table(name, database="grounded_rollup") for name in TABLES}
    events.rollup = Rollup(**daily, coarse=coarse, extent=(first, last))
    return None


def refresh(
    session: Any,
    workspace: Any,
    *,
    directory: Path,
    source: str | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Bring the rollup of an event source of the workspace (its default, or one named) up
    to date, or rebuild it. Nothing in the workspace database changes."""
    from grounded.metrics import event_sources

    found = event_sources.get(session, workspace, source) if source else event_sources.default(session, workspace)
    if found is None:
        raise InvalidInput(
            "this workspace has no event source to roll up; import usage events with: "
            "grounded import --preset usage_events FILE"
        )
    return update(
        path_for(directory, found.name),
        kind=found.kind,
        location=found.location,
        mapping=found.column_mapping,
        rebuild=rebuild,
        progress=progress,
    )

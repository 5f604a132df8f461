"""What SQLite itself needs per row to store an imported ticket, part by part: the floor
the importer's writer cannot go below, whatever Python does around it.

    .venv/bin/python bench/import_write_parts.py [--rows N]

Rows shaped as the importer writes them (20 values, ids as 32 hex digits, about 300 bytes
of text) go in by executemany, 10,000 per transaction, into: a plain table; the same with
the evidence table's five indexes; the migrated evidence table itself (its constraints and
partial indexes) with foreign keys checked per row and not, and as it would be with ids as
16-byte BLOBs (and hashes as bytes, times as integers); and the full-text index alone
(FTS5 as migration 0002 makes it, and variants); then the evidence table without its
account index, and with its indexes built after the rows (as a bulk load would). CPU and
wall time per row are printed, and the floor (``sqlite3``'s ``.import`` of the same rows as
CSV into a plain table) measured in the same run, then what the cheapest of these leave for
the importer's writer against the issue's budgets: 20 µs a row for 50,000 rows/s, and 3×
the floor.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from grounded.db import migrate
from grounded.db.engine import PAGE_SIZE, make_engine
from grounded.ids import uuid7_hex_many
from machine import describe

WORDS = (
    "report export spreadsheet weekly dashboard slow login sso billing invoice chart filter team monday rebuild "
    "numbers match salesforce sync connector data refresh error timeout csv excel pivot totals region customer "
    "revenue pipeline board schedule email alert permission share link view layout template saved column row"
).split()
COLUMNS = (
    "id workspace_id number source_id source_key external_id kind mode title text occurred_at account_id "
    "person_id stakeholder_group_id parent_id attributes content_hash row_hash created_at updated_at"
).split()
INDEXES = (
    "CREATE UNIQUE INDEX p1 ON plain (id)",
    "CREATE UNIQUE INDEX p2 ON plain (workspace_id, number)",
    "CREATE UNIQUE INDEX p3 ON plain (workspace_id, source_key, external_id)",
    "CREATE INDEX p4 ON plain (workspace_id, occurred_at)",
    "CREATE INDEX p5 ON plain (account_id)",
)
BATCH = 10_000
NOW = "2026-01-01 00:00:00.000000"


def database(directory: Path, name: str, page_size: int | None = None) -> sqlite3.Connection:
    """A migrated database as grounded makes it; ``page_size``: made with pages of that size
    instead of grounded's (as a database made before grounded chose its own)."""
    path = directory / f"{name}.db"
    if page_size is not None:
        made = sqlite3.connect(path)
        made.execute(f"PRAGMA page_size={int(page_size)}")
        made.execute("PRAGMA journal_mode=WAL")  # fixes the page size before any table
        made.close()
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "cache_size=-32768"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def parents(connection: sqlite3.Connection) -> tuple[str, str, list[str], list[str]]:
    """A workspace, a run, 2,000 accounts and 40,000 people, as the benchmark's file names."""
    workspace, source = uuid.uuid4().hex, uuid.uuid4().hex
    connection.execute(
        "INSERT INTO workspace (id, slug, name, description, currency, settings, created_at, updated_at) "
        "VALUES (?, 'b', 'B', '', 'USD', '{}', ?, ?)",
        (workspace, NOW, NOW),
    )
    connection.execute(
        "INSERT INTO source (id, workspace_id, number, source_key, kind, mapping, options, status, started_at, "
        "rows_read, new_count, updated_count, unchanged_count, quarantined_count) "
        "VALUES (?, ?, 1, 'zendesk', 'evidence', '{}', '{}', 'running', ?, 0, 0, 0, 0, 0)",
        (source, workspace, NOW),
    )
    accounts = [uuid.uuid4().hex for _ in range(2000)]
    connection.executemany(
        "INSERT INTO account (id, workspace_id, external_id, name, attributes, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, '{}', ?, ?)",
        [(a, workspace, f"org {i}", f"org {i}", NOW, NOW) for i, a in enumerate(accounts)],
    )
    people = [uuid.uuid4().hex for _ in range(40000)]
    connection.executemany(
        "INSERT INTO person (id, workspace_id, external_id, account_id, attributes, is_redacted, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, '{}', 0, ?, ?)",
        [(p, workspace, f"user{i}@x", accounts[i % 2000], NOW, NOW) for i, p in enumerate(people)],
    )
    return workspace, source, accounts, people


def rows(count: int, workspace: str, source: str, accounts: list[str], people: list[str]) -> list[tuple[object, ...]]:
    rng = random.Random(7)
    ids = uuid7_hex_many(count)
    made = []
    for n in range(count):
        user = rng.randrange(40000)
        when = f"2025-01-01 00:00:00.{n % 1_000_000:06d}"
        made.append(
            (
                ids[n], workspace, n + 1, source, "zendesk", str(100000 + n), "ticket", "observed",
                " ".join(rng.choices(WORDS, k=6)), " ".join(rng.choices(WORDS, k=45)), when,
                accounts[user % 2000], people[user], None, None, '{"Status": "open"}',
                uuid.uuid4().hex * 2, uuid.uuid4().hex, when, when,
            )
        )  # fmt: skip
    return made


def timed(connection: sqlite3.Connection, statement: str, data: list[tuple[object, ...]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(data), BATCH):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(statement, data[start : start + BATCH])
        connection.execute("COMMIT")
    return (time.perf_counter() - wall) / len(data) * 1e6, (time.process_time() - cpu) / len(data) * 1e6


def evidence_part(
    directory: Path,
    count: int,
    name: str,
    prepare: Callable[[sqlite3.Connection], str],
    *,
    after: Sequence[str] = (),
    page_size: int | None = None,
) -> float:
    """The rows into the table ``prepare`` makes ready; ``after``: statements run (in one
    transaction) once every row is in, counted in the time. Returns wall µs a row."""
    connection = database(directory, name.replace(" ", "_").replace(",", ""), page_size)
    data = rows(count, *parents(connection))
    connection.execute("DROP TRIGGER search_fts_evidence_insert")  # the importer writes search itself
    table = prepare(connection)
    marks = ",".join("?" * len(COLUMNS))
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    wall, cpu = timed(connection, f"INSERT INTO {table} ({','.join(COLUMNS)}) VALUES ({marks})", data)
    if after:
        connection.execute("BEGIN IMMEDIATE")
        for statement in after:
            connection.execute(statement)
        connection.execute("COMMIT")
        wall = (time.perf_counter() - started_wall) / count * 1e6
        cpu = (time.process_time() - started_cpu) / count * 1e6
    print(f"{name:<52} {cpu:6.2f} µs CPU {wall:6.2f} µs wall a row", flush=True)
    connection.close()
    return wall


def named_indexes(connection: sqlite3.Connection) -> dict[str, str]:
    """The evidence table's own indexes (not the constraints' autoindexes): name → SQL."""
    found = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'evidence' AND type = 'index' AND sql IS NOT NULL"
    )
    return dict(found.fetchall())


def without(names: Sequence[str]) -> Callable[[sqlite3.Connection], str]:
    """The evidence table with these of its indexes dropped (foreign keys per batch)."""

    def prepare(connection: sqlite3.Connection) -> str:
        connection.execute("PRAGMA foreign_keys=OFF")
        for index in names:
            connection.execute(f"DROP INDEX {index}")
        return "evidence"

    return prepare


def floor_part(directory: Path, count: int) -> float | None:
    """``sqlite3 .import`` of the same rows written as CSV, into a plain table: the issue's
    floor, in this run. None where the sqlite3 program is missing."""
    if shutil.which("sqlite3") is None:
        print("floor: the sqlite3 program is not installed, not measured")
        return None
    exported = directory / "rows.csv"
    with exported.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows(count, "w" * 32, "s" * 32, ["a" * 32] * 2000, ["p" * 32] * 40000))
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(directory / "floor.db"), ".mode csv", f".import {exported} raw"], check=True)
    wall = (time.perf_counter() - started) / count * 1e6
    print(f"{'floor: sqlite3 .import of the same rows as CSV':<52} {wall:6.2f} µs wall a row", flush=True)
    return wall


def plain(indexes: bool) -> Callable[[sqlite3.Connection], str]:
    def prepare(connection: sqlite3.Connection) -> str:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute(f"CREATE TABLE plain ({', '.join(COLUMNS)})")
        for statement in INDEXES if indexes else ():
            connection.execute(statement)
        return "plain"

    return prepare


def evidence(foreign_keys: bool) -> Callable[[sqlite3.Connection], str]:
    def prepare(connection: sqlite3.Connection) -> str:
        connection.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        return "evidence"

    return prepare


#: The columns that hold an id (32 hex digits), and those that hold a time (26 characters).
ID_COLUMNS = {"id", "workspace_id", "source_id", "account_id", "person_id", "stakeholder_group_id", "parent_id"}
TIME_COLUMNS = {"occurred_at", "created_at", "updated_at"}


def narrow_part(directory: Path, count: int, name: str, *, integer_times: bool) -> None:
    """The evidence table with its constraints and indexes as migrated, but ids as 16-byte
    BLOBs (and, if asked, hashes as bytes and times as integer microseconds): what a
    narrower schema would cost per row, for the decision the importer's speed waits on."""
    connection = database(directory, name.replace(" ", "_").replace(",", ""))
    data = rows(count, *parents(connection))
    connection.execute("DROP TRIGGER search_fts_evidence_insert")
    connection.execute("PRAGMA foreign_keys=OFF")  # as the importer's batches run
    statements = [
        sql
        for (sql,) in connection.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'evidence' AND type IN ('table', 'index') "
            "AND sql IS NOT NULL ORDER BY type DESC"
        )
    ]
    for sql in statements:
        sql = sql.replace("CREATE TABLE evidence", "CREATE TABLE narrow").replace(" ON evidence ", " ON narrow ")
        sql = sql.replace("CHAR(32)", "BLOB").replace("INDEX ix_", "INDEX nx_")
        if integer_times:
            sql = sql.replace("DATETIME", "INTEGER").replace("VARCHAR(64)", "BLOB").replace("VARCHAR(32)", "BLOB")
        connection.execute(sql)
    epoch = datetime(1970, 1, 1)

    def value(column: str, given: object) -> object:
        if given is None:
            return None
        if column in ID_COLUMNS:
            return bytes.fromhex(str(given))
        if integer_times and column in TIME_COLUMNS:
            return (datetime.fromisoformat(str(given)) - epoch) // timedelta(microseconds=1)
        if integer_times and column in ("content_hash", "row_hash"):
            return bytes.fromhex(str(given))
        return given

    narrow = [tuple(value(column, given) for column, given in zip(COLUMNS, row, strict=True)) for row in data]
    marks = ",".join("?" * len(COLUMNS))
    wall, cpu = timed(connection, f"INSERT INTO narrow ({','.join(COLUMNS)}) VALUES ({marks})", narrow)
    print(f"{name:<52} {cpu:6.2f} µs CPU {wall:6.2f} µs wall a row", flush=True)
    connection.close()


def search_part(directory: Path, count: int, name: str, options: str, page_size: int = PAGE_SIZE) -> float:
    connection = sqlite3.connect(directory / f"{name}.db", isolation_level=None)
    connection.execute(f"PRAGMA page_size={int(page_size)}")  # as grounded makes a database
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"CREATE VIRTUAL TABLE f USING fts5(title, body, content='', {options})")
    connection.execute("INSERT INTO f (f, rank) VALUES ('automerge', 16)")
    rng = random.Random(3)
    data = [(i + 1, " ".join(rng.choices(WORDS, k=6)), " ".join(rng.choices(WORDS, k=45))) for i in range(count)]
    wall, cpu = timed(connection, "INSERT INTO f (rowid, title, body) VALUES (?, ?, ?)", data)
    print(f"{name:<52} {cpu:6.2f} µs CPU {wall:6.2f} µs wall a row", flush=True)
    connection.close()
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    count = parser.parse_args().rows
    print(f"machine: {describe()}; SQLite {sqlite3.sqlite_version}; {count:,} rows, {BATCH:,} a transaction")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        floor = floor_part(directory, count)
        evidence_part(directory, count, "plain table, no index", plain(indexes=False))
        evidence_part(directory, count, "plain table, evidence's 5 indexes", plain(indexes=True))
        as_migrated = evidence_part(
            directory, count, "evidence table, foreign keys not checked per row", evidence(False)
        )
        evidence_part(directory, count, "evidence table, foreign keys checked per row", evidence(True))
        evidence_part(directory, count, "evidence table, SQLite's default 4 KB pages", evidence(False), page_size=4096)
        narrow_part(directory, count, "evidence table, ids as 16-byte BLOBs", integer_times=False)
        narrow_part(directory, count, "the same, hashes as bytes, times as integers", integer_times=True)
        no_account = evidence_part(
            directory, count, "evidence table without its account index", without(["ix_evidence_account"])
        )
        probe = database(directory, "probe")
        indexes = named_indexes(probe)
        probe.close()
        bulk = evidence_part(
            directory,
            count,
            "evidence table, its indexes built after the rows",
            without(list(indexes)),
            after=list(indexes.values()),
        )
        porter = "tokenize='porter unicode61 remove_diacritics 2'"
        search = search_part(directory, count, "full-text index as grounded's (porter, detail=full)", porter)
        search_part(directory, count, "full-text index with SQLite's default 4 KB pages", porter, page_size=4096)
        search_part(directory, count, "full-text index without stemming", "tokenize='unicode61 remove_diacritics 2'")
        search_part(directory, count, "full-text index without positions (detail=none)", f"{porter}, detail=none")
    budget(
        floor,
        {"as migrated": as_migrated, "without the account index": no_account, "indexes built after": bulk},
        search,
    )


def budget(floor: float | None, evidence_walls: dict[str, float], search: float) -> None:
    """What SQLite alone costs the importer's one writing thread a row (the evidence row and
    its full-text entry, no Python at all), against the issue's budgets."""
    print("the writer's SQLite work a row (evidence + its full-text entry), before any Python:")
    for label, wall in evidence_walls.items():
        total = wall + search
        print(f"  {label:<28} {total:6.2f} µs wall a row: at most {1e6 / total:>9,.0f} rows/s")
    print(f"  budget for 50,000 rows/s       {20.0:6.2f} µs wall a row")
    if floor is not None:
        print(f"  budget for 3x the floor        {3 * floor:6.2f} µs wall a row")


if __name__ == "__main__":
    main()

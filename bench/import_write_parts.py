"""What SQLite itself needs per row to store an imported ticket, part by part: the floor
the importer's writer cannot go below, whatever Python does around it.

    .venv/bin/python bench/import_write_parts.py [--rows N]

Rows shaped as the importer writes them (20 values, ids as 32 hex digits, about 300 bytes
of text) go in by executemany, 10,000 per transaction, into: a plain table; the same with
the evidence table's five indexes; the migrated evidence table itself (its constraints and
partial indexes) with foreign keys checked per row and not, and as it would be with ids as
16-byte BLOBs (and hashes as bytes, times as integers); and the full-text index alone
(FTS5 as migration 0002 makes it, and variants). CPU and wall time per row are printed.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from grounded.db import migrate
from grounded.db.engine import make_engine
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


def database(directory: Path, name: str) -> sqlite3.Connection:
    path = directory / f"{name}.db"
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


def evidence_part(directory: Path, count: int, name: str, prepare: Callable[[sqlite3.Connection], str]) -> None:
    connection = database(directory, name)
    data = rows(count, *parents(connection))
    connection.execute("DROP TRIGGER search_fts_evidence_insert")  # the importer writes search itself
    table = prepare(connection)
    marks = ",".join("?" * len(COLUMNS))
    wall, cpu = timed(connection, f"INSERT INTO {table} ({','.join(COLUMNS)}) VALUES ({marks})", data)
    print(f"{name:<52} {cpu:6.2f} µs CPU {wall:6.2f} µs wall a row", flush=True)
    connection.close()


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


def search_part(directory: Path, count: int, name: str, options: str) -> None:
    connection = sqlite3.connect(directory / f"{name}.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"CREATE VIRTUAL TABLE f USING fts5(title, body, content='', {options})")
    connection.execute("INSERT INTO f (f, rank) VALUES ('automerge', 16)")
    rng = random.Random(3)
    data = [(i + 1, " ".join(rng.choices(WORDS, k=6)), " ".join(rng.choices(WORDS, k=45))) for i in range(count)]
    wall, cpu = timed(connection, "INSERT INTO f (rowid, title, body) VALUES (?, ?, ?)", data)
    print(f"{name:<52} {cpu:6.2f} µs CPU {wall:6.2f} µs wall a row", flush=True)
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    count = parser.parse_args().rows
    print(f"machine: {describe()}; SQLite {sqlite3.sqlite_version}; {count:,} rows, {BATCH:,} a transaction")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        evidence_part(directory, count, "plain table, no index", plain(indexes=False))
        evidence_part(directory, count, "plain table, evidence's 5 indexes", plain(indexes=True))
        evidence_part(directory, count, "evidence table, foreign keys not checked per row", evidence(False))
        evidence_part(directory, count, "evidence table, foreign keys checked per row", evidence(True))
        narrow_part(directory, count, "evidence table, ids as 16-byte BLOBs", integer_times=False)
        narrow_part(directory, count, "the same, hashes as bytes, times as integers", integer_times=True)
        porter = "tokenize='porter unicode61 remove_diacritics 2'"
        search_part(directory, count, "full-text index as grounded's (porter, detail=full)", porter)
        search_part(directory, count, "full-text index without stemming", "tokenize='unicode61 remove_diacritics 2'")
        search_part(directory, count, "full-text index without positions (detail=none)", f"{porter}, detail=none")


if __name__ == "__main__":
    main()

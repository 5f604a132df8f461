"""Import 1,000,000 tickets: rows/s and peak memory on SQLite and PostgreSQL, a second
(all unchanged) import, and SQLite's own bulk load of the same file as the floor.

    .venv/bin/python bench/import_tickets.py [--rows N] [--no-postgres]

Targets (issue 3, 2 cores): >= 50,000 rows/s, peak RSS <= 500 MB, within 3x of the floor;
the unchanged re-import >= 150,000 rows/s. PostgreSQL: GROUNDED_TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/test (a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from machine import describe

HERE = Path(__file__).resolve().parent
WORDS = (
    "report export spreadsheet weekly dashboard slow login sso billing invoice chart filter team monday rebuild "
    "numbers match salesforce sync connector data refresh error timeout csv excel pivot totals region customer "
    "revenue pipeline board schedule email alert permission share link view layout template saved column row"
).split()
POSTGRES = os.environ.get("GROUNDED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def generate(path: Path, rows: int) -> None:
    """A Zendesk-shaped export, oldest first as exports are, about 300 bytes of text a row:
    40,000 requesters in 2,000 organisations."""
    rng = random.Random(42)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=540) / rows
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Id",
                "Subject",
                "Description",
                "Created at",
                "Requester",
                "Requester email",
                "Organization",
                "Status",
                "Priority",
                "Tags",
            ]
        )
        for n in range(rows):
            user = rng.randrange(40000)
            org = user % 2000  # a requester belongs to one organisation
            writer.writerow(
                [
                    100000 + n,
                    " ".join(rng.choices(WORDS, k=6)),
                    " ".join(rng.choices(WORDS, k=45)),
                    (start + step * n).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"User {user}",
                    f"user{user}@org{org}.example",
                    f"Organisation {org}",
                    rng.choice(("open", "solved", "pending")),
                    rng.choice(("low", "normal", "high")),
                    rng.choice(("", "reporting", "billing", "export")),
                ]
            )


def run_import(url: str, path: Path) -> dict[str, float]:
    """One import in a fresh process (so its peak memory is its own)."""
    result = subprocess.run(
        [sys.executable, str(HERE / "_import_once.py"), url, str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def floor(path: Path, directory: Path) -> float:
    target = directory / "floor.db"
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(target), ".mode csv", f".import {path} raw"], check=True)
    return time.perf_counter() - started


def postgres_database() -> tuple[str, str] | None:
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"grounded_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        return None
    finally:
        admin.dispose()
    return sa.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False), name


def drop(name: str) -> None:
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def line(label: str, figures: dict[str, float], rows: int) -> str:
    memory = f"peak RSS {figures['peak_rss_mb']:>4.0f} MB"
    if figures.get("reader") == "process":
        memory += f" + reading process {figures['reader_peak_rss_mb']:>4.0f} MB"
    return (
        f"{label:<34} {figures['seconds']:>7.1f} s {rows / figures['seconds']:>10,.0f} rows/s  {memory}  "
        f"new {figures['new']:,.0f} unchanged {figures['unchanged']:,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    rows = arguments.rows
    print(f"machine: {describe()}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    export = out / f"tickets-{rows}.csv"
    if not export.exists():
        generate(export, rows)
    print(f"file: {export.name}, {export.stat().st_size / 1e6:.0f} MB, {rows:,} rows")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        floor_seconds = floor(export, directory) if shutil.which("sqlite3") else float("nan")
        label = "floor: sqlite3 .import (plain table)"
        print(f"{label:<34} {floor_seconds:>7.1f} s {rows / floor_seconds:>10,.0f} rows/s")
        url = f"sqlite:///{directory / 'grounded.db'}"
        first = run_import(url, export)
        print(line("grounded import, SQLite", first, rows) + f"  ratio to floor {first['seconds'] / floor_seconds:.2f}")
        second = run_import(url, export)
        print(line("same file again, SQLite", second, rows))
    if arguments.no_postgres:
        return
    created = postgres_database()
    if created is None:
        print("PostgreSQL: not reachable, skipped")
        return
    url, name = created
    try:
        first = run_import(url, export)
        print(line("grounded import, PostgreSQL", first, rows))
        second = run_import(url, export)
        print(line("same file again, PostgreSQL", second, rows))
    finally:
        drop(name)


if __name__ == "__main__":
    main()

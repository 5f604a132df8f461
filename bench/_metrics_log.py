"""The benchmark's event log: N product events (50,000,000 by default) from 1,000,000 users
in 50,000 accounts, 30 event names, over 180 days, as one Parquet file sorted by time.

Made deterministically from a seed, shaped like a product's usage rather than uniform noise:
users sign up over the period (some before it), each with a heavy-tailed propensity to come
back (log-normal) and a lifetime after which they stop (exponential, mean 60 days); an active
day is one session of 1 + Poisson(11) events a few seconds to minutes apart, whose names
follow a Zipf law over the 30 names (so people repeat what they do most). The funnel's three
steps (view_report, create_report, export_csv) are among the names, in that order of
frequency. Columns are what grounded's event store writes: occurred_at (timestamp, UTC),
user_id, account_id, event, properties (JSON text).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

SINCE = date(2026, 1, 5)  # a Monday
DAYS = 180
UNTIL = SINCE + timedelta(days=DAYS)
NAMES = (
    "view_report", "login", "view_dashboard", "create_report", "filter_report", "share_report",
    "export_csv", "edit_chart", "open_notebook", "run_query", "save_query", "invite_user",
    "comment", "schedule_report", "export_pdf", "export_xlsx", "connect_source", "sync_source",
    "create_dashboard", "edit_dashboard", "set_alert", "view_alert", "search", "open_settings",
    "update_profile", "view_billing", "upgrade_plan", "api_call", "webhook_sent", "logout",
)  # fmt: skip
PROPERTIES = ('{"client":"web"}', '{"client":"web","plan":"pro"}', '{"client":"mobile"}', "{}")
EVENTS_PER_SESSION = 12.0  # 1 + Poisson(11)


def _population(rng: np.random.Generator, users: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    signup = rng.integers(-60, DAYS - 10, size=users)
    lifetime = np.ceil(rng.exponential(60.0, size=users)).astype(np.int64) + 1
    propensity = rng.lognormal(0.0, 1.2, size=users)
    return signup, lifetime, propensity


def _scale(signup: np.ndarray, lifetime: np.ndarray, propensity: np.ndarray, events: int) -> float:
    """The factor on propensity that makes the expected number of events ``events``."""
    alive = np.clip(np.minimum(signup + lifetime, DAYS) - np.maximum(signup, 0), 0, None)
    low, high = 0.0, 100.0
    for _ in range(60):
        middle = (low + high) / 2
        expected = float((alive * np.minimum(1.0, propensity * middle)).sum()) * EVENTS_PER_SESSION
        low, high = (middle, high) if expected < events else (low, middle)
    return (low + high) / 2


def _day(rng: np.random.Generator, day: int, alive_p: np.ndarray, zipf: np.ndarray) -> dict[str, np.ndarray]:
    active = np.flatnonzero(rng.random(alive_p.size) < alive_p)
    sizes = 1 + rng.poisson(EVENTS_PER_SESSION - 1, size=active.size)
    users = np.repeat(active, sizes)
    start = rng.integers(0, 86_400 - 3_600, size=active.size) * 1_000_000
    gaps = rng.exponential(40.0, size=users.size) * 1_000_000
    offsets = _session_offsets(gaps, sizes)  # seconds into the session, its first event at 0
    micros = np.minimum(np.repeat(start, sizes) + offsets.astype(np.int64), 86_400_000_000 - 1)
    base = int((datetime.combine(SINCE, datetime.min.time(), tzinfo=UTC) + timedelta(days=day)).timestamp())
    order = np.argsort(micros, kind="stable")
    return {
        "occurred_at": (base * 1_000_000 + micros)[order],
        "user": users[order],
        "event": rng.choice(len(NAMES), size=users.size, p=zipf)[order],
        "properties": rng.integers(0, len(PROPERTIES), size=users.size)[order],
    }


def _session_offsets(gaps: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The running total of the gaps, restarted at each session (its first event at 0)."""
    running = np.cumsum(gaps)
    firsts = np.r_[0, np.cumsum(sizes)[:-1]]
    offsets: np.ndarray = running - np.repeat(running[firsts], sizes)
    return offsets


def generate(path: Path, events: int, *, seed: int = 20260105, progress: bool = True) -> int:
    """Write the log to ``path`` (through a temporary file); the number of events written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    users = max(1_000, min(1_000_000, events // 50))
    accounts = max(50, users // 20)
    signup, lifetime, propensity = _population(rng, users)
    factor = _scale(signup, lifetime, propensity, events)
    account_of = rng.integers(0, accounts, size=users)
    user_ids = pa.array([f"u{n:07d}" for n in range(users)], type=pa.string())
    account_ids = pa.array([f"a{n:05d}" for n in range(accounts)], type=pa.string())
    names, properties = pa.array(NAMES, type=pa.string()), pa.array(PROPERTIES, type=pa.string())
    zipf = 1.0 / np.arange(1, len(NAMES) + 1) ** 1.1
    zipf /= zipf.sum()
    schema = pa.schema(
        [
            ("occurred_at", pa.timestamp("us", tz="UTC")),
            ("user_id", pa.string()),
            ("account_id", pa.string()),
            ("event", pa.string()),
            ("properties", pa.string()),
        ]
    )
    temporary, written, started = path.with_suffix(".tmp"), 0, time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
        for day in range(DAYS):
            alive = (signup <= day) & (day < signup + lifetime)
            chunk = _day(rng, day, np.where(alive, np.minimum(1.0, propensity * factor), 0.0), zipf)
            user = pa.array(chunk["user"])
            table = pa.table(
                {
                    "occurred_at": pa.array(chunk["occurred_at"], type=pa.int64()).cast(schema.field(0).type),
                    "user_id": user_ids.take(user),
                    "account_id": account_ids.take(pa.array(account_of[chunk["user"]])),
                    "event": names.take(pa.array(chunk["event"])),
                    "properties": properties.take(pa.array(chunk["properties"])),
                },
                schema=schema,
            )
            writer.write_table(table, row_group_size=1_000_000)
            written += table.num_rows
            if progress and day % 30 == 29:
                print(
                    f"  generated {day + 1} of {DAYS} days, {written:,} events, {time.perf_counter() - started:.0f} s"
                )
    temporary.replace(path)
    return written

"""Product usage events, written to Parquet: what customers do, not what they say.

Vectorised with numpy: users × days activity, events per active day, event types drawn
per behaviour. Analysts at "rebuilder" accounts export CSV every Monday and rarely come
back to the reports page during the week; everyone else reads reports in the product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from grounded.demo.company import DemoAccount, user_id

EVENTS = (
    "session_start",
    "dashboard_viewed",
    "report_viewed",
    "report_created",
    "report_builder_opened",
    "template_used",
    "export_csv",
    "export_xlsx",
    "export_pdf",
    "share_link_created",
    "scheduled_report_created",
    "query_run",
    "alert_created",
    "login_failed",
)
_E = {name: i for i, name in enumerate(EVENTS)}
SAVED = len(EVENTS)  # report_saved is added after report_builder_opened, not drawn
ALL_EVENTS = (*EVENTS, "report_saved")

#: Relative frequency of each event for people who work in the product.
READER = np.array([13, 22, 20, 2, 4, 0.6, 2.5, 1, 1, 2, 0.5, 25, 0.5, 1], dtype=float)
#: Rebuilder analysts on a Monday: export, export, export.
REBUILDER_MONDAY = np.array([14, 8, 9, 0.5, 1, 0.2, 30, 3, 0.5, 0.5, 0.1, 14, 0.2, 1], dtype=float)
#: Rebuilder analysts the rest of the week: barely any report reading.
REBUILDER_WEEK = np.array([16, 25, 1.5, 0.5, 1, 0.2, 1.5, 0.5, 0.5, 1, 0.2, 30, 0.5, 1], dtype=float)
WEEKDAY_FACTOR = np.array([1.2, 1.1, 1.1, 1.0, 0.85, 0.12, 0.08])  # Monday … Sunday
REGION_HOUR = {"NA": 14, "EMEA": 8, "APAC": 1, "LATAM": 13}
DAYS = 182
Progress = Callable[[int], None]


@dataclass(frozen=True)
class EventStats:
    rows: int
    users: int
    path: Path


def generate(
    accounts: list[DemoAccount], *, seed: int, as_of: date, target: int, path: Path, progress: Progress | None = None
) -> EventStats:
    rng = np.random.default_rng(seed)
    users = _users(rng, accounts)
    start = as_of - timedelta(days=DAYS)
    active = _activity(rng, users, start)
    user_idx, day_idx = np.nonzero(active)
    if len(user_idx) > target:  # a small target: fewer active days, not a floor of one event per day
        keep = np.sort(rng.choice(len(user_idx), size=max(target // 2, 1), replace=False))
        user_idx, day_idx = user_idx[keep], day_idx[keep]
    counts = _counts(rng, users["rate"][user_idx], target)
    rows_user, rows_day = np.repeat(user_idx, counts), np.repeat(day_idx, counts)
    if progress:
        progress(len(rows_user) // 3)
    kinds = _kinds(rng, users, rows_user, rows_day, start)
    table = _table(rng, accounts, users, rows_user=rows_user, rows_day=rows_day, kinds=kinds, start=start)
    if progress:
        progress(len(rows_user) // 3)
    _write(table, path)
    if progress:
        progress(len(rows_user) - 2 * (len(rows_user) // 3))
    return EventStats(rows=table.num_rows, users=len(users["account"]), path=path)


def _users(rng: np.random.Generator, accounts: list[DemoAccount]) -> dict[str, np.ndarray]:
    seats = np.array([a.seats for a in accounts])
    account = np.repeat(np.arange(len(accounts)), seats)
    seat = np.concatenate([np.arange(s) for s in seats]) if seats.sum() else np.zeros(0, int)
    n = len(account)
    rebuilder_account = np.array([a.rebuilder for a in accounts])[account]
    analyst = rng.random(n) < 0.5
    signup = np.where(rng.random(n) < 0.7, 0, rng.integers(0, DAYS, n))
    lifetime = rng.exponential(np.where(rebuilder_account, 260, 420), n)
    return {
        "account": account,
        "seat": seat,
        "signup": signup,
        "churn": signup + lifetime,
        "p_active": rng.beta(2.2, 4.0, n),
        "rate": rng.lognormal(1.1, 0.5, n),
        "rebuilder": rebuilder_account & analyst,
    }


def _activity(rng: np.random.Generator, users: dict[str, np.ndarray], start: date) -> np.ndarray:
    days = np.arange(DAYS)
    weekday = (start.weekday() + days) % 7
    probability = users["p_active"][:, None] * WEEKDAY_FACTOR[weekday][None, :]
    monday = weekday == 0
    probability[users["rebuilder"][:, None] & monday[None, :]] = 0.92
    alive = (days[None, :] >= users["signup"][:, None]) & (days[None, :] < users["churn"][:, None])
    active: np.ndarray = alive & (rng.random(probability.shape) < probability)
    return active


def _counts(rng: np.random.Generator, rates: np.ndarray, target: int) -> np.ndarray:
    scale = max(target - len(rates), 1) / max(float(rates.sum()), 1.0)
    counts: np.ndarray = 1 + rng.poisson(rates * scale)
    return counts


def _kinds(
    rng: np.random.Generator, users: dict[str, np.ndarray], rows_user: np.ndarray, rows_day: np.ndarray, start: date
) -> np.ndarray:
    weekday = (start.weekday() + rows_day) % 7
    rebuilder = users["rebuilder"][rows_user]
    kinds = np.empty(len(rows_user), dtype=np.int16)
    for mask, weights in (
        (~rebuilder, READER),
        (rebuilder & (weekday == 0), REBUILDER_MONDAY),
        (rebuilder & (weekday != 0), REBUILDER_WEEK),
    ):
        kinds[mask] = rng.choice(len(EVENTS), size=int(mask.sum()), p=weights / weights.sum())
    late = rows_day >= DAYS - 56  # templates launched eight weeks ago and are catching on slowly
    kinds[(kinds == _E["template_used"]) & ~late & (rng.random(len(kinds)) < 0.9)] = _E["dashboard_viewed"]
    return kinds


def _table(
    rng: np.random.Generator,
    accounts: list[DemoAccount],
    users: dict[str, np.ndarray],
    *,
    rows_user: np.ndarray,
    rows_day: np.ndarray,
    kinds: np.ndarray,
    start: date,
) -> Any:
    import pyarrow as pa

    hours = np.array([REGION_HOUR[a.region] for a in accounts])[users["account"][rows_user]]
    seconds = (hours + rng.normal(4.0, 2.2, len(kinds)).clip(0, 10)) * 3600 + rng.integers(0, 3600, len(kinds))
    saved = np.flatnonzero((kinds == _E["report_builder_opened"]) & (rng.random(len(kinds)) < 0.6))
    rows_user = np.concatenate([rows_user, rows_user[saved]])
    rows_day = np.concatenate([rows_day, rows_day[saved]])
    kinds = np.concatenate([kinds, np.full(len(saved), SAVED, dtype=np.int16)])
    seconds = np.concatenate([seconds, seconds[saved] + rng.lognormal(5.8, 0.7, len(saved))])
    epoch = datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()
    micros = ((epoch + rows_day * 86_400 + seconds) * 1e6).astype(np.int64)
    order = np.argsort(micros, kind="stable")
    rows_user, kinds, micros = rows_user[order], kinds[order], micros[order]
    account_of = users["account"][rows_user]
    user_names = pa.array([user_id(a + 1, s) for a, s in zip(users["account"], users["seat"], strict=True)])
    account_names = pa.array([a.external_id for a in accounts])
    return pa.table(
        {
            "event_id": pa.array(np.arange(1, len(kinds) + 1, dtype=np.int64)),
            "timestamp": pa.array(micros, type=pa.timestamp("us", tz="UTC")),
            "user_id": user_names.take(pa.array(rows_user)),
            "account_id": account_names.take(pa.array(account_of)),
            "event": pa.array(ALL_EVENTS).take(pa.array(kinds.astype(np.int32))),
            "properties": _properties(rng, kinds, account_of),
        }
    )


def _properties(rng: np.random.Generator, kinds: np.ndarray, account_of: np.ndarray) -> Any:
    """A JSON object per event: report ids for report and export events; status and
    duration for query runs (about 4% fail)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(kinds)
    report = pc.binary_join_element_wise(
        pa.array(np.char.mod("r-%04d", account_of + 1)), pa.array(np.char.mod("%d", rng.integers(1, 12, n))), "-"
    )
    failed = rng.random(n) < 0.04
    status = pa.array(np.where(failed, "failed", "ok"))
    duration = pa.array(np.char.mod("%d", rng.lognormal(6.5, 0.8, n).astype(np.int64)))
    with_report = pc.binary_join_element_wise('{"report_id": "', report, '"}', "")
    with_query = pc.binary_join_element_wise('{"status": "', status, '", "duration_ms": ', duration, "}", "")
    is_query = pa.array(kinds == _E["query_run"])
    is_report = pa.array(
        np.isin(
            kinds,
            [
                _E[k]
                for k in ("report_viewed", "report_created", "export_csv", "export_xlsx", "export_pdf", "template_used")
            ]
            + [SAVED],
        )
    )
    empty = pa.array(np.full(n, "{}"))
    return pc.if_else(is_query, with_query, pc.if_else(is_report, with_report, empty))


def _write(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".parquet.part")
    pq.write_table(table, temporary, compression="zstd", row_group_size=262_144)
    temporary.replace(path)

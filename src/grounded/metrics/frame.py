"""What a compiled metric reads and returns, and the steps every kind shares: the events in
range, of the right names, passing the spec's filters, with their day and period in the
spec's time zone and their breakdown values (``prepared``); whether an event is one of a
set's (``set_condition``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from grounded.metrics import dialects, periods, rollup_plan, zones
from grounded.metrics.spec import Base, EventSet

#: The columns every event table must have, and the ones it may have.
REQUIRED = ("user_id", "event", "occurred_at")
OPTIONAL = ("account_id", "properties")


@dataclass(frozen=True)
class Frame:
    """What a metric is computed over: the events, the accounts, the engine's dialect and
    the range of days [since, until)."""

    events: ir.Table
    dialect: str
    since: date
    until: date
    accounts: ir.Table | None = None
    #: The activity rollups, when the engine has them up to date (``metrics.rollups``).
    rollup: rollup_plan.Rollup | None = None
    #: The rollup table the events are read from, when they are (set by compile_spec).
    from_rollup: str | None = None


@dataclass(frozen=True)
class Compiled:
    """An expression and how to read its rows. ``shape`` names the finishing step."""

    expr: ir.Table
    shape: str
    by: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    #: Where it reads: "events", or the rollup table that answers it.
    source: str = "events"


def whole_seconds(moment: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970: engines disagree on fractions (DuckDB keeps them, ClickHouse
    and Spark drop them), so every engine drops them."""
    return moment.epoch_seconds().cast("float64").floor().cast("int64")


def by_names(spec: Base) -> list[str]:
    return [f"by_{i}" for i in range(len(spec.by))]


def _field(table: ir.Table, name: str, dialect: str) -> ir.Value:
    if name.startswith("account."):
        return table[f"acct_{name.removeprefix('account.')}"]
    return dialects.property_of(table, name.removeprefix("properties."), dialect)


def _matches(table: ir.Table, wanted: dict[str, Any], dialect: str) -> ir.BooleanValue | None:
    conditions = []
    for name, value in wanted.items():
        column = _field(table, name, dialect)
        if isinstance(value, list):
            conditions.append(column.isin([dialects.literal_text(v) for v in value]))
        else:
            conditions.append(column == dialects.literal_text(value))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def set_condition(table: ir.Table, events: EventSet, dialect: str) -> ir.BooleanValue:
    """Whether an event is one of the set's (its name and its property filters)."""
    condition = table.event.isin(events.events) if len(events.events) > 1 else table.event == events.events[0]
    narrowed = _matches(table, events.where, dialect)
    return condition if narrowed is None else condition & narrowed


def prepared(
    spec: Base,
    frame: Frame,
    *,
    names: list[str] | None = None,
    lookback: timedelta = timedelta(0),
    from_start: bool = False,
    dated: bool = True,
) -> ir.Table:
    """The events a metric reads: in range (from ``since - lookback``, or all before
    ``until`` with ``from_start``), of the given names, passing the spec's filters, with
    ``ts``, ``day`` and ``period`` (unless not ``dated``: a builder that places only some
    rows in periods does so itself) and one ``by_i`` column per breakdown."""
    table = frame.events
    account_fields = {n.removeprefix("account.") for n in [*spec.where, *spec.by] if n.startswith("account.")}
    conditions = _in_range(frame, spec.timezone, lookback=lookback, from_start=from_start)
    if names:
        conditions.append(table.event.isin(sorted(names)) if len(names) > 1 else table.event == names[0])
    table = table.filter(*conditions)
    if account_fields:
        if frame.accounts is None:
            raise ValueError("this metric filters or breaks down by account fields but no accounts were given")
        accounts = frame.accounts.select(
            "account_key", *[frame.accounts[f].name(f"acct_{f}") for f in sorted(account_fields)]
        )
        table = table.left_join(accounts, table.account_id == accounts.account_key).drop("account_key")
    narrowed = _matches(table, spec.where, frame.dialect)
    if narrowed is not None:
        table = table.filter(narrowed)
    columns: dict[str, ir.Value] = {"ts": table.first_at if frame.from_rollup else table.occurred_at}
    if dated:
        earliest = None if from_start else zones.midnight(frame.since, spec.timezone) - lookback
        day = table.day if frame.from_rollup else local_day(table.occurred_at, spec, frame, lookback, earliest)
        columns.update(day=day, period=periods.expression(day, spec.period, spec.week_start))
    for name, by in zip(by_names(spec), spec.by, strict=True):
        columns[name] = _field(table, by, frame.dialect).cast("string")
    return table.select(*_kept(table, spec), **columns)


#: The columns of an event (or rollup row) the builders read after ``prepared``.
_KEPT = ("user_id", "account_id", "event", "n_events", "last_at")


def _kept(table: ir.Table, spec: Base) -> list[str]:
    """Only what the builders read: a wide column (the JSON properties) carried into a
    subquery an engine materialises would be read and held for nothing. The properties
    (and any column of the events) stay when an event set is narrowed by a property."""
    sets = getattr(spec, "sets", None)
    narrowed = callable(sets) and any(event_set.where for event_set in sets())
    if narrowed:
        return [c for c in table.columns if c not in ("ts", "day", "period", "occurred_at", "first_at")]
    return [c for c in _KEPT if c in table.columns]


def local_day(
    moment: ir.TimestampValue,
    spec: Base,
    frame: Frame,
    lookback: timedelta = timedelta(0),
    earliest: datetime | None = None,
) -> ir.DateValue:
    """The day a moment falls on in the spec's time zone; exact from a month before the
    range (the earliest anything is placed in a period) to its end. ``earliest``: the
    moments were filtered to at or after it."""
    low = zones.midnight(frame.since, spec.timezone) - lookback - timedelta(days=32)
    high = zones.midnight(frame.until, spec.timezone) + timedelta(days=1)
    return zones.local_day(moment, spec.timezone, low, high, dialect=frame.dialect, earliest=earliest)


def _in_range(frame: Frame, zone: str, *, lookback: timedelta, from_start: bool) -> list[ir.BooleanValue]:
    """Events before ``until`` and (unless ``from_start``) from ``since - lookback``, both
    midnights in the zone: by their moment, or by the rollup's day (lookbacks are whole days)."""
    table = frame.events
    if frame.from_rollup:
        conditions = [table.day < ibis.date(frame.until)]
        if not from_start:
            conditions.append(table.day >= ibis.date(frame.since - timedelta(days=lookback.days)))
        return conditions
    conditions = [table.occurred_at < ibis.timestamp(zones.midnight(frame.until, zone))]
    if not from_start:
        start = zones.midnight(frame.since, zone) - lookback
        conditions.append(table.occurred_at >= ibis.timestamp(start))
    return conditions


def tally(events: ir.Table) -> ir.IntegerScalar:
    """How many events the rows stand for: one each, or the rollup's count."""
    return events.n_events.sum().cast("int64") if "n_events" in events.columns else events.count()


def latest(events: ir.Table) -> ir.TimestampValue:
    """Each row's last moment: the event's, or the rollup row's last event's."""
    return events.last_at if "last_at" in events.columns else events.ts

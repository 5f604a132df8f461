"""Specs compiled to Ibis expressions: one definition, the same SQL shape on every engine.

Every compiled metric reads a table of events with the columns ``user_id``, ``account_id``,
``event``, ``occurred_at`` (a UTC timestamp) and ``properties`` (JSON text), and, when a
filter or breakdown names an account field, a table of accounts (``account_key``, ``plan``,
``segment``, ``region``, ``arr_band``, ``name``). It returns a table whose rows the finishing
step (``metrics.results``) turns into values: the engine does the scanning and grouping,
Python only reshapes a few thousand rows (filling empty periods, running totals).

Timestamps are compared as given; periods are UTC days, weeks starting on the spec's
weekday, and calendar months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from grounded.metrics import dialects, periods
from grounded.metrics.spec import (
    ActiveUsers,
    Adoption,
    Base,
    Clock,
    Cohort,
    Count,
    Entry,
    EventSet,
    FailureRate,
    Funnel,
    Retention,
    RetentionMode,
    Spec,
    Stickiness,
    TimeToComplete,
    Unique,
)

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


@dataclass(frozen=True)
class Compiled:
    """An expression and how to read its rows. ``shape`` names the finishing step."""

    expr: ir.Table
    shape: str
    by: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def compile_spec(spec: Spec, frame: Frame) -> Compiled:
    builder = _BUILDERS.get(type(spec))
    if builder is None:
        raise ValueError(f"metric kind {spec.kind} is not computed from events")
    return builder(spec, frame)


def _moment(day: date) -> ir.TimestampScalar:
    return ibis.timestamp(datetime(day.year, day.month, day.day, tzinfo=UTC))


def whole_seconds(moment: ir.TimestampValue) -> ir.IntegerValue:
    """Whole seconds since 1970: engines disagree on fractions (DuckDB keeps them, ClickHouse
    and Spark drop them), so every engine drops them."""
    return moment.epoch_seconds().cast("float64").floor().cast("int64")


def _by_names(spec: Base) -> list[str]:
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
) -> ir.Table:
    """The events a metric reads: in range (from ``since - lookback``, or all before
    ``until`` with ``from_start``), of the given names, passing the spec's filters, with
    ``ts``, ``day``, ``period`` and one ``by_i`` column per breakdown."""
    table = frame.events
    account_fields = {n.removeprefix("account.") for n in [*spec.where, *spec.by] if n.startswith("account.")}
    conditions: list[ir.BooleanValue] = [table.occurred_at < _moment(frame.until)]
    if not from_start:
        start = datetime(frame.since.year, frame.since.month, frame.since.day, tzinfo=UTC) - lookback
        conditions.append(table.occurred_at >= ibis.timestamp(start))
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
    day = table.occurred_at.date()
    columns: dict[str, ir.Value] = {
        "ts": table.occurred_at,
        "day": day,
        "period": periods.expression(day, spec.period, spec.week_start),
    }
    for name, by in zip(_by_names(spec), spec.by, strict=True):
        columns[name] = _field(table, by, frame.dialect).cast("string")
    return table.mutate(**columns)


def _count(spec: Count, frame: Frame) -> Compiled:
    events = prepared(spec, frame, names=spec.events)
    by = _by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(value=events.count())
    return Compiled(expr, "series", by, {"fill": 0})


def _unique(spec: Unique | ActiveUsers, frame: Frame, names: list[str] | None, actor: str) -> Compiled:
    events = prepared(spec, frame, names=names)
    events = events.filter(events[actor].notnull())
    by = _by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(value=events[actor].nunique())
    return Compiled(expr, "series", by, {"fill": 0})


def _rolling_active(spec: ActiveUsers, frame: Frame) -> Compiled:
    """Active in the N days ending on each day. Each active day covers itself and the N-1
    days after it; a user's overlapping covers merge into islands; the engine returns +1
    where an island starts and -1 the day after it ends, and a running total gives each
    day's count (gaps and islands: no day × user cross product)."""
    n = spec.rolling_days or 1
    actor = spec.of.column
    by = _by_names(spec)
    events = prepared(spec, frame, names=spec.events, lookback=timedelta(days=n - 1))
    events = events.filter(events[actor].notnull())
    days = events.select(actor, *by, "day").distinct()
    ordered = ibis.window(group_by=[days[actor], *[days[b] for b in by]], order_by=days.day)
    days = days.mutate(previous=days.day.lag().over(ordered))
    gap = days.previous.isnull() | (days.day.delta(days.previous, unit="day") > n)
    days = days.mutate(starts=ibis.ifelse(gap, 1, 0))
    running = ibis.cumulative_window(group_by=[days[actor], *[days[b] for b in by]], order_by=days.day)
    days = days.mutate(island=days.starts.sum().over(running))
    islands = days.group_by([actor, *by, "island"]).aggregate(first=days.day.min(), last=days.day.max())
    opens = islands.select(*by, day=islands["first"], change=ibis.literal(1))
    closes = islands.select(*by, day=islands["last"] + ibis.interval(days=n), change=ibis.literal(-1))
    both = opens.union(closes, distinct=False)
    expr = both.group_by(["day", *by]).aggregate(change=both.change.sum())
    return Compiled(expr, "running", by)


def _adoption(spec: Adoption, frame: Frame) -> Compiled:
    actor = spec.of.column
    names = None if spec.active is None else sorted(set(spec.active.events) | set(spec.feature.events))
    events = prepared(spec, frame, names=names)
    events = events.filter(events[actor].notnull())
    active = set_condition(events, spec.active, frame.dialect) if spec.active else ibis.literal(True)
    used = set_condition(events, spec.feature, frame.dialect)
    events = events.mutate(is_active=ibis.ifelse(active, 1, 0), is_used=ibis.ifelse(active & used, 1, 0))
    by = _by_names(spec)
    each = events.group_by(["period", *by, actor]).aggregate(
        is_active=events.is_active.max(), is_used=events.is_used.max()
    )
    expr = each.group_by(["period", *by]).aggregate(actives=each.is_active.sum(), adopters=each.is_used.sum())
    return Compiled(expr, "share", by, {"part": "adopters", "whole": "actives"})


def _failure_rate(spec: FailureRate, frame: Frame) -> Compiled:
    names = sorted(set(spec.attempts.events) | set(spec.failures.events))
    events = prepared(spec, frame, names=names)
    attempt = set_condition(events, spec.attempts, frame.dialect)
    failure = set_condition(events, spec.failures, frame.dialect)
    by = _by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(
        attempts=ibis.ifelse(attempt, 1, 0).sum(), failures=ibis.ifelse(failure, 1, 0).sum()
    )
    return Compiled(expr, "share", by, {"part": "failures", "whole": "attempts"})


def _stickiness(spec: Stickiness, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = _by_names(spec)
    events = prepared(spec, frame, names=spec.events)
    events = events.filter(events[actor].notnull())
    days = events.select("period", *by, actor, "day").distinct()
    each = days.group_by(["period", *by, actor]).aggregate(active_days=days.count())
    expr = each.group_by(["period", *by, "active_days"]).aggregate(users=each.count())
    return Compiled(expr, "stickiness", by)


def _retention(spec: Retention, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = _by_names(spec)
    starts = prepared(spec, frame, names=spec.start.events, from_start=True)
    starts = starts.filter(set_condition(starts, spec.start, frame.dialect), starts[actor].notnull())
    if spec.cohort is Cohort.FIRST:
        first = starts.group_by([actor, *by]).aggregate(cohort_ts=starts.ts.min())
        cohorts = first.mutate(cohort=periods.expression(first.cohort_ts.date(), spec.period, spec.week_start))
    else:
        cohorts = starts.group_by([actor, *by, starts.period.name("cohort")]).aggregate(cohort_ts=starts.ts.min())
    cohorts = cohorts.filter(cohorts.cohort >= periods.start_of(frame.since, spec.period, spec.week_start))
    returns = prepared(spec, frame, names=spec.return_.events, from_start=True)
    returns = returns.filter(set_condition(returns, spec.return_, frame.dialect), returns[actor].notnull())
    if spec.clock is Clock.CALENDAR:
        # One row per user and period they came back in: the latest moment in it is enough
        # to know whether they came back after starting.
        back = returns.group_by([returns[actor].name("who"), returns.period.name("back")]).aggregate(
            last=returns.ts.max()
        )
        joined = cohorts.join(
            back,
            [cohorts[actor] == back.who, back.back >= cohorts.cohort, back["last"] >= cohorts.cohort_ts],
        )
        offset = periods.index(joined.back, spec.period) - periods.index(joined.cohort, spec.period)
    else:
        back = returns.select(who=returns[actor], at=returns.ts).distinct()
        joined = cohorts.join(back, [cohorts[actor] == back.who, back.at >= cohorts.cohort_ts])
        length = 86_400 if spec.period.value == "day" else 7 * 86_400
        offset = (whole_seconds(joined.at) - whole_seconds(joined.cohort_ts)) // length
    joined = joined.mutate(offset=offset.cast("int64"))
    sizes = cohorts.group_by(["cohort", *by]).aggregate(size=cohorts.count())
    if spec.mode is RetentionMode.ON:
        hits = joined.filter(joined.offset <= spec.periods).select(actor, *by, "cohort", "offset").distinct()
    else:
        # The furthest period each user came back in: "on or after N" is every N up to it.
        furthest = joined.group_by([actor, *by, "cohort"]).aggregate(offset=joined.offset.max())
        hits = furthest.mutate(offset=ibis.least(furthest.offset, spec.periods))
    counts = hits.group_by(["cohort", *by, "offset"]).aggregate(users=hits.count())
    return Compiled(counts, "retention", by, {"sizes": sizes})


def _funnel(spec: Funnel, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = _by_names(spec)
    window = ibis.interval(seconds=spec.window_seconds)
    sets = [*spec.steps, *([spec.exclude] if spec.exclude else [])]
    events = prepared(spec, frame, names=sorted({e for s in sets for e in s.events}))
    events = events.filter(events[actor].notnull())
    first = events.filter(set_condition(events, spec.steps[0], frame.dialect))
    if spec.entry is Entry.FIRST:
        # Each one's first step 1 in the range, and its breakdown values at that moment.
        ranked = first.mutate(
            rank=ibis.row_number().over(
                ibis.window(group_by=first[actor], order_by=[first.ts, *[first[b] for b in by]])
            )
        )
        attempts = ranked.filter(ranked["rank"] == 0).select(actor, *by, t1=ranked.ts, period=ranked.period)
    else:
        attempts = first.select(actor, *by, t1=first.ts, period=first.period).distinct()
    reached = attempts.mutate(t_1=attempts.t1)
    keys = [actor, *by, "t1", "period"]
    for number, step in enumerate(spec.steps[1:], start=2):
        chosen = events.filter(set_condition(events, step, frame.dialect))
        chosen = chosen.select(who=chosen[actor], at=chosen.ts)
        previous = reached[f"t_{number - 1}"]
        joined = reached.left_join(
            chosen,
            [reached[actor] == chosen.who, chosen.at >= previous, chosen.at <= reached.t1 + window],
        )
        carried = [f"t_{k}" for k in range(1, number)]
        reached = joined.group_by([*keys, *carried]).aggregate(**{f"t_{number}": joined.at.min()})
    last = len(spec.steps)
    if spec.exclude is not None:
        excluded = events.filter(set_condition(events, spec.exclude, frame.dialect))
        excluded = excluded.select(who=excluded[actor], at=excluded.ts)
        end = ibis.coalesce(reached[f"t_{last}"], reached.t1 + window)
        reached = reached.anti_join(
            excluded, [reached[actor] == excluded.who, excluded.at >= reached.t1, excluded.at <= end]
        )
    flags = {f"s_{k}": ibis.ifelse(reached[f"t_{k}"].notnull(), 1, 0) for k in range(1, last + 1)}
    each = reached.group_by([actor, *by, "period"]).aggregate(**{k: v.max() for k, v in flags.items()})
    expr = each.group_by(["period", *by]).aggregate(**{k: each[k].sum() for k in flags})
    names = [" → ".join(s.events) for s in spec.steps]
    return Compiled(expr, "funnel", by, {"steps": names, "window": spec.window_seconds})


def _time_to_complete(spec: TimeToComplete, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = _by_names(spec)
    window = ibis.interval(seconds=spec.window_seconds)
    events = prepared(spec, frame, names=sorted(set(spec.start.events) | set(spec.finish.events)))
    events = events.filter(events[actor].notnull())
    starts = events.filter(set_condition(events, spec.start, frame.dialect))
    starts = starts.group_by([actor, *by, "period"]).aggregate(t1=starts.ts.min())
    finishes = events.filter(set_condition(events, spec.finish, frame.dialect))
    finishes = finishes.select(who=finishes[actor], at=finishes.ts)
    joined = starts.left_join(
        finishes, [starts[actor] == finishes.who, finishes.at >= starts.t1, finishes.at <= starts.t1 + window]
    )
    done = joined.group_by([actor, *by, "period", "t1"]).aggregate(t2=joined.at.min())
    started = done.group_by(["period", *by]).aggregate(started=done.count())
    done = done.filter(done.t2.notnull())
    done = done.mutate(seconds=whole_seconds(done.t2) - whole_seconds(done.t1))
    group = ["period", *by]
    ordered = ibis.window(group_by=[done[g] for g in group], order_by=[done.seconds, done[actor]])
    everyone = ibis.window(group_by=[done[g] for g in group])
    done = done.mutate(rank=ibis.row_number().over(ordered) + 1, n=done.seconds.count().over(everyone))
    picks = {
        f"p{p}": ibis.ifelse(done["rank"] == (done.n * p + 99) // 100, done.seconds, ibis.null("int64")).max()
        for p in spec.percentiles
    }
    summary = done.group_by(group).aggregate(completed=done.count(), **picks)
    return Compiled(summary, "durations", by, {"started": started, "percentiles": spec.percentiles})


def _unique_of(spec: Unique, frame: Frame) -> Compiled:
    return _unique(spec, frame, spec.events, spec.of.column)


def _active(spec: ActiveUsers, frame: Frame) -> Compiled:
    if spec.rolling_days:
        return _rolling_active(spec, frame)
    return _unique(spec, frame, spec.events, spec.of.column)


_BUILDERS: dict[type, Callable[[Any, Frame], Compiled]] = {
    Count: _count,
    Unique: _unique_of,
    ActiveUsers: _active,
    Adoption: _adoption,
    Retention: _retention,
    Funnel: _funnel,
    Stickiness: _stickiness,
    FailureRate: _failure_rate,
    TimeToComplete: _time_to_complete,
}

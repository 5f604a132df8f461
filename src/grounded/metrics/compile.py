"""Specs compiled to Ibis expressions: one definition, the same SQL shape on every engine.

Every compiled metric reads a table of events with the columns ``user_id``, ``account_id``,
``event``, ``occurred_at`` (a UTC timestamp) and ``properties`` (JSON text), and, when a
filter or breakdown names an account field, a table of accounts (``account_key``, ``plan``,
``segment``, ``region``, ``arr_band``, ``name``). It returns a table whose rows the finishing
step (``metrics.results``) turns into values: the engine does the scanning and grouping,
Python only reshapes a few thousand rows (filling empty periods, running totals).

Timestamps are compared as given; periods are days, weeks starting on the spec's weekday,
and calendar months, in the spec's time zone (UTC unless it says otherwise). A frame that has
the activity rollups answers from them what they can answer (``rollup_plan``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from grounded.metrics import dialects, periods, rollup_plan, sequences
from grounded.metrics.frame import (
    Compiled,
    Frame,
    by_names,
    latest,
    local_day,
    prepared,
    set_condition,
    tally,
    whole_seconds,
)
from grounded.metrics.spec import (
    ActiveUsers,
    Adoption,
    Clock,
    Cohort,
    Count,
    FailureRate,
    Funnel,
    Period,
    Retention,
    RetentionMode,
    Spec,
    Stickiness,
    TimeToComplete,
    Unique,
)


def compile_spec(spec: Spec, frame: Frame) -> Compiled:
    """The metric's expression: from the rollups when the frame has them and they answer
    it (the same numbers, from far fewer rows), else from the events."""
    builder = _BUILDERS.get(type(spec))
    if builder is None:
        raise ValueError(f"metric kind {spec.kind} is not computed from events")
    if frame.rollup is not None and rollup_plan.refusal(spec) is None:
        from grounded.metrics import rollup_answers  # it builds on this module's retention

        found = rollup_answers.compile_coarse(spec, frame)
        if found is not None:
            return found
        name = rollup_plan.table_for(spec)
        compiled = builder(spec, replace(frame, events=frame.rollup.table(name), rollup=None, from_rollup=name))
        return replace(compiled, source=f"rollup {name}")
    return builder(spec, frame)


def _count(spec: Count, frame: Frame) -> Compiled:
    events = prepared(spec, frame, names=spec.events)
    by = by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(value=tally(events))
    return Compiled(expr, "series", by, {"fill": 0})


def _unique(spec: Unique | ActiveUsers, frame: Frame, names: list[str] | None, actor: str) -> Compiled:
    events = prepared(spec, frame, names=names)
    events = events.filter(events[actor].notnull())
    by = by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(value=events[actor].nunique())
    return Compiled(expr, "series", by, {"fill": 0})


def _rolling_active(spec: ActiveUsers, frame: Frame) -> Compiled:
    """Active in the N days ending on each day. Each active day covers itself and the N-1
    days after it; a user's overlapping covers merge into islands; the engine returns +1
    where an island starts and -1 the day after it ends, and a running total gives each
    day's count (gaps and islands: no day × user cross product)."""
    n = spec.rolling_days or 1
    actor = spec.of.column
    by = by_names(spec)
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
    by = by_names(spec)
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
    by = by_names(spec)
    expr = events.group_by(["period", *by]).aggregate(
        attempts=ibis.ifelse(attempt, 1, 0).sum(), failures=ibis.ifelse(failure, 1, 0).sum()
    )
    return Compiled(expr, "share", by, {"part": "failures", "whole": "attempts"})


def _stickiness(spec: Stickiness, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = by_names(spec)
    events = prepared(spec, frame, names=spec.events)
    events = events.filter(events[actor].notnull())
    days = events.select(*by, actor, "day").distinct()  # a day falls in one period: key on the day alone
    days = days.mutate(period=periods.expression(days.day, spec.period, spec.week_start))
    each = days.group_by(["period", *by, actor]).aggregate(active_days=days.count())
    expr = each.group_by(["period", *by, "active_days"]).aggregate(users=each.count())
    return Compiled(expr, "stickiness", by)


def _retention(spec: Retention, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = by_names(spec)
    starts = prepared(spec, frame, names=spec.start.events, from_start=True)
    starts = starts.filter(set_condition(starts, spec.start, frame.dialect), starts[actor].notnull())
    if spec.cohort is Cohort.FIRST:
        first = starts.group_by([actor, *by]).aggregate(cohort_ts=starts.ts.min())
        cohort_day = local_day(first.cohort_ts, spec, frame)
        cohorts = first.mutate(cohort=periods.expression(cohort_day, spec.period, spec.week_start))
    else:
        cohorts = starts.group_by([actor, *by, starts.period.name("cohort")]).aggregate(cohort_ts=starts.ts.min())
    cohorts = cohorts.filter(cohorts.cohort >= periods.start_of(frame.since, spec.period, spec.week_start))
    returns = prepared(spec, frame, names=spec.return_.events, from_start=True)
    returns = returns.filter(set_condition(returns, spec.return_, frame.dialect), returns[actor].notnull())
    if spec.clock is Clock.CALENDAR:
        # One row per user and period they came back in: the latest moment in it is enough
        # to know whether they came back after starting.
        back = returns.group_by([returns[actor].name("who"), returns.period.name("back")]).aggregate(
            last=latest(returns).max()
        )
        return retention_counts(spec, cohorts, calendar_returns(spec, cohorts, back, frame.dialect))
    back = returns.select(who=returns[actor], at=returns.ts).distinct()
    joined = cohorts.join(back, [cohorts[actor] == back.who, back.at >= cohorts.cohort_ts])
    length = 86_400 if spec.period.value == "day" else 7 * 86_400
    offset = (whole_seconds(joined.at) - whole_seconds(joined.cohort_ts)) // length
    return retention_counts(spec, cohorts, joined.mutate(offset=offset.cast("int64")))


def calendar_returns(spec: Retention, cohorts: ir.Table, back: ir.Table, dialect: str) -> ir.Table:
    """Each cohort member's returns (``back``: who, back, the period's start, and last, the
    latest moment in it) at or after their start, with the period's offset from the cohort."""
    actor = spec.of.column
    joined = cohorts.join(
        back,
        [cohorts[actor] == back.who, back.back >= cohorts.cohort, back["last"] >= cohorts.cohort_ts],
    )
    if dialect == "duckdb" and spec.period is Period.WEEK:
        # Two starts of weeks that start on the same weekday are a whole number of weeks
        # apart, the later one second: an integer division (not Ibis's, through a float).
        days = joined.back.delta(joined.cohort, unit="day").cast(dt.int64)
        return joined.mutate(offset=dialects.duckdb_divide(days, ibis.literal(7, type=dt.int64)))
    offset = periods.index(joined.back, spec.period) - periods.index(joined.cohort, spec.period)
    return joined.mutate(offset=offset.cast("int64"))


def retention_counts(spec: Retention, cohorts: ir.Table, joined: ir.Table) -> Compiled:
    """Users back on (or on or after) each period, and the cohorts' sizes, as one table."""
    actor = spec.of.column
    by = by_names(spec)
    sizes = cohorts.group_by(["cohort", *by]).aggregate(size=cohorts.count())
    if spec.mode is RetentionMode.ON:
        hits = joined.filter(joined.offset <= spec.periods).select(actor, *by, "cohort", "offset")
        if spec.clock is Clock.ROLLING:  # several returns can fall in one period
            hits = hits.distinct()  # (on a calendar clock, one row per user, cohort and period already)
    else:
        # The furthest period each user came back in: "on or after N" is every N up to it.
        furthest = joined.group_by([actor, *by, "cohort"]).aggregate(offset=joined.offset.max())
        hits = furthest.mutate(offset=ibis.least(furthest.offset, spec.periods))
    counts = hits.group_by(["cohort", *by, "offset"]).aggregate(users=hits.count())
    # One query, so the events are read once: the cohort sizes ride along as period -1.
    sized = sizes.select("cohort", *by, offset=ibis.literal(-1, "int64"), users=sizes.size)
    return Compiled(counts.union(sized.select(*counts.columns), distinct=False), "retention", by)


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
    Funnel: sequences.funnel,
    Stickiness: _stickiness,
    FailureRate: _failure_rate,
    TimeToComplete: sequences.time_to_complete,
}

"""Daily active users, stickiness and weekly retention answered from the coarse rollups (``rollup_periods``):
the same numbers as from the daily rollups and the events, from far fewer rows.

Used only where the coarse tables hold exactly what the metric asks: users (not accounts),
no filter or breakdown, any event for stickiness, UTC days (``rollup_plan.refusal``), weeks
that start on Monday (the tables' weeks are ISO weeks) or calendar months, and for
retention a calendar clock by week. Anything else is answered from the daily tables.

A week or month that the range [since, until) cuts is read from the daily tables when
there are events in the part of it outside the range (the rollup's files say which days
they hold): its coarse row would count those days too. The weeks and months wholly inside
the range, and the cut ones with no events outside it, are read from the coarse tables.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import ibis
import ibis.expr.types as ir

from grounded.metrics import periods
from grounded.metrics.compile import calendar_returns, retention_counts
from grounded.metrics.frame import Compiled, Frame
from grounded.metrics.spec import ActiveUsers, Actor, Clock, Cohort, Period, Retention, Spec, Stickiness, Weekday


def compile_coarse(spec: Spec, frame: Frame) -> Compiled | None:
    """The metric from the coarse tables, or None when they cannot answer it exactly."""
    rollup = frame.rollup
    if rollup is None or not rollup.coarse or spec.by or spec.where or getattr(spec, "of", None) is not Actor.USER:
        return None
    if spec.period is Period.WEEK and spec.week_start is not Weekday.MONDAY:
        return None
    if isinstance(spec, ActiveUsers) and spec.events is None and not spec.rolling_days and spec.period is Period.DAY:
        return _daily_actives(frame)
    if isinstance(spec, Stickiness) and spec.events is None:
        return _stickiness(spec, frame)
    if isinstance(spec, Retention) and spec.clock is Clock.CALENDAR and spec.period is Period.WEEK:
        return _retention(spec, frame)
    return None


def _outside(frame: Frame, start: date, end: date) -> bool:
    """Whether the rolled-up files hold events in [start, since) or [until, end): the part
    of the period from ``start`` to ``end`` that the range leaves out."""
    assert frame.rollup is not None
    first, last = frame.rollup.extent
    if first is None or last is None:
        return False
    before = start < frame.since and first < frame.since and last >= start
    after = frame.until < end and last >= frame.until and first < end
    return before or after


def _daily_actives(frame: Frame) -> Compiled:
    """Users active each UTC day: a day is never cut by the range, so every day's row holds
    exactly the day's distinct users."""
    assert frame.rollup is not None
    table = frame.rollup.coarse["day_users"]
    rows = table.filter(table.day >= frame.since, table.day < frame.until)
    return Compiled(
        rows.select(period=rows.day, value=rows.users), "series", [], {"fill": 0}, source="rollup day_users"
    )


def _stickiness(spec: Stickiness, frame: Frame) -> Compiled:
    assert frame.rollup is not None
    grain = spec.period.value
    table = frame.rollup.coarse[f"user_{grain}s"]
    starts = periods.each(frame.since, frame.until, spec.period)
    cut = [p for p in starts if _outside(frame, p, periods.after(p, spec.period))]
    column = table[grain]
    rows = table.filter(column >= starts[0], column < frame.until, *([~column.isin(cut)] if cut else []))
    rows = rows.select(period=column, user_id=rows.user_id, active_days=rows.active_days)
    source = f"rollup user_{grain}s"
    if cut:  # the cut periods, as from the daily table
        daily = frame.rollup.user_days
        days = daily.filter(daily.day >= frame.since, daily.day < frame.until, daily.user_id.notnull())
        days = days.select("user_id", "day").distinct()
        days = days.mutate(period=periods.expression(days.day, spec.period)).filter(lambda t: t.period.isin(cut))
        each = days.group_by(["period", "user_id"]).aggregate(active_days=days.count())
        rows = rows.union(each.select(*rows.columns), distinct=False)
        source += "+user_days"
    expr = rows.group_by(["period", "active_days"]).aggregate(users=rows.count())
    return Compiled(expr, "stickiness", [], source=source)


def _retention(spec: Retention, frame: Frame) -> Compiled:
    """Calendar weeks: the cohorts from each user's first start (``user_firsts``) or from
    the weeks they started in, the returns from the weeks they came back in."""
    assert frame.rollup is not None
    tables = ["user_week_events"]
    last_week = periods.start_of(frame.until, Period.WEEK)
    cut = (
        last_week
        if last_week < frame.until and _outside(frame, last_week, periods.after(last_week, Period.WEEK))
        else None
    )
    if spec.cohort is Cohort.FIRST:
        firsts = frame.rollup.coarse["user_firsts"]
        firsts = firsts.filter(_named(firsts, spec.start.events), firsts.first_day < frame.until)
        if len(spec.start.events) > 1:
            firsts = firsts.group_by("user_id").aggregate(
                first_at=firsts.first_at.min(), first_day=firsts.first_day.min()
            )
        cohorts = firsts.select(
            "user_id", cohort_ts=firsts.first_at, cohort=periods.expression(firsts.first_day, Period.WEEK)
        )
        tables.insert(0, "user_firsts")
    else:
        weeks = _weeks(frame, spec.start.events, cut)
        cohorts = weeks.select("user_id", cohort_ts=weeks.first_at, cohort=weeks.week)
    cohorts = cohorts.filter(cohorts.cohort >= periods.start_of(frame.since, Period.WEEK))
    weeks = _weeks(frame, spec.return_.events, cut)
    back = weeks.select(who=weeks.user_id, back=weeks.week, last=weeks.last_at)
    compiled = retention_counts(spec, cohorts, calendar_returns(spec, cohorts, back, frame.dialect))
    source = "rollup " + "+".join([*tables, *(["user_day_events"] if cut else [])])
    return replace(compiled, source=source)


def _named(table: ir.Table, names: list[str]) -> ir.BooleanValue:
    return table.event.isin(names) if len(names) > 1 else table.event == names[0]


def _weeks(frame: Frame, names: list[str], cut: date | None) -> ir.Table:
    """One row per user and week with an event of these names before ``until``: the first
    and last moment in it. Weeks from ``cut`` on come from the daily table."""
    assert frame.rollup is not None
    table = frame.rollup.coarse["user_week_events"]
    rows = table.filter(_named(table, names), table.week < (cut or frame.until))
    rows = rows.select("user_id", "week", "first_at", "last_at")
    if cut is not None:
        daily = frame.rollup.user_day_events
        late = daily.filter(_named(daily, names), daily.day >= cut, daily.day < frame.until, daily.user_id.notnull())
        late = late.select("user_id", week=ibis.literal(cut), first_at=late.first_at, last_at=late.last_at)
        rows = rows.union(late, distinct=False)
    if len(names) > 1 or cut is not None:
        rows = rows.group_by(["user_id", "week"]).aggregate(first_at=rows.first_at.min(), last_at=rows.last_at.max())
    return rows

"""Calendar periods, the same in Python and in every engine: days, weeks starting on a
stated weekday, calendar months; all in UTC."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from grounded.metrics.spec import Period, Weekday


def start_of(day: date, period: Period, week_start: Weekday = Weekday.MONDAY) -> date:
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=(day.weekday() - week_start.number) % 7)
    return day.replace(day=1)


def after(start: date, period: Period, count: int = 1) -> date:
    """The start of the period ``count`` periods after the one starting at ``start``."""
    if period is Period.DAY:
        return start + timedelta(days=count)
    if period is Period.WEEK:
        return start + timedelta(weeks=count)
    months = start.year * 12 + start.month - 1 + count
    return date(months // 12, months % 12 + 1, 1)


def each(since: date, until: date, period: Period, week_start: Weekday = Weekday.MONDAY) -> list[date]:
    """The starts of the periods that overlap [since, until)."""
    starts = []
    current = start_of(since, period, week_start)
    while current < until:
        starts.append(current)
        current = after(current, period)
    return starts


def days_within(start: date, period: Period, since: date, until: date) -> int:
    """How many days of the period starting at ``start`` fall inside [since, until)."""
    first, end = max(start, since), min(after(start, period), until)
    return max((end - first).days, 0)


def expression(day: ir.DateValue, period: Period, week_start: Weekday = Weekday.MONDAY) -> ir.DateValue:
    """The period's start for a date column, in any engine."""
    if period is Period.DAY:
        return day
    if period is Period.MONTH:
        return day.truncate("M")
    shift = week_start.number  # engines truncate weeks to Mondays; other starts shift around it
    if shift == 0:
        return day.truncate("W")
    return (day - ibis.interval(days=shift)).truncate("W") + ibis.interval(days=shift)


def index(day: ir.DateValue, period: Period) -> ir.IntegerValue:
    """A running number of the period a period-start date is in (days, weeks or months
    since 1970), so the distance between two periods is a subtraction."""
    days = day.delta(ibis.date(1970, 1, 5), unit="day")  # 1970-01-05 is a Monday
    if period is Period.DAY:
        return days
    if period is Period.WEEK:
        return (days + 7_000) // 7  # shifted so the division never meets a negative number
    return day.year() * 12 + day.month() - 1

"""The days a metric is computed over: a range given by hand (--since/--until) or taken from
the events, checked before anything is compiled.

Dates near year 1 or 9999 leave periods, windows and an engine's look-back no room, and an
outlying timestamp in the events (year 2900, 9999-12-31, DuckDB's 'infinity') would stretch
a range taken from them over centuries: both are refused, saying what to do instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from grounded.errors import InvalidInput
from grounded.metrics import periods
from grounded.metrics.spec import Base, Period

if TYPE_CHECKING:
    from grounded.metrics.engine import Events

#: The range a metric is computed over lies within these days.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
#: The most periods one computation covers: a hundred years of days. More is an outlying
#: timestamp in the events far more often than a question (a year-2900 event made a daily
#: series of 320,000 periods: 31 s and 1.6 GB before this limit).
MOST_PERIODS = 36_525


def check(since: date | None, until: date | None) -> None:
    """Refuse, up front, a --since or --until outside [EARLIEST_DAY, LATEST_DAY]."""
    if since is not None and not EARLIEST_DAY <= since <= LATEST_DAY:
        raise InvalidInput(f"--since {since} is out of range: give a day from {EARLIEST_DAY} to {LATEST_DAY}")
    if until is not None and until > LATEST_DAY:
        raise InvalidInput(f"--until {until} is too far out: the latest day accepted is {LATEST_DAY}")
    if until is not None and until < EARLIEST_DAY:
        raise InvalidInput(f"--until {until} is too early: the earliest day accepted is {EARLIEST_DAY}")


def resolve(events: Events | None, since: date | None, until: date | None, spec: Base) -> tuple[date, date, list[str]]:
    """[since, until) for the spec, what was not given taken from the events, with notes."""
    notes, given_since, given_until = [], since, until
    if since is None or until is None:
        span = events.span(spec.timezone) if events is not None else None
        if span is None:
            raise InvalidInput("there are no events to compute from; give --since and --until or import events")
        _check_span(span, since, until)
        if since is None:
            since = periods.start_of(span[0], spec.period, spec.week_start)
        if until is None:
            until = span[1]
            notes.append(f"events run until {until - timedelta(days=1)}; the last period may be partial")
    if until <= since:
        raise InvalidInput(f"--until ({until}) must be after --since ({since})")
    _check_length(since, until, spec, from_events=(since, until) != (given_since, given_until))
    return since, until, notes


def _check_span(span: tuple[date, date], since: date | None, until: date | None) -> None:
    """Refuse a range taken from the events that reaches outside [EARLIEST_DAY, LATEST_DAY]."""
    first, after_last = span
    last = after_last - timedelta(days=1)
    outside = (since is None and first < EARLIEST_DAY) or (until is None and last > LATEST_DAY)
    if outside:
        raise InvalidInput(
            f"the events run from {first} to {last}, outside the days a metric is "
            f"computed over ({EARLIEST_DAY} to {LATEST_DAY}): give --since and --until, "
            "or correct the events' outlying timestamps"
        )


def _check_length(since: date, until: date, spec: Base, *, from_events: bool) -> None:
    count = _periods_in(since, until, spec)
    if count <= MOST_PERIODS:
        return
    unit = spec.period.value
    if from_events:
        raise InvalidInput(
            f"from {since} to {until - timedelta(days=1)} (the range taken from the events) is {count:,} "
            f"{unit}s, more than the {MOST_PERIODS:,} a metric is computed over at once; an outlying timestamp? "
            "Give --since and --until, or correct the events' timestamps"
        )
    raise InvalidInput(
        f"--since {since} --until {until} is {count:,} {unit}s, more than the {MOST_PERIODS:,} a metric is "
        "computed over at once: narrow the range or use a longer period"
    )


def _periods_in(since: date, until: date, spec: Base) -> int:
    """How many periods of the spec's grain [since, until) touches."""
    if spec.period is Period.DAY:
        return (until - since).days
    first = periods.start_of(since, spec.period, spec.week_start)
    last = periods.start_of(until - timedelta(days=1), spec.period, spec.week_start)
    if spec.period is Period.WEEK:
        return (last - first).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1

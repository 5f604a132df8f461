"""Days in a time zone, the same on every engine.

Engines disagree on time zone functions (names, and whether the zone database is there), so
a moment's local day is computed with what they all have: the zone's UTC offsets over the
range, taken from Python's zone database, written as a CASE over the moments the offset
changes (daylight saving time starts and ends), then ``(moment + offset).date()``. A day in
Europe/Berlin on the last Sunday of March has 23 hours, and so on.

The offsets are exact from ``low`` to ``high``; a moment before ``low`` gets the offset in
force at ``low`` (the callers start ``low`` a month before anything they place in a period).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

if TYPE_CHECKING:
    import ibis.expr.types as ir

UTC_NAMES = {"UTC", "Etc/UTC"}
_DAY_US = 86_400_000_000
#: Days from 0001-01-01 to 1970-01-01: moments are shifted past year 1 before dividing.
_DAYS_BEFORE_1970 = 719_162
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: More than any zone's offset from UTC (they are within ±14 hours).
_LARGEST_OFFSET = timedelta(days=1)


def check(name: str) -> str:
    """The zone name if the zone database knows it, else a ValueError saying so."""
    if name in UTC_NAMES:
        return name
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        near = sorted(z for z in available_timezones() if z.lower().split("/")[-1] == name.lower().split("/")[-1])
        hint = f"; did you mean '{near[0]}'?" if near else " (an IANA name such as Europe/Berlin or America/New_York)"
        raise ValueError(f"timezone '{name}' is not a time zone name{hint}") from None
    return name


def midnight(day: date, zone: str) -> datetime:
    """The moment (UTC) a day starts in the zone."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone) if zone not in UTC_NAMES else UTC)
    return local.astimezone(UTC)


def _offset(moment: datetime, zone: ZoneInfo) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def changes(zone: str, low: datetime, high: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The offset (seconds) in force at ``low``, and each later moment before ``high`` at
    which it changes with the offset from then on."""
    info = ZoneInfo(zone)
    first = _offset(low, info)
    found, current, step = [], first, timedelta(hours=1)
    moment = low
    while moment < high:
        following = moment + step
        offset = _offset(following, info)
        if offset != current:
            start, end = moment, following  # the change is in (start, end]: find its second
            while end - start > timedelta(seconds=1):
                middle = start + (end - start) / 2
                start, end = (middle, end) if _offset(middle, info) == current else (start, middle)
            found.append((end.replace(microsecond=0), offset))
            current = offset
        moment = following
    return first, found


def local_day(
    moment: ir.TimestampValue,
    zone: str,
    low: datetime,
    high: datetime,
    *,
    dialect: str = "",
    earliest: datetime | None = None,
) -> ir.DateValue:
    """The day a UTC moment falls on in the zone. ``earliest``: no moment is before it (the
    events were filtered so), which lets DuckDB's day number skip a step."""
    import ibis

    if dialect == "duckdb":
        return _duckdb_day(moment, zone, low, high, earliest)
    if zone in UTC_NAMES:
        return moment.date()
    first, later = changes(zone, low, high)
    offsets = [first, *[offset for _, offset in later]]
    if len(offsets) == 1:
        return (moment + ibis.interval(seconds=first)).date()
    branches = [
        (moment < ibis.timestamp(at), moment + ibis.interval(seconds=offsets[i])) for i, (at, _) in enumerate(later)
    ]
    shifted: ir.TimestampValue = ibis.cases(*branches, else_=moment + ibis.interval(seconds=offsets[-1]))
    return shifted.date()


def _duckdb_day(
    moment: ir.TimestampValue, zone: str, low: datetime, high: datetime, earliest: datetime | None = None
) -> ir.DateValue:
    """DuckDB turns a time-zone-aware timestamp into a date through its ICU calendar, which
    costs several times the rest of a metric on a large log; the day number is arithmetic on
    the microseconds instead (measured in docs/performance.md), with the same result."""
    import ibis
    import ibis.expr.datatypes as dt

    from grounded.metrics.dialects import duckdb_divide, duckdb_epoch_us, duckdb_make_date

    micros: ir.IntegerValue = duckdb_epoch_us(moment)
    if zone not in UTC_NAMES:
        first, later = changes(zone, low, high)
        offsets = [first, *[offset for _, offset in later]]
        shift: ir.IntegerValue = (
            ibis.cases(
                *[
                    (moment < ibis.timestamp(at), ibis.literal(offsets[i] * 1_000_000))
                    for i, (at, _) in enumerate(later)
                ],
                else_=ibis.literal(offsets[-1] * 1_000_000),
            )
            if later
            else ibis.literal(first * 1_000_000)
        )
        micros = micros + shift
    if earliest is not None and earliest - _LARGEST_OFFSET >= _EPOCH:
        # Every shifted moment is after 1970: truncating is flooring, and the day number is
        # one division (no shift past year 1 and back, each a checked addition per event).
        since_1970: ir.IntegerValue = duckdb_divide(micros, ibis.literal(_DAY_US, type=dt.int64))
        return duckdb_make_date(since_1970.cast(dt.int32))
    # Whole days by integer division, not through a float (half the cost per event); the
    # moment is first moved to after year 1, so truncating is flooring for every date.
    shifted = micros + ibis.literal(_DAYS_BEFORE_1970 * _DAY_US, type=dt.int64)
    number = duckdb_divide(shifted, ibis.literal(_DAY_US, type=dt.int64)) - _DAYS_BEFORE_1970
    days: ir.DateValue = duckdb_make_date(number.cast(dt.int32))
    return days

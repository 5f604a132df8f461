"""From an engine's rows to a metric's values: the headline series (one value per period
and segment) and the detail behind it (funnel steps, retention periods, percentiles, the
stickiness distribution). Python here reshapes only small, already-grouped results."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from grounded.metrics import periods
from grounded.metrics.frame import Compiled
from grounded.metrics.spec import Base, Period, Retention

Rows = list[dict[str, Any]]
Execute = Callable[[Any], Rows]


@dataclass(frozen=True)
class Value:
    """One number: a period (start, and end inclusive), a segment (breakdown values), a
    detail (which step, percentile, retention period; empty for the headline), the value
    (None when it is not known yet or has nothing to divide by) and what it rests on."""

    period_start: date
    period_end: date
    value: float | None
    sample_size: int | None = None
    segment: dict[str, str | None] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "segment": self.segment,
            "detail": self.detail,
            "value": self.value,
            "sample_size": self.sample_size,
        }


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _segment(spec: Base, row: dict[str, Any], by: Sequence[str]) -> dict[str, str | None]:
    return {name: row[column] for name, column in zip(spec.by, by, strict=True)}


def _key(segment: dict[str, str | None]) -> tuple[tuple[str, str | None], ...]:
    return tuple(sorted(segment.items(), key=lambda item: item[0]))


def _period_value(spec: Base, start: date, **values: Any) -> Value:
    end = periods.after(start, spec.period) - (periods.after(start, Period.DAY) - start)
    return Value(start, end, **values)


def finish(spec: Base, compiled: Compiled, execute: Execute, since: date, until: date) -> list[Value]:
    """The values of a compiled metric, from the rows the engine returns."""
    rows = execute(compiled.expr)
    if compiled.shape == "retention":
        assert isinstance(spec, Retention)
        sizes = [{**row, "size": row["users"]} for row in rows if int(row["offset"]) == -1]
        counts = [row for row in rows if int(row["offset"]) >= 0]
        return _retention(spec, compiled, counts, sizes, until)
    if compiled.shape == "durations":
        return _durations(spec, compiled, rows, execute(compiled.extra["started"]))
    return _SHAPES[compiled.shape](spec, compiled, rows, since, until)


def _segments(spec: Base, compiled: Compiled, rows: Rows) -> list[dict[str, str | None]]:
    """The segments the rows hold, in order; without breakdowns, the one empty segment."""
    seen = {_key(_segment(spec, row, compiled.by)): _segment(spec, row, compiled.by) for row in rows}
    ordered = [seen[k] for k in sorted(seen, key=_order)]
    return ordered if ordered or spec.by else [{}]


def _order(key: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, value or "") for name, value in key)


def _series(spec: Base, compiled: Compiled, rows: Rows, since: date, until: date) -> list[Value]:
    """A value per period and segment; periods with no events get ``fill`` (0)."""
    found = {(_as_date(r["period"]), _key(_segment(spec, r, compiled.by))): r["value"] for r in rows}
    out = []
    for segment in _segments(spec, compiled, rows):
        for start in periods.each(since, until, spec.period, spec.week_start):
            value = found.get((start, _key(segment)), compiled.extra.get("fill"))
            out.append(_period_value(spec, start, value=_number(value), sample_size=_count(value), segment=segment))
    return out


def _running(spec: Base, compiled: Compiled, rows: Rows, since: date, until: date) -> list[Value]:
    """Rolling actives: a running total of island starts (+1) and ends (-1), day by day."""
    changes: dict[tuple[Any, ...], dict[date, int]] = defaultdict(dict)
    segments: dict[tuple[Any, ...], dict[str, str | None]] = {}
    for row in rows:
        segment = _segment(spec, row, compiled.by)
        changes[_key(segment)][_as_date(row["day"])] = int(row["change"])
        segments[_key(segment)] = segment
    if not spec.by and not segments:
        segments[()] = {}
    out = []
    for key in sorted(segments, key=_order):
        delta = changes[key]
        total = sum(change for day, change in delta.items() if day < since)
        day = since
        while day < until:
            total += delta.get(day, 0)
            out.append(Value(day, day, float(total), total, segments[key]))
            day = periods.after(day, Period.DAY)
    return out


def _share(spec: Base, compiled: Compiled, rows: Rows, since: date, until: date) -> list[Value]:
    """A per-cent share per period: ``part`` over ``whole`` (adoption, failure rate)."""
    part, whole = compiled.extra["part"], compiled.extra["whole"]
    found = {(_as_date(r["period"]), _key(_segment(spec, r, compiled.by))): r for r in rows}
    out = []
    for segment in _segments(spec, compiled, rows):
        for start in periods.each(since, until, spec.period, spec.week_start):
            row = found.get((start, _key(segment)))
            n = int(row[whole]) if row else 0
            k = int(row[part]) if row else 0
            value = 100.0 * k / n if n else None
            out.append(_period_value(spec, start, value=value, sample_size=n, segment=segment))
    return out


def _stickiness(spec: Base, compiled: Compiled, rows: Rows, since: date, until: date) -> list[Value]:
    """The headline is average daily actives over the period's actives (DAU/MAU, DAU/WAU),
    in per cent; the detail, the share of actives by their number of active days."""
    grouped: dict[tuple[date, Any], dict[int, int]] = defaultdict(dict)
    segments: dict[Any, dict[str, str | None]] = {}
    for row in rows:
        segment = _segment(spec, row, compiled.by)
        grouped[(_as_date(row["period"]), _key(segment))][int(row["active_days"])] = int(row["users"])
        segments[_key(segment)] = segment
    if not segments:
        segments[()] = dict.fromkeys(spec.by) if spec.by else {}
    longest = 7 if spec.period is Period.WEEK else 31
    out = []
    for key in sorted(segments, key=_order):
        for start in periods.each(since, until, spec.period, spec.week_start):
            histogram = grouped.get((start, key), {})
            actives = sum(histogram.values())
            days = periods.days_within(start, spec.period, since, until)
            user_days = sum(k * n for k, n in histogram.items())
            headline = 100.0 * user_days / days / actives if actives and days else None
            out.append(_period_value(spec, start, value=headline, sample_size=actives, segment=segments[key]))
            for active_days in range(1, longest + 1):
                n = histogram.get(active_days, 0)
                out.append(
                    _period_value(
                        spec,
                        start,
                        value=100.0 * n / actives if actives else None,
                        sample_size=n,
                        segment=segments[key],
                        detail={"active_days": active_days},
                    )
                )
    return out


def _retention(spec: Retention, compiled: Compiled, rows: Rows, sizes: Rows, until: date) -> list[Value]:
    """Per cohort: its size, and for N = 0 … periods the share back "on" (or "on or
    after") period N. A period that has not fully passed by ``until`` has no value yet.
    The headline is the share at N = ``periods``."""
    counts: dict[tuple[date, Any], dict[int, int]] = defaultdict(dict)
    for row in rows:
        segment = _segment(spec, row, compiled.by)
        counts[(_as_date(row["cohort"]), _key(segment))][int(row["offset"])] = int(row["users"])
    out = []
    cohorts = sorted(sizes, key=lambda r: (_as_date(r["cohort"]), tuple(str(r[b]) for b in compiled.by)))
    for row in cohorts:
        start, segment = _as_date(row["cohort"]), _segment(spec, row, compiled.by)
        size = int(row["size"])
        found = counts.get((start, _key(segment)), {})
        if spec.mode.value == "on_or_after":
            back = {n: sum(users for offset, users in found.items() if offset >= n) for n in range(spec.periods + 1)}
        else:
            back = {n: found.get(n, 0) for n in range(spec.periods + 1)}
        details = []
        for n in range(spec.periods + 1):
            complete = _complete(spec, start, n, until)
            value = 100.0 * back[n] / size if complete and size else None
            details.append(
                _period_value(spec, start, value=value, sample_size=back[n], segment=segment, detail={"period": n})
            )
        headline = details[-1]
        out.append(_period_value(spec, start, value=headline.value, sample_size=size, segment=segment))
        out.extend(details)
    return out


def _complete(spec: Retention, cohort: date, n: int, until: date) -> bool:
    """Whether period N after this cohort has fully passed. On a rolling clock a user who
    started on the cohort's last day has period N ending N+1 periods after that day."""
    if spec.clock.value == "calendar":
        return periods.after(cohort, spec.period, n + 1) <= until
    last_start = periods.after(cohort, spec.period) - (periods.after(cohort, Period.DAY) - cohort)
    return periods.after(last_start, spec.period, n + 1) <= until


def _funnel(spec: Base, compiled: Compiled, rows: Rows, since: date, until: date) -> list[Value]:
    """Per period of entry: users at each step and the share of step 1 who got there;
    the headline is the share who finished. A period whose entrants' windows run past
    ``until`` has no shares yet (the counts so far are kept)."""
    steps: list[str] = compiled.extra["steps"]
    window = timedelta(seconds=compiled.extra["window"])
    out = []
    ordered = sorted(rows, key=lambda r: (_as_date(r["period"]), tuple(str(r[b]) for b in compiled.by)))
    for row in ordered:
        start, segment = _as_date(row["period"]), _segment(spec, row, compiled.by)
        entered = int(row["s_1"])
        period_end = datetime.combine(periods.after(start, spec.period), datetime.min.time())
        known = period_end + window <= datetime.combine(until, datetime.min.time())

        def share(n: int, *, entered: int = entered, known: bool = known) -> float | None:
            return 100.0 * n / entered if known and entered else None

        out.append(
            _period_value(spec, start, value=share(int(row[f"s_{len(steps)}"])), sample_size=entered, segment=segment)
        )
        for number, name in enumerate(steps, start=1):
            n = int(row[f"s_{number}"])
            out.append(
                _period_value(
                    spec, start, value=share(n), sample_size=n, segment=segment, detail={"step": number, "event": name}
                )
            )
    return out


def _durations(spec: Base, compiled: Compiled, rows: Rows, started: Rows) -> list[Value]:
    """Per period: each percentile of the seconds taken (nearest rank) and the share of
    starters who finished within the window; the headline is the first percentile."""
    percentiles: list[int] = compiled.extra["percentiles"]
    begun = {(_as_date(r["period"]), _key(_segment(spec, r, compiled.by))): int(r["started"]) for r in started}
    found = {(_as_date(r["period"]), _key(_segment(spec, r, compiled.by))): r for r in rows}
    out = []
    for (start, key), n_started in sorted(begun.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        segment = dict(key)
        row = found.get((start, key))
        completed = int(row["completed"]) if row else 0
        values = {p: _number(row[f"p{p}"]) if row else None for p in percentiles}
        out.append(_period_value(spec, start, value=values[percentiles[0]], sample_size=completed, segment=segment))
        for p in percentiles:
            out.append(
                _period_value(
                    spec, start, value=values[p], sample_size=completed, segment=segment, detail={"percentile": p}
                )
            )
        out.append(
            _period_value(
                spec,
                start,
                value=100.0 * completed / n_started if n_started else None,
                sample_size=n_started,
                segment=segment,
                detail={"completed_share": True},
            )
        )
    return out


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _count(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def headline(values: Sequence[Value]) -> list[Value]:
    return [v for v in values if not v.detail]


_SHAPES: dict[str, Callable[[Base, Compiled, Rows, date, date], list[Value]]] = {
    "series": _series,
    "running": _running,
    "share": _share,
    "stickiness": _stickiness,
    "funnel": _funnel,
}

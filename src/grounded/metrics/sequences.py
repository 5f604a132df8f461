"""Metrics of event sequences: funnels (ordered steps within a window) and time to complete
(from a start to the first finish after it). Both read each event's moment, so neither is
answered from the rollups."""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from grounded.metrics import periods
from grounded.metrics.frame import Compiled, Frame, by_names, local_day, prepared, set_condition, whole_seconds
from grounded.metrics.spec import Entry, EventSet, Funnel, TimeToComplete


def funnel(spec: Funnel, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = by_names(spec)
    window = ibis.interval(seconds=spec.window_seconds)
    sets = [*spec.steps, *([spec.exclude] if spec.exclude else [])]
    # Only step 1 is placed in a period: the other steps' rows carry no dates.
    events = prepared(spec, frame, names=sorted({e for s in sets for e in s.events}), dated=False)
    events = events.filter(events[actor].notnull())
    events, member = _read_once(events, actor, by, sets, frame.dialect)
    first = events.filter(member(0))
    if spec.entry is Entry.FIRST and not by:
        # Each one's first step 1 in the range: a grouping, cheaper than ranking every step 1.
        attempts = first.group_by(actor).aggregate(t_1=first.ts.min())
    elif spec.entry is Entry.FIRST:
        # Each one's first step 1 in the range, and its breakdown values at that moment.
        ranked = first.mutate(
            rank=ibis.row_number().over(
                ibis.window(group_by=first[actor], order_by=[first.ts, *[first[b] for b in by]])
            )
        )
        attempts = ranked.filter(ranked["rank"] == 0).select(actor, *by, t_1=ranked.ts)
    else:
        attempts = first.select(actor, *by, t_1=first.ts).distinct()
    # The window's end, once per attempt rather than in every comparison of the joins; the
    # period (a function of step 1's moment) after them, so the joins carry fewer columns.
    reached = attempts.mutate(deadline=attempts.t_1 + window)
    keys = [actor, *by, "deadline"]
    for number in range(2, len(spec.steps) + 1):
        chosen = events.filter(member(number - 1))
        chosen = chosen.select(who=chosen[actor], at=chosen.ts)
        previous = reached[f"t_{number - 1}"]
        joined = reached.left_join(
            chosen,
            [reached[actor] == chosen.who, chosen.at >= previous, chosen.at <= reached.deadline],
        )
        carried = [f"t_{k}" for k in range(1, number)]
        reached = joined.group_by([*keys, *carried]).aggregate(**{f"t_{number}": joined.at.min()})
    last = len(spec.steps)
    if spec.exclude is not None:
        excluded = events.filter(member(len(spec.steps)))
        excluded = excluded.select(who=excluded[actor], at=excluded.ts)
        end = ibis.coalesce(reached[f"t_{last}"], reached.deadline)
        reached = reached.anti_join(
            excluded, [reached[actor] == excluded.who, excluded.at >= reached.t_1, excluded.at <= end]
        )
    reached = reached.mutate(period=_period(reached.t_1, spec, frame))
    flags = {f"s_{k}": ibis.ifelse(reached[f"t_{k}"].notnull(), 1, 0) for k in range(1, last + 1)}
    if spec.entry is Entry.FIRST:  # one attempt each: the furthest step of each is its own
        each = reached.select("period", *by, **flags)
    else:  # each one's furthest step over its attempts in the period
        each = reached.group_by([actor, *by, "period"]).aggregate(**{k: v.max() for k, v in flags.items()})
    expr = each.group_by(["period", *by]).aggregate(**{k: each[k].sum() for k in flags})
    names = [" → ".join(s.events) for s in spec.steps]
    return Compiled(expr, "funnel", by, {"steps": names, "window": spec.window_seconds})


#: The name the funnel's events are read under (a common table expression).
SHARED = "grounded_funnel_events"


def _read_once(
    events: ir.Table, actor: str, by: list[str], sets: list[EventSet], dialect: str
) -> tuple[ir.Table, Callable[[int], ir.BooleanValue]]:
    """The funnel's events as one named relation that every step reads (who, when, the event,
    the breakdown values), and whether a row of it is in the i-th set (the steps', then the
    exclusion's).

    Ibis emits a named relation as a common table expression instead of merging each
    step's filter into a scan of its own, and DuckDB materialises a CTE that is read more
    than once: the events are read once, not once per step, as a hand-written funnel's CTE
    does. An engine that inlines CTEs reads them once per step, as before. A set narrowed
    by properties is a column ``in_i`` (1 when the event is in it, else 0: a number, since
    some engines cannot select a boolean), so the relation does not carry the properties
    and they are read once; a set of names alone is its names, which DuckDB pushes into
    the read of the source."""
    flags = {f"in_{i}": ibis.ifelse(set_condition(events, s, dialect), 1, 0) for i, s in enumerate(sets) if s.where}
    shared = events.select(actor, "ts", "event", *by, **flags).alias(SHARED)

    def member(i: int) -> ir.BooleanValue:
        if sets[i].where:
            return shared[f"in_{i}"] == 1
        return set_condition(shared, sets[i], dialect)

    return shared, member


def _period(moment: ir.TimestampValue, spec: Funnel, frame: Frame) -> ir.DateValue:
    return periods.expression(local_day(moment, spec, frame), spec.period, spec.week_start)


def time_to_complete(spec: TimeToComplete, frame: Frame) -> Compiled:
    actor = spec.of.column
    by = by_names(spec)
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

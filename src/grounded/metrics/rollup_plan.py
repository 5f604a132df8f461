"""Which metrics the activity rollups answer, and from which of their tables.

A rollup keeps, per UTC day and user (or account) and event name, how many events there
were and the first and last moment (``metrics.rollups``). That answers exactly, with the same
numbers as the raw events: counts, unique and active users (calendar or rolling), adoption,
stickiness and calendar retention, as long as nothing reads an event's properties (they are
not kept) and the periods are UTC days. Everything else reads the events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import ibis.expr.types as ir

from grounded.metrics.spec import (
    ActiveUsers,
    Actor,
    Adoption,
    Base,
    Clock,
    Count,
    EventSet,
    Retention,
    Spec,
    Stickiness,
    Unique,
)
from grounded.metrics.zones import UTC_NAMES

ANSWERED = (Count, Unique, ActiveUsers, Adoption, Stickiness, Retention)


@dataclass(frozen=True)
class Rollup:
    """The rollup's four daily tables, open on the engine that runs the metric, and its
    coarse ones (``metrics.rollup_periods``; empty for a rollup written before them)."""

    user_days: ir.Table
    user_day_events: ir.Table
    account_days: ir.Table
    account_day_events: ir.Table
    coarse: dict[str, ir.Table] = field(default_factory=dict)
    #: The first and last UTC day with events in the rolled-up files (None when empty).
    extent: tuple[date | None, date | None] = (None, None)

    def table(self, name: str) -> ir.Table:
        table: ir.Table = getattr(self, name)
        return table


def refusal(spec: Spec) -> str | None:
    """Why the rollup cannot answer this metric, or None when it can."""
    if not isinstance(spec, ANSWERED):
        return f"a {spec.kind.value} metric needs each event's moment"
    if isinstance(spec, Retention) and spec.clock is Clock.ROLLING:
        return "a rolling retention needs each event's moment"
    if spec.timezone not in UTC_NAMES:
        return f"its periods are in {spec.timezone}, the rollup's days in UTC"
    if any(name.startswith("properties.") for name in [*spec.where, *spec.by]):
        return "it filters or breaks down by an event property, which the rollup does not keep"
    if any(event_set.where for event_set in _sets(spec)):
        return "one of its event sets is narrowed by an event property, which the rollup does not keep"
    return None


def table_for(spec: Spec) -> str:
    """The smallest table that answers: per account when only accounts are counted, and
    without event names when any event counts."""
    per_account = isinstance(spec, Count) or getattr(spec, "of", Actor.USER) is Actor.ACCOUNT
    any_event = isinstance(spec, ActiveUsers | Stickiness) and spec.events is None
    return f"{'account' if per_account else 'user'}_{'days' if any_event else 'day_events'}"


def _sets(spec: Base) -> list[EventSet]:
    sets = getattr(spec, "sets", None)
    return list(sets()) if callable(sets) else []

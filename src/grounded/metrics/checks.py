"""Checking a spec against the events it will read: every event it names must be in the
event store, and every property it filters or breaks down by must appear on some event.
A typo'd name is the commonest way for a metric to be quietly zero forever."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import ibis

from grounded.metrics.engine import Events
from grounded.metrics.spec import Spec

#: Events read to learn which properties exist (the first this many of the store).
PROPERTY_SAMPLE = 200_000


@dataclass(frozen=True)
class Problem:
    """What is wrong, and the name to point at in the spec's file."""

    name: str
    message: str


@ibis.udf.scalar.builtin(name="json_keys")  # type: ignore[untyped-decorator]
def _json_keys(document: str) -> list[str]:  # type: ignore[empty-body]
    """DuckDB: the keys of a JSON object."""


def known_events(events: Events) -> set[str]:
    return events.names()


def known_properties(events: Events) -> set[str] | None:
    """The property names on a sample of events, or None when this engine cannot list them
    (then properties are not checked)."""
    columns = {
        c for c in events.table.columns if c not in {"user_id", "account_id", "event", "occurred_at", "properties"}
    }
    if events.dialect != "duckdb":
        return None
    sample = events.table.limit(PROPERTY_SAMPLE)
    sample = sample.filter(sample.properties.notnull() & sample.properties.startswith("{"))
    keys = sample.select(key=_json_keys(sample.properties).unnest()).distinct()
    return columns | {str(row["key"]) for row in events.run(keys)}


def check(
    spec: Spec, events: Events, *, names: set[str] | None = None, properties: set[str] | None = None
) -> list[Problem]:
    """What in the spec the events do not have, each with the closest name they do have."""
    problems = []
    names = known_events(events) if names is None else names
    for name in sorted(spec.events_named() - names):
        problems.append(Problem(name, f"event '{name}' is not in the event store{_close(name, names)}"))
    wanted = spec.properties_named()
    if wanted:
        known = known_properties(events) if properties is None else properties
        for name in sorted(wanted - (known or wanted)):
            problems.append(
                Problem(name, f"property '{name}' is on none of the events read{_close(name, known or set())}")
            )
    return problems


def _close(name: str, known: set[str]) -> str:
    match = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else f"; it has: {', '.join(sorted(known)[:12])}"

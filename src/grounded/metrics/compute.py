"""Computing catalogue metrics: the service behind ``grounded metric compute|sql|chart``.

A metric's spec is compiled for the engine its events are on; survey metrics (NPS, CSAT)
read survey evidence in the workspace; ratios and derived metrics compute the metrics they
name over the same range and combine them period by period. Values are stored (cached in
``metric_value``, attributed to the metric's version and the engine) only after the whole
computation succeeded: a failure stores nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput
from grounded.metrics import (
    catalogue,
    engine,
    event_sources,
    expression,
    kept,
    ranges,
    results,
    rollup_plan,
    rollups,
    surveys,
)
from grounded.metrics.catalogue import refuse_cycle, spec_of
from grounded.metrics.compile import compile_spec
from grounded.metrics.frame import Frame
from grounded.metrics.kept import Kept
from grounded.metrics.results import Value
from grounded.metrics.spec import EVENT_KINDS, Derived, Ratio, Spec, Survey
from grounded.models import Account, Metric, Workspace
from grounded.models.enums import EventSourceKind

#: SQL compiled for metric pages, by spec, dialect and range.
COMPILED: Kept[tuple[str, ...]] = Kept(256)


@dataclass
class Computation:
    metric: Metric
    spec: Spec
    values: list[Value]
    since: date
    until: date
    engine: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: "events", or the activity rollup table that answered ("rollup user_days").
    answered_from: str = "events"

    def headline(self) -> list[Value]:
        return results.headline(self.values)


@dataclass(frozen=True)
class Target:
    """Where to compute: an event source of the workspace (its default, or one named) on an
    embedded engine (duckdb, chdb, spark), or any Ibis backend by URL."""

    source: str | None = None
    engine: str | None = None
    table: str = "events"
    #: Where the workspace keeps its activity rollups; None reads the events only.
    rollups: Path | None = None

    @property
    def url(self) -> str | None:
        return self.engine if self.engine and "://" in self.engine else None


def open_events(session: Session, workspace: Workspace, target: Target) -> engine.Events:
    if target.url:
        events = engine.open_url(target.url, target.table, {})
    else:
        source = (
            event_sources.get(session, workspace, target.source)
            if target.source
            else event_sources.default(session, workspace)
        )
        if source is None:
            raise InvalidInput(
                "this workspace has no event source; import usage events with: "
                "grounded import --preset usage_events FILE (or name an engine with --engine URL)"
            )
        if source.kind is EventSourceKind.IBIS:
            events = engine.open_url(
                source.location, str(source.column_mapping.get("table", "events")), source.column_mapping
            )
        else:
            events = engine.open_store(
                source.kind, source.location, source.column_mapping, engine=target.engine or "duckdb"
            )
            if target.rollups is not None and rollups.supported(source.kind):
                path = rollups.path_for(target.rollups, source.name)
                note = rollups.attach(events, path, rollups.files_of(source.location))
                events.notes.extend([note] if note else [])
    events.attach_accounts(_accounts(session, workspace))
    return events


def _accounts(session: Session, workspace: Workspace) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(Account.external_id, Account.name, Account.plan, Account.segment, Account.region, Account.arr).where(
            Account.workspace_id == workspace.id
        )
    ).mappings()
    return [dict(row) for row in rows]


def compute(
    session: Session,
    workspace: Workspace,
    ref: str,
    *,
    since: date | None = None,
    until: date | None = None,
    target: Target | None = None,
    store: bool = True,
) -> Computation:
    """A metric's values over [since, until) (by default, the days the events cover)."""
    import time

    started = time.perf_counter()
    ranges.check(since, until)
    metric = catalogue.get(session, workspace, ref)
    target = target or Target()
    opened: dict[str, engine.Events] = {}
    computation = _compute(session, workspace, metric, since=since, until=until, target=target, opened=opened, trail=())
    computation.seconds = time.perf_counter() - started
    if store:
        catalogue.store_values(session, workspace, computation.metric, computation.values, engine=computation.engine)
    return computation


def _events(session: Session, workspace: Workspace, target: Target, opened: dict[str, engine.Events]) -> engine.Events:
    if "events" not in opened:
        opened["events"] = open_events(session, workspace, target)
    return opened["events"]


def _compute(
    session: Session,
    workspace: Workspace,
    metric: Metric,
    *,
    since: date | None,
    until: date | None,
    target: Target,
    opened: dict[str, engine.Events],
    trail: tuple[str, ...],
) -> Computation:
    refuse_cycle(metric.key, trail)
    spec = spec_of(metric)
    if spec.kind in EVENT_KINDS:
        events = _events(session, workspace, target, opened)
        start, end, notes = ranges.resolve(events, since, until, spec)
        frame = Frame(events.table, events.dialect, start, end, events.accounts, rollup=events.rollup)
        try:
            compiled = compile_spec(spec, frame)
            values = results.finish(spec, compiled, events.run, start, end)
        except InvalidInput:
            raise
        except Exception as error:
            raise InvalidInput(
                f"metric {metric.key} could not be computed on {events.describe}: "
                f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            ) from None
        notes = [*notes, *events.notes, *_rollup_notes(spec, compiled.source, events)]
        return Computation(metric, spec, values, start, end, events.dialect, notes=notes, answered_from=compiled.source)
    if isinstance(spec, Survey):
        start, end, notes = surveys.range_of(session, workspace, spec, since, until)
        values = surveys.values(session, workspace, spec, start, end)
        return Computation(metric, spec, values, start, end, "workspace", notes=notes)
    assert isinstance(spec, Ratio | Derived)
    names = spec.metrics_named()
    parts = {}
    for name in sorted(names):
        other = catalogue.find(session, workspace, name)
        if other is None:
            raise InvalidInput(f"metric {metric.key} uses metric '{name}', which is not in the catalogue")
        parts[name] = _compute(
            session,
            workspace,
            other,
            since=since,
            until=until,
            target=target,
            opened=opened,
            trail=(*trail, metric.key),
        )
    first = next(iter(parts.values()))
    for name, part in parts.items():
        if part.spec.period is not spec.period:
            raise InvalidInput(
                f"metric {metric.key} is by {spec.period.value} but '{name}' is by {part.spec.period.value}; "
                "combine metrics of the same period"
            )
    values, not_finite = _combine(spec, {name: part.headline() for name, part in parts.items()})
    engines = sorted({part.engine for part in parts.values()})
    notes = sorted({note for part in parts.values() for note in part.notes})
    if not_finite:
        starts = ", ".join(day.isoformat() for day in not_finite)
        notes.append(f"{metric.key} is not a finite number for the period(s) starting {starts}: kept as no value")
    answered = "+".join(sorted({part.answered_from for part in parts.values()}))
    return Computation(
        metric, spec, values, first.since, first.until, "+".join(engines), notes=notes, answered_from=answered
    )


def _rollup_notes(spec: Spec, source: str, events: engine.Events) -> list[str]:
    if source != "events":
        return [f"answered from the activity {source}"]
    if events.rollup is not None:
        return [f"computed from the events, not the rollup: {rollup_plan.refusal(spec)}"]
    return []


def _combine(spec: Ratio | Derived, parts: dict[str, list[Value]]) -> tuple[list[Value], list[date]]:
    """The values, period by period, and the periods whose value is not a finite number
    (``m * 1e999``): those have no value, since no JSON, engine or database holds infinity."""
    table: dict[tuple[date, tuple[Any, ...]], dict[str, float | None]] = defaultdict(dict)
    shapes: dict[tuple[date, tuple[Any, ...]], Value] = {}
    for name, values in parts.items():
        for v in values:
            key = (v.period_start, tuple(sorted(v.segment.items())))
            table[key][name] = v.value
            shapes.setdefault(key, v)
    out = []
    not_finite: set[date] = set()
    for key in sorted(table, key=lambda k: (k[0], str(k[1]))):
        known = table[key]
        if isinstance(spec, Ratio):
            top, bottom = known.get(spec.numerator), known.get(spec.denominator)
            value = None if top is None or not bottom else top / bottom * spec.scale
        else:
            value = expression.evaluate(spec.expression, known)
        shape = shapes[key]
        if value is not None and not math.isfinite(value):
            not_finite.add(shape.period_start)
            value = None
        out.append(Value(shape.period_start, shape.period_end, value, None, shape.segment))
    return out, sorted(not_finite)


def sql(session: Session, workspace: Workspace, ref: str, *, dialect: str, since: date, until: date) -> list[str]:
    """The SQL a metric compiles to for a dialect (compile only: no engine is opened). Kept
    per process by spec, dialect and range: compiling through Ibis takes ~20 ms a time."""

    ranges.check(since, until)
    metric = catalogue.get(session, workspace, ref)
    spec = spec_of(metric)
    if spec.kind not in EVENT_KINDS:
        raise InvalidInput(f"metric {metric.key} is a {spec.kind.value} metric; it has no event SQL")
    key = kept.digest(type(spec).__name__, spec.model_dump(mode="json"), dialect, since, until)
    return list(COMPILED.get(key, lambda: tuple(compile_sql(spec, abstract_frame(dialect, since, until), dialect))))


def abstract_frame(dialect: str, since: date, until: date) -> Frame:
    """Events and accounts as named tables of grounded's columns, for compiling only."""
    import ibis

    events = ibis.table(
        {
            "user_id": "string",
            "account_id": "string",
            "event": "string",
            "occurred_at": "timestamp('UTC')",
            "properties": "string",
        },
        name="events",
    )
    accounts = ibis.table(
        {
            "account_key": "string",
            "name": "string",
            "plan": "string",
            "segment": "string",
            "region": "string",
            "arr_band": "string",
        },
        name="accounts",
    )
    return Frame(events, dialect, since, until, accounts)


def compile_sql(spec: Spec, frame: Frame, dialect: str) -> list[str]:
    import ibis

    compiled = compile_spec(spec, frame)
    expressions = [compiled.expr, *[v for v in compiled.extra.values() if hasattr(v, "op")]]
    try:
        return [str(ibis.to_sql(e, dialect=dialect)) for e in expressions]
    except Exception as error:
        raise InvalidInput(
            f"metric {spec.key} cannot be expressed in {dialect}: "
            f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        ) from None


def check_backends(session: Session, workspace: Workspace, loaded: list[tuple[Spec, str]], named: list[str]) -> None:
    """Refuse specs a backend they must run on cannot express: the backends named, each
    spec's own, and the default event source's warehouse (InvalidInput listing them all)."""
    from grounded.metrics import backends

    wanted = []
    for name in named:
        try:
            backends.dialect_of(name)
        except ValueError as error:
            raise InvalidInput(str(error), field="backend") from None
        wanted.append(name.strip().lower())
    source = event_sources.default(session, workspace)
    if source is not None and source.kind is EventSourceKind.IBIS:
        wanted.extend([found] if (found := backends.of_url(source.location)) else [])
    problems = backends.refusals(loaded, wanted)
    if problems:
        raise InvalidInput("; ".join(problems))

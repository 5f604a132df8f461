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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput
from grounded.metrics import catalogue, engine, event_sources, expression, periods, results
from grounded.metrics.compile import Frame, compile_spec
from grounded.metrics.results import Value
from grounded.metrics.spec import EVENT_KINDS, Base, Csat, Derived, Nps, Ratio, Spec, Survey, from_stored
from grounded.models import Account, Evidence, Metric, MetricValue, Workspace
from grounded.models.enums import EventSourceKind


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

    def headline(self) -> list[Value]:
        return results.headline(self.values)


@dataclass(frozen=True)
class Target:
    """Where to compute: an event source of the workspace (its default, or one named) on an
    embedded engine (duckdb, chdb, spark), or any Ibis backend by URL."""

    source: str | None = None
    engine: str | None = None
    table: str = "events"

    @property
    def url(self) -> str | None:
        return self.engine if self.engine and "://" in self.engine else None


def spec_of(metric: Metric) -> Spec:
    return from_stored(
        metric.key,
        metric.name,
        metric.kind,
        metric.definition,
        description=metric.description,
        unit=metric.unit,
        good=metric.good_direction.value,
        owner=metric.owner,
    )


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
    metric = catalogue.get(session, workspace, ref)
    target = target or Target()
    opened: dict[str, engine.Events] = {}
    computation = _compute(session, workspace, metric, since=since, until=until, target=target, opened=opened, trail=())
    computation.seconds = time.perf_counter() - started
    if store:
        _store(session, workspace, computation)
    return computation


def _events(session: Session, workspace: Workspace, target: Target, opened: dict[str, engine.Events]) -> engine.Events:
    if "events" not in opened:
        opened["events"] = open_events(session, workspace, target)
    return opened["events"]


def _range(
    events: engine.Events | None, since: date | None, until: date | None, spec: Base
) -> tuple[date, date, list[str]]:
    notes = []
    if since is None or until is None:
        span = events.span() if events is not None else None
        if span is None:
            raise InvalidInput("there are no events to compute from; give --since and --until or import events")
        if since is None:
            since = periods.start_of(span[0], spec.period, spec.week_start)
        if until is None:
            until = span[1]
            notes.append(f"events run until {until - timedelta(days=1)}; the last period may be partial")
    if until <= since:
        raise InvalidInput(f"--until ({until}) must be after --since ({since})")
    return since, until, notes


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
    if metric.key in trail:
        raise InvalidInput(f"metric {metric.key} refers to itself through {' → '.join((*trail, metric.key))}")
    spec = spec_of(metric)
    if spec.kind in EVENT_KINDS:
        events = _events(session, workspace, target, opened)
        start, end, notes = _range(events, since, until, spec)
        frame = Frame(events.table, events.dialect, start, end, events.accounts)
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
        return Computation(metric, spec, values, start, end, events.dialect, notes=notes)
    if isinstance(spec, Survey):
        start, end, notes = _survey_range(session, workspace, spec, since, until)
        values = _survey(session, workspace, spec, start, end)
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
    values = _combine(spec, {name: part.headline() for name, part in parts.items()})
    engines = sorted({part.engine for part in parts.values()})
    notes = sorted({note for part in parts.values() for note in part.notes})
    return Computation(metric, spec, values, first.since, first.until, "+".join(engines), notes=notes)


def _combine(spec: Ratio | Derived, parts: dict[str, list[Value]]) -> list[Value]:
    table: dict[tuple[date, tuple[Any, ...]], dict[str, float | None]] = defaultdict(dict)
    shapes: dict[tuple[date, tuple[Any, ...]], Value] = {}
    for name, values in parts.items():
        for v in values:
            key = (v.period_start, tuple(sorted(v.segment.items())))
            table[key][name] = v.value
            shapes.setdefault(key, v)
    out = []
    for key in sorted(table, key=lambda k: (k[0], str(k[1]))):
        known = table[key]
        if isinstance(spec, Ratio):
            top, bottom = known.get(spec.numerator), known.get(spec.denominator)
            value = None if top is None or not bottom else top / bottom * spec.scale
        else:
            value = expression.evaluate(spec.expression, known)
        shape = shapes[key]
        out.append(Value(shape.period_start, shape.period_end, value, None, shape.segment))
    return out


def _survey_rows(session: Session, workspace: Workspace, spec: Survey) -> list[tuple[datetime, Any, dict[str, Any]]]:
    """(when, score, the account's fields) for each survey answer with a score."""
    statement = (
        sa.select(
            Evidence.occurred_at,
            Evidence.attributes,
            Account.plan,
            Account.segment,
            Account.region,
            Account.arr,
            Account.name,
        )
        .outerjoin(Account, Account.id == Evidence.account_id)
        .where(Evidence.workspace_id == workspace.id, Evidence.kind == "survey_response")
    )
    out = []
    for when, attributes, plan, segment, region, arr, name in session.execute(statement):
        attributes = attributes or {}
        if spec.survey is not None and str(attributes.get("survey")) != spec.survey:
            continue
        fields = {"plan": plan, "segment": segment, "region": region, "arr_band": engine.arr_band(arr), "name": name}
        out.append((when, attributes.get(spec.score_attribute), fields))
    return out


def _survey_range(
    session: Session, workspace: Workspace, spec: Survey, since: date | None, until: date | None
) -> tuple[date, date, list[str]]:
    if since is not None and until is not None:
        return since, until, []
    days = [
        when.date()
        for when, score, _ in _survey_rows(session, workspace, spec)
        if when is not None and score is not None
    ]
    if not days:
        raise InvalidInput(
            "there are no survey answers with a score; import them with: grounded import --preset nps FILE"
        )
    start = since or periods.start_of(min(days), spec.period, spec.week_start)
    end = until or max(days) + timedelta(days=1)
    return start, end, []


def _survey(session: Session, workspace: Workspace, spec: Survey, since: date, until: date) -> list[Value]:
    """NPS: % promoters (9–10) minus % detractors (0–6). CSAT: % at satisfied_from or above.
    Answers whose score is not a number on the scale are left out and counted in the detail."""
    buckets: dict[tuple[date, tuple[Any, ...]], list[float]] = defaultdict(list)
    skipped: dict[tuple[date, tuple[Any, ...]], int] = defaultdict(int)
    segments: dict[tuple[Any, ...], dict[str, Any]] = {}
    top = 10 if isinstance(spec, Nps) else spec.scale if isinstance(spec, Csat) else 10
    bottom = 0 if isinstance(spec, Nps) else 1
    for when, raw, fields in _survey_rows(session, workspace, spec):
        placed = _place(spec, when, fields, since, until)
        if placed is None:
            continue
        key, segment = placed
        segments[key[1]] = segment
        score = _score(raw)
        if score is None or not bottom <= score <= top:
            skipped[key] += 1
        else:
            buckets[key].append(score)
    if not segments and not spec.by:
        segments[()] = {}
    out = []
    for segment_key, segment in sorted(segments.items(), key=lambda item: str(item[0])):
        for start in periods.each(since, until, spec.period, spec.week_start):
            scores = buckets.get((start, segment_key), [])
            end = periods.after(start, spec.period) - timedelta(days=1)
            if isinstance(spec, Nps):
                promoters = sum(1 for s in scores if s >= 9)
                detractors = sum(1 for s in scores if s <= 6)
                value = 100.0 * (promoters - detractors) / len(scores) if scores else None
                parts = {
                    "promoters": promoters,
                    "passives": len(scores) - promoters - detractors,
                    "detractors": detractors,
                }
            else:
                assert isinstance(spec, Csat)
                satisfied = sum(1 for s in scores if s >= spec.satisfied_from)
                value = 100.0 * satisfied / len(scores) if scores else None
                parts = {"satisfied": satisfied, "not_satisfied": len(scores) - satisfied}
            out.append(Value(start, end, value, len(scores), segment))
            for name, n in {**parts, "unreadable_scores": skipped.get((start, segment_key), 0)}.items():
                out.append(Value(start, end, float(n), n, segment, {"answers": name}))
    return out


def _place(
    spec: Survey, when: datetime | None, fields: dict[str, Any], since: date, until: date
) -> tuple[tuple[date, tuple[Any, ...]], dict[str, Any]] | None:
    """The (period, segment) an answer counts in, or None when it is out of range or filtered out."""
    if when is None:
        return None
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    day = moment.astimezone(UTC).date()
    if not since <= day < until:
        return None
    if any(_mismatch(fields.get(name.removeprefix("account.")), wanted) for name, wanted in spec.where.items()):
        return None
    segment = {name: fields.get(name.removeprefix("account.")) for name in spec.by}
    return (periods.start_of(day, spec.period, spec.week_start), tuple(sorted(segment.items()))), segment


def _mismatch(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return str(value) not in {str(option) for option in options}


def _score(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        score = float(str(raw).strip())
    except ValueError:
        return None
    return None if math.isnan(score) else score


def _store(session: Session, workspace: Workspace, computation: Computation) -> None:
    """Replace this version's cached values over the computed periods, all at once."""
    metric = computation.metric
    starts = {v.period_start for v in computation.values}
    if starts:
        session.execute(
            sa.delete(MetricValue).where(
                MetricValue.metric_id == metric.id,
                MetricValue.metric_version == metric.version,
                MetricValue.period_start >= min(starts),
                MetricValue.period_start <= max(starts),
            )
        )
    now = datetime.now(UTC)
    session.add_all(
        MetricValue(
            workspace_id=workspace.id,
            metric_id=metric.id,
            metric_version=metric.version,
            period_start=v.period_start,
            period_end=v.period_end,
            segment=v.segment,
            detail=v.detail,
            value=v.value,
            sample_size=v.sample_size,
            engine=computation.engine,
            computed_at=now,
        )
        for v in computation.values
    )
    session.flush()


def sql(session: Session, workspace: Workspace, ref: str, *, dialect: str, since: date, until: date) -> list[str]:
    """The SQL a metric compiles to for a dialect (compile only: no engine is opened)."""
    import ibis

    metric = catalogue.get(session, workspace, ref)
    spec = spec_of(metric)
    if spec.kind not in EVENT_KINDS:
        raise InvalidInput(f"metric {metric.key} is a {spec.kind.value} metric; it has no event SQL")
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
    return compile_sql(spec, Frame(events, dialect, since, until, accounts), dialect)


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


def values_of(session: Session, metric: Metric) -> Sequence[MetricValue]:
    return catalogue.values(session, metric, version=metric.version)

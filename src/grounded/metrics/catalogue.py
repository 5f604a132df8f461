"""The metric catalogue: one definition per metric, versioned when its meaning changes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import Conflict, InvalidInput
from grounded.metrics.schemas import MetricCreate, MetricUpdate, MetricValueCreate
from grounded.metrics.spec import Spec, from_stored
from grounded.models import Metric, MetricValue, MetricVersion, Workspace
from grounded.models.enums import MetricKind

if TYPE_CHECKING:  # results imports the compiler and Ibis: not needed to read the catalogue
    from grounded.metrics.results import Value

#: Changing these changes what the numbers mean, so they make a new version.
_MEANING = ("kind", "definition")


def create(session: Session, workspace: Workspace, *, data: MetricCreate, actor: Actor) -> Metric:
    if find(session, workspace, data.key) is not None:
        raise Conflict(f"a metric with key '{data.key}' already exists; change it with: grounded metric update")
    values = data.model_dump()
    values["definition"] = _valid(data.key, data.name, data.kind, data.definition)
    metric = crud.add(session, Metric(workspace_id=workspace.id, **values), actor=actor)
    _keep_version(session, metric)
    return metric


def _valid(key: str, name: str, kind: MetricKind, definition: dict[str, Any]) -> dict[str, Any]:
    """The definition as a spec of its kind would store it, or InvalidInput saying why not."""
    from grounded.metrics.spec import from_stored

    return from_stored(key, name, MetricKind(kind), definition).definition()


def _keep_version(session: Session, metric: Metric) -> None:
    session.add(
        MetricVersion(
            workspace_id=metric.workspace_id,
            metric_id=metric.id,
            version=metric.version,
            kind=metric.kind,
            definition=metric.definition,
        )
    )
    session.flush()


def find(session: Session, workspace: Workspace, key: str) -> Metric | None:
    return session.scalars(
        sa.select(Metric).where(Metric.workspace_id == workspace.id, Metric.key == key)
    ).one_or_none()


def get(session: Session, workspace: Workspace, ref: str | uuid.UUID) -> Metric:
    """By key (``weekly_csv_exports``) or id."""
    return crud.get_by(session, Metric, workspace=workspace, column="key", ref=ref)


def list_(
    session: Session, workspace: Workspace, *, kind: MetricKind | None = None, page: PageParams | None = None
) -> Page[Metric]:
    where = [Metric.kind == kind] if kind is not None else []
    return crud.list_(session, Metric, workspace=workspace, where=where, order_by=(Metric.key,), page=page)


def update(session: Session, metric: Metric, *, data: MetricUpdate, actor: Actor) -> Metric:
    """Edit a metric. A change of kind or definition is a new version; earlier results
    stay attributed to the version that produced them."""
    changes = data.model_dump(exclude_unset=True)
    if "kind" in changes or "definition" in changes:
        kind = changes.get("kind") or metric.kind
        definition = changes["definition"] if changes.get("definition") is not None else metric.definition
        changes["definition"] = _valid(metric.key, metric.name, kind, definition)
    changed = crud.update(session, metric, actor=actor, changes=changes)
    if set(changed) & set(_MEANING):
        metric.version += 1
        _keep_version(session, metric)
    return metric


def versions(session: Session, metric: Metric) -> Sequence[MetricVersion]:
    return session.scalars(
        sa.select(MetricVersion).where(MetricVersion.metric_id == metric.id).order_by(MetricVersion.version)
    ).all()


def record_value(session: Session, workspace: Workspace, metric: Metric, *, data: MetricValueCreate) -> MetricValue:
    source_id = None
    if data.event_source:
        from grounded.metrics import event_sources

        source_id = event_sources.get(session, workspace, data.event_source).id
    value = MetricValue(
        workspace_id=workspace.id,
        metric_id=metric.id,
        metric_version=metric.version,
        event_source_id=source_id,
        **data.model_dump(exclude={"event_source"}),
    )
    session.add(value)
    session.flush()
    return value


def values(session: Session, metric: Metric, *, version: int | None = None) -> Sequence[MetricValue]:
    statement = sa.select(MetricValue).where(MetricValue.metric_id == metric.id)
    if version is not None:
        statement = statement.where(MetricValue.metric_version == version)
    return session.scalars(statement.order_by(MetricValue.period_start, MetricValue.id)).all()


def define(session: Session, workspace: Workspace, spec: Spec, *, actor: Actor) -> tuple[Metric, str]:
    """Add a spec to the catalogue, or bring its entry up to date. Returns the metric and
    what happened: ``created``, ``new version`` (the meaning changed), ``updated`` (only
    its name, description, unit, owner or direction) or ``unchanged``."""
    from grounded.metrics.spec import header

    fields = header(spec)
    definition = spec.definition()
    metric = find(session, workspace, spec.key)
    if metric is None:
        data = MetricCreate(**{k: v for k, v in fields.items() if v is not None}, definition=definition)
        return create(session, workspace, data=data, actor=actor), "created"
    wanted = {**{k: v for k, v in fields.items() if k != "key"}, "definition": definition}
    changes = {k: v for k, v in wanted.items() if getattr(metric, k) != v}
    if not changes:
        return metric, "unchanged"
    update(session, metric, data=MetricUpdate(**changes), actor=actor)
    return metric, "new version" if set(changes) & set(_MEANING) else "updated"


def define_all(
    session: Session, workspace: Workspace, specs: Sequence[tuple[Spec, str]], *, actor: Actor
) -> list[tuple[Metric, str]]:
    """Define several specs (each with where it came from, ``file:line``). A ratio or derived
    metric may name metrics among them or already in the catalogue; any other name is
    refused before anything is written."""
    given = {spec.key: spec for spec, _ in specs}
    for spec, where in specs:
        for name in sorted(spec.metrics_named()):
            if name not in given and find(session, workspace, name) is None:
                raise InvalidInput(f"{where}: metric '{name}' is not in the catalogue or among the specs given")
    checked: set[str] = set()
    for spec, where in specs:
        try:
            _no_cycle(session, workspace, spec.key, given, trail=(), checked=checked)
        except InvalidInput as error:
            raise InvalidInput(f"{where}: {error}") from None
    return [define(session, workspace, spec, actor=actor) for spec, _ in specs]


def _no_cycle(
    session: Session,
    workspace: Workspace,
    key: str,
    given: dict[str, Spec],
    *,
    trail: tuple[str, ...],
    checked: set[str],
) -> None:
    """Follow the metrics ``key`` is computed from (a spec given wins over the catalogue's
    entry) and refuse, as compute would, one that leads back to itself."""
    refuse_cycle(key, trail)
    if key in checked:
        return
    if key in given:
        names = given[key].metrics_named()
    else:
        metric = find(session, workspace, key)
        names = spec_of(metric).metrics_named() if metric is not None else set()
    for name in sorted(names):
        _no_cycle(session, workspace, name, given, trail=(*trail, key), checked=checked)
    checked.add(key)


def refuse_cycle(key: str, trail: tuple[str, ...]) -> None:
    """InvalidInput if metric ``key`` is already on ``trail``, the metrics being computed
    (or checked) on the way to it: a ratio or derived metric that refers to itself."""
    if key in trail:
        raise InvalidInput(f"metric {key} refers to itself through {' → '.join((*trail, key))}")


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


def store_values(
    session: Session, workspace: Workspace, metric: Metric, values: Sequence[Value], *, engine: str
) -> None:
    """Replace this version's cached values over the computed periods, all at once."""
    starts = {v.period_start for v in values}
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
            engine=engine,
            computed_at=now,
        )
        for v in values
    )
    session.flush()

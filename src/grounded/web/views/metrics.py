"""Metrics: the catalogue, and a metric with its chart, definition and SQL. The page shows
the values last computed (fast); computing again is an explicit action."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.errors import GroundedError
from grounded.metrics import catalogue, compute
from grounded.metrics.results import Value
from grounded.metrics.schemas import MetricRead
from grounded.models import Workspace
from grounded.web.schemas import PageOut

DIALECTS = ("duckdb", "clickhouse", "pyspark", "trino", "bigquery", "snowflake", "postgres")


class MetricPage(BaseModel):
    metric: MetricRead
    definition_yaml: str
    values: list[dict[str, Any]]
    computed_at: datetime | None
    engine: str | None
    chart_svg: str | None
    sql: list[str]
    sql_dialect: str
    sql_error: str | None


class ValueOut(BaseModel):
    """One computed number: its period (end inclusive), segment, detail and sample."""

    period_start: date
    period_end: date
    segment: dict[str, str | None]
    detail: dict[str, Any]
    value: float | None
    sample_size: int | None


class MetricRun(BaseModel):
    """What computing a metric now gave, as it was stored."""

    key: str
    version: int
    engine: str
    since: date
    until: date
    seconds: float
    headline: list[ValueOut]
    values: list[ValueOut]
    notes: list[str]


def listing(session: Session, workspace: Workspace, *, page: PageParams) -> PageOut[MetricRead]:
    found = catalogue.list_(session, workspace, page=page)
    return PageOut.of(found, [MetricRead.model_validate(m) for m in found.items])


def detail(
    session: Session, workspace: Workspace, key: str, *, dialect: str = "duckdb", chart: bool = True
) -> MetricPage:
    metric = catalogue.get(session, workspace, key)
    stored = catalogue.values(session, metric, version=metric.version)
    values = [_value(v) for v in stored]
    statements, error = _sql(session, workspace, metric.key, dialect)
    return MetricPage(
        metric=MetricRead.model_validate(metric),
        definition_yaml=yaml.safe_dump(metric.definition, sort_keys=False, allow_unicode=True),
        values=[v.as_dict() for v in values],
        computed_at=max((v.computed_at for v in stored), default=None),
        engine=stored[-1].engine if stored else None,
        chart_svg=_chart(metric, values) if chart and values else None,
        sql=statements,
        sql_dialect=dialect,
        sql_error=error,
    )


def _value(row: Any) -> Value:
    return Value(
        period_start=row.period_start,
        period_end=row.period_end,
        value=row.value,
        sample_size=row.sample_size,
        segment=dict(row.segment or {}),
        detail=dict(row.detail or {}),
    )


def _chart(metric: Any, values: list[Value]) -> str | None:
    from grounded.metrics import charts

    svg = charts.page_svg(catalogue.spec_of(metric), values)
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else None


def _sql(session: Session, workspace: Workspace, key: str, dialect: str) -> tuple[list[str], str | None]:
    if dialect not in DIALECTS:
        return [], f"'{dialect}' is not one of: {', '.join(DIALECTS)}"
    try:
        return compute.sql(
            session, workspace, key, dialect=dialect, since=date(2026, 1, 1), until=date(2026, 4, 1)
        ), None
    except GroundedError as error:
        return [], str(error)


def run(session: Session, workspace: Workspace, key: str, *, since: date | None, until: date | None) -> dict[str, Any]:
    """Compute now (on the workspace's default event store) and keep the values."""
    found = compute.compute(session, workspace, key, since=since, until=until)
    return {
        "key": found.spec.key,
        "version": found.metric.version,
        "engine": found.engine,
        "since": found.since.isoformat(),
        "until": found.until.isoformat(),
        "seconds": round(found.seconds, 3),
        "headline": [v.as_dict() for v in found.headline()],
        "values": [v.as_dict() for v in found.values],
        "notes": found.notes,
    }

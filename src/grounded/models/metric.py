"""The metric catalogue, where events live, and cached metric results."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import Base, IdMixin, TimestampMixin, WorkspaceScoped
from grounded.db.types import enum_type, utcnow
from grounded.models.enums import EventSourceKind, GoodDirection, MetricKind


class Metric(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A behaviour metric everyone uses the same way. ``key`` is how people refer to it
    (``weekly_csv_exports``); the current definition is version ``version``, and every
    earlier definition is kept in ``metric_version`` so old results stay attributable."""

    __tablename__ = "metric"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[MetricKind] = mapped_column(enum_type(MetricKind, "metric_kind"))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit: Mapped[str] = mapped_column(sa.String(50), default="")
    good_direction: Mapped[GoodDirection] = mapped_column(
        enum_type(GoodDirection, "good_direction"), default=GoodDirection.UP
    )
    version: Mapped[int] = mapped_column(default=1)


class MetricVersion(IdMixin, WorkspaceScoped, Base):
    """A metric's definition as of one version. Append-only."""

    __tablename__ = "metric_version"
    __table_args__ = (sa.UniqueConstraint("metric_id", "version"),)

    metric_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("metric.id", ondelete="CASCADE"))
    version: Mapped[int]
    kind: Mapped[MetricKind] = mapped_column(enum_type(MetricKind, "metric_kind"))
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventSource(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """Where a workspace's product usage events live: a Parquet/CSV path, a DuckDB file,
    or an Ibis connection URL, with the mapping from its columns to ours."""

    __tablename__ = "event_source"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[EventSourceKind] = mapped_column(enum_type(EventSourceKind, "event_source_kind"))
    location: Mapped[str] = mapped_column(sa.Text)
    column_mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_default: Mapped[bool] = mapped_column(default=False)


class MetricValue(IdMixin, WorkspaceScoped, Base):
    """One cached result: a metric version over a period, optionally for one segment."""

    __tablename__ = "metric_value"
    __table_args__ = (sa.Index("ix_metric_value_metric_period", "metric_id", "period_start"),)

    metric_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("metric.id", ondelete="CASCADE"))
    metric_version: Mapped[int]
    event_source_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("event_source.id", ondelete="SET NULL"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Which part of the metric: {} for the headline, else e.g. {"step": 2} or {"period": 4}.
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sa.text("'{}'"))
    #: The engine that computed it (duckdb, clickhouse, pyspark…).
    engine: Mapped[str | None] = mapped_column(sa.String(200))
    value: Mapped[float | None]
    sample_size: Mapped[int | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

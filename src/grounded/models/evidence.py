"""Evidence and where it came from: import runs (sources) and the rows they quarantined."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import (
    Base,
    IdMixin,
    Keyed,
    TimestampMixin,
    WorkspaceScoped,
    workspace_number_unique,
)
from grounded.db.types import enum_type, utcnow
from grounded.models.enums import EvidenceKind, EvidenceMode, SourceStatus


class Source(IdMixin, Keyed, Base):
    """One import run or channel. ``source_key`` names the channel (``zendesk``,
    ``manual``…) and stays the same across runs; evidence is unique per channel and
    external id, so importing the same export twice updates instead of duplicating."""

    __tablename__ = "source"
    __table_args__ = (
        workspace_number_unique("source"),
        sa.Index("ix_source_workspace_key", "workspace_id", "source_key"),
    )
    KEY_PREFIX: ClassVar[str] = "SRC"

    source_key: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(40))
    file_name: Mapped[str | None] = mapped_column(sa.String(500))
    file_hash: Mapped[str | None] = mapped_column(sa.String(64))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[SourceStatus] = mapped_column(enum_type(SourceStatus, "source_status"), default=SourceStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rows_read: Mapped[int] = mapped_column(default=0)
    new_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    quarantined_count: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.Text)


class QuarantinedRow(IdMixin, WorkspaceScoped, Base):
    """A row an import could not accept, kept verbatim with a reason a person can act on."""

    __tablename__ = "quarantined_row"
    __table_args__ = (sa.Index("ix_quarantined_row_source_row", "source_id", "row_number"),)

    source_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("source.id", ondelete="CASCADE"))
    row_number: Mapped[int]
    raw: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    field: Mapped[str | None] = mapped_column(sa.String(200))
    #: The row's external id, when it got as far as having one: a later run of the same
    #: source that stores that id resolves this row.
    external_id: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Evidence(IdMixin, Keyed, TimestampMixin, Base):
    """One piece of evidence, verbatim, with its provenance.

    A quote points at the interview note it came from through ``parent_id``. ``row_hash``
    fingerprints the raw values an import read for the row (and the mapping it read them
    with), so re-importing an unchanged row writes nothing.

    The indexes are the lookups the services make and no more: this is the table a million
    rows land in, and every index is paid for on every insert (docs/performance.md).
    """

    __tablename__ = "evidence"
    __table_args__ = (
        workspace_number_unique("evidence"),
        sa.UniqueConstraint("workspace_id", "source_key", "external_id"),
        sa.Index("ix_evidence_workspace_occurred", "workspace_id", "occurred_at"),
        sa.Index("ix_evidence_workspace_created", "workspace_id", "created_at", "kind"),
        sa.Index("ix_evidence_account", "account_id"),
        sa.Index(
            "ix_evidence_parent",
            "parent_id",
            sqlite_where=sa.text("parent_id IS NOT NULL"),
            postgresql_where=sa.text("parent_id IS NOT NULL"),
        ),
        sa.Index(
            "ix_evidence_stakeholder_group",
            "stakeholder_group_id",
            sqlite_where=sa.text("stakeholder_group_id IS NOT NULL"),
            postgresql_where=sa.text("stakeholder_group_id IS NOT NULL"),
        ),
    )
    KEY_PREFIX: ClassVar[str] = "E"
    WORKSPACE_INDEX: ClassVar[bool] = False

    source_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("source.id", ondelete="SET NULL"))
    source_key: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EvidenceKind] = mapped_column(enum_type(EvidenceKind, "evidence_kind"))
    mode: Mapped[EvidenceMode] = mapped_column(enum_type(EvidenceMode, "evidence_mode"))
    title: Mapped[str] = mapped_column(sa.String(500), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime]
    account_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    person_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    stakeholder_group_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="SET NULL")
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(32))
    sentiment: Mapped[float | None]

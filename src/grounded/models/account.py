"""Who the evidence is about: customer accounts, people, and internal stakeholder groups."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import Base, IdMixin, TimestampMixin, WorkspaceScoped


class Account(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A customer organisation. ``arr`` is annual recurring revenue in whole units of the
    workspace currency."""

    __tablename__ = "account"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "external_id"),
        sa.Index("ix_account_workspace_segment", "workspace_id", "segment"),
    )

    external_id: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(300))
    segment: Mapped[str | None] = mapped_column(sa.String(64))
    plan: Mapped[str | None] = mapped_column(sa.String(64))
    arr: Mapped[int | None] = mapped_column(sa.BigInteger)
    region: Mapped[str | None] = mapped_column(sa.String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Person(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A contact or end user. With redaction on, only ``identity_hash`` identifies them."""

    __tablename__ = "person"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "external_id"),)

    external_id: Mapped[str] = mapped_column(sa.String(320))
    account_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    name: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    identity_hash: Mapped[str | None] = mapped_column(sa.String(64))
    is_redacted: Mapped[bool] = mapped_column(default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StakeholderGroup(IdMixin, WorkspaceScoped, Base):
    """An internal group whose asks and concerns the product answers (sales, legal, …)."""

    __tablename__ = "stakeholder_group"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "slug"),)

    slug: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

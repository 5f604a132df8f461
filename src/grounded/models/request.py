"""Asks from stakeholders, the accounts and deal value behind them, and what became of them."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

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
from grounded.db.types import enum_type
from grounded.models.enums import DeadlineKind, Disposition


class Request(IdMixin, Keyed, TimestampMixin, Base):
    """An ask (sales, marketing, finance, legal, support…). The problem it expresses is a
    ``problem_link`` with role ``symptom``; ``explanation`` is the honest answer given."""

    __tablename__ = "request"
    __table_args__ = (
        workspace_number_unique("request"),
        sa.Index("ix_request_workspace_disposition", "workspace_id", "disposition"),
    )
    KEY_PREFIX: ClassVar[str] = "R"

    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    stakeholder_group_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="SET NULL"), index=True
    )
    requester_name: Mapped[str | None] = mapped_column(sa.String(200))
    deal_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    deadline: Mapped[date | None]
    deadline_kind: Mapped[DeadlineKind | None] = mapped_column(enum_type(DeadlineKind, "deadline_kind"))
    disposition: Mapped[Disposition] = mapped_column(enum_type(Disposition, "disposition"), default=Disposition.NEW)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    reevaluate_on: Mapped[date | None]
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("request.id", ondelete="SET NULL"), index=True
    )
    bet_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("bet.id", ondelete="SET NULL"), index=True)
    evidence_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="SET NULL"), index=True)


class RequestAccount(WorkspaceScoped, Base):
    """An account behind a request, with the deal value at stake for it."""

    __tablename__ = "request_account"

    request_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("request.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    deal_value: Mapped[int | None] = mapped_column(sa.BigInteger)

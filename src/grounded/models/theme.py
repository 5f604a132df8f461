"""Themes discovered in evidence, run by run, with stable identities across runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grounded.db.base import Base, IdMixin, Keyed, WorkspaceScoped, workspace_number_unique
from grounded.db.types import enum_type, utcnow
from grounded.models.enums import RunStatus


class ThemeRun(IdMixin, Keyed, Base):
    """One execution of theme discovery: which model, which parameters, what it found."""

    __tablename__ = "theme_run"
    __table_args__ = (workspace_number_unique("theme_run"),)
    KEY_PREFIX: ClassVar[str] = "TR"

    model: Mapped[str] = mapped_column(sa.String(200))
    model_version: Mapped[str] = mapped_column(sa.String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus, "run_status"), default=RunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    evidence_count: Mapped[int] = mapped_column(default=0)
    theme_count: Mapped[int] = mapped_column(default=0)
    unthemed_count: Mapped[int] = mapped_column(default=0)


class Theme(IdMixin, WorkspaceScoped, Base):
    """A group of evidence. ``number`` (``T-7``) is carried from run to run when the
    membership mostly carries over, so the names and links people gave survive."""

    __tablename__ = "theme"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "number"),
        sa.Index("ix_theme_workspace_number", "workspace_id", "number"),
    )
    KEY_PREFIX: ClassVar[str] = "T"

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("theme_run.id", ondelete="CASCADE"))
    number: Mapped[int]
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(300))
    name: Mapped[str | None] = mapped_column(sa.String(300))
    keywords: Mapped[list[str]] = mapped_column(default=list)
    representative_ids: Mapped[list[str]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(default=0)
    #: The unit centre of the members' vectors (float32, little-endian) and the distance
    #: (1 - cosine) within which 95% of the members lie: new evidence closer than that
    #: joins the theme between runs.
    centre: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    radius: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def key(self) -> str:
        return f"{self.KEY_PREFIX}-{self.number}"


class EvidenceTheme(WorkspaceScoped, Base):
    """Membership of evidence in a theme, with its distance to the theme's centre."""

    __tablename__ = "evidence_theme"

    evidence_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    distance: Mapped[float | None]


class EvidenceVector(WorkspaceScoped, Base):
    """An evidence item's text embedding, cached per model version.

    ``content_hash`` is the evidence's at the time it was embedded: when the text changes,
    the vector is stale and made again; nothing else is. A derived cache, so workspace
    export leaves it out (it is made again on the other side)."""

    __tablename__ = "evidence_vector"
    __table_args__ = (sa.Index("ix_evidence_vector_workspace_model", "workspace_id", "model"),)
    WORKSPACE_INDEX: ClassVar[bool] = False

    evidence_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    #: The embedder's version string, e.g. ``all-MiniLM-L6-v2/0.1.0/b1/int8``.
    model: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: float32 values, little-endian, ``dimension`` of them.
    dimension: Mapped[int]
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceSentiment(WorkspaceScoped, Base):
    """An evidence item's sentiment as an analyzer scored it, cached like its vector.

    ``content_hash`` is the evidence's at the time it was scored: an edited text is scored
    again. ``Evidence.sentiment``, when a person or an import gave one, wins over this.
    A derived cache, so workspace export leaves it out."""

    __tablename__ = "evidence_sentiment"
    WORKSPACE_INDEX: ClassVar[bool] = True

    evidence_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    #: The analyzer's version string, e.g. ``vader/3.3.2+g1``.
    analyzer: Mapped[str] = mapped_column(sa.String(100))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: From -1 (negative) to +1 (positive); NULL for text in another language than English.
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceLanguage(WorkspaceScoped, Base):
    """The language an evidence item is written in, as the detector saw it, cached like its
    vector. ``language`` is an ISO 639-1 code, or NULL when the text is too short or too
    mixed to tell (such text is treated as English)."""

    __tablename__ = "evidence_language"
    WORKSPACE_INDEX: ClassVar[bool] = True

    evidence_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    detector: Mapped[str] = mapped_column(sa.String(100))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Evidence vectors: embed what is new or changed, keep the rest, read them back as a matrix.

A vector is cached per evidence and model version with the content hash it was made from,
so a second run embeds nothing, an edited ticket is embedded again, and another model's
vectors live beside these. Work is committed a chunk at a time: an interrupted run keeps
what it finished and the next run does the rest.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.db.engine import session_scope
from grounded.db.types import utcnow
from grounded.models import Evidence, EvidenceVector
from grounded.models.enums import EvidenceKind

#: Texts embedded and written per transaction.
CHUNK = 1024

Progress = Callable[[int], None]


class Embedder(Protocol):
    name: str
    version: str
    dimension: int
    truncated: int

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


@dataclass
class EmbedReport:
    model: str
    evidence: int = 0
    embedded: int = 0
    reused: int = 0
    truncated: int = 0
    seconds: float = 0.0

    @property
    def texts_per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


#: What is embedded for an evidence item (``text_of``) is part of every cached vector's key:
#: a change to it makes every vector stale.
RECIPE = 1
#: Kinds whose title is not anyone's words (a survey answer's is made from its score and
#: company: "NPS 9 from Acme"): only their text is embedded, or every answer would sit
#: closer to every other answer than to what it is about.
TITLE_IS_METADATA = frozenset({"survey_response"})


def key(embedder: Embedder) -> str:
    """The model key vectors are cached under: the embedder's version and the text recipe."""
    return f"{embedder.version}+r{RECIPE}"


def text_of(title: str, text: str, kind: str | None = None) -> str:
    """What is embedded for an evidence item: its text, led by its title when the title adds
    something (a subject line usually does; a quote has none; a survey answer's is metadata)."""
    title, text = title.strip(), text.strip()
    if kind in TITLE_IS_METADATA and text:
        return text
    if title and title not in text:
        return f"{title}. {text}" if text else title
    return text


def has_words() -> sa.ColumnElement[bool]:
    """Evidence with words of its own to embed: not a survey answer whose text is only its
    made-up title (a score without a comment says nothing a theme could be about)."""
    kinds = [EvidenceKind(kind) for kind in TITLE_IS_METADATA]
    return sa.not_(sa.and_(Evidence.kind.in_(kinds), Evidence.text == Evidence.title))


def pending(
    session: Session, workspace_id: uuid.UUID, model: str, only: Sequence[uuid.UUID] | None = None
) -> tuple[int, list[uuid.UUID]]:
    """(evidence in the workspace with words to embed, ids of those without a current vector
    for ``model``); with ``only``, just among those ids."""
    if only is not None:
        return _pending_among(session, workspace_id, model, only)
    total = session.scalar(sa.select(sa.func.count()).where(Evidence.workspace_id == workspace_id, has_words())) or 0
    stale = session.scalars(
        sa.select(Evidence.id)
        .outerjoin(
            EvidenceVector,
            sa.and_(EvidenceVector.evidence_id == Evidence.id, EvidenceVector.model == model),
        )
        .where(
            Evidence.workspace_id == workspace_id,
            has_words(),
            sa.or_(EvidenceVector.evidence_id.is_(None), EvidenceVector.content_hash != Evidence.content_hash),
        )
        .order_by(Evidence.number)
    ).all()
    return total, list(stale)


def _pending_among(
    session: Session, workspace_id: uuid.UUID, model: str, only: Sequence[uuid.UUID]
) -> tuple[int, list[uuid.UUID]]:
    total, stale = 0, []
    for start in range(0, len(only), CHUNK):
        rows = session.execute(
            sa.select(Evidence.id, EvidenceVector.evidence_id.label("vector_of"))
            .outerjoin(
                EvidenceVector,
                sa.and_(
                    EvidenceVector.evidence_id == Evidence.id,
                    EvidenceVector.model == model,
                    EvidenceVector.content_hash == Evidence.content_hash,
                ),
            )
            .where(Evidence.workspace_id == workspace_id, has_words(), Evidence.id.in_(only[start : start + CHUNK]))
            .order_by(Evidence.number)
        ).all()
        total += len(rows)
        stale += [r.id for r in rows if r.vector_of is None]
    return total, stale


def ensure(
    engine: Engine,
    workspace_id: uuid.UUID,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    only: Sequence[uuid.UUID] | None = None,
) -> EmbedReport:
    """Embed the workspace's evidence (or just ``only``) that has no current vector for this
    embedder."""
    started = time.perf_counter()
    model = key(embedder)
    report = EmbedReport(model=model)
    truncated_before = embedder.truncated
    with session_scope(engine) as session:
        report.evidence, todo = pending(session, workspace_id, model, only)
    report.reused = report.evidence - len(todo)
    for start in range(0, len(todo), CHUNK):
        ids = todo[start : start + CHUNK]
        with session_scope(engine) as session:
            rows = session.execute(
                sa.select(Evidence.id, Evidence.title, Evidence.text, Evidence.kind, Evidence.content_hash).where(
                    Evidence.id.in_(ids)
                )
            ).all()
            texts = [text_of(r.title, r.text, r.kind.value) for r in rows]
            vectors = embedder.embed(texts, progress=progress)
            _store(session, workspace_id, embedder, rows, vectors)
        report.embedded += len(rows)
    report.truncated = embedder.truncated - truncated_before
    report.seconds = time.perf_counter() - started
    return report


def _store(
    session: Session, workspace_id: uuid.UUID, embedder: Embedder, rows: Sequence[Any], vectors: np.ndarray
) -> None:
    ids = [r.id for r in rows]
    session.execute(
        sa.delete(EvidenceVector).where(EvidenceVector.model == key(embedder), EvidenceVector.evidence_id.in_(ids))
    )
    now = utcnow()
    session.execute(
        sa.insert(EvidenceVector),
        [
            {
                "workspace_id": workspace_id,
                "evidence_id": r.id,
                "model": key(embedder),
                "content_hash": r.content_hash,
                "dimension": embedder.dimension,
                "vector": np.ascontiguousarray(vector, dtype="<f4").tobytes(),
                "created_at": now,
            }
            for r, vector in zip(rows, vectors, strict=True)
        ],
    )


def load(session: Session, workspace_id: uuid.UUID, model: str) -> tuple[list[uuid.UUID], np.ndarray]:
    """The workspace's current vectors for ``model``: evidence ids and a float32 matrix in
    the same order (evidence number order). Stale vectors are left out."""
    rows = session.execute(
        sa.select(EvidenceVector.evidence_id, EvidenceVector.dimension, EvidenceVector.vector)
        .join(Evidence, Evidence.id == EvidenceVector.evidence_id)
        .where(
            EvidenceVector.workspace_id == workspace_id,
            EvidenceVector.model == model,
            EvidenceVector.content_hash == Evidence.content_hash,
            has_words(),
        )
        .order_by(Evidence.number)
    ).all()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    dimension = rows[0].dimension
    matrix = np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4").reshape(len(rows), dimension)
    return [r.evidence_id for r in rows], matrix.astype(np.float32, copy=True)

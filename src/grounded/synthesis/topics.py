"""Where things sit in the embedding space: evidence, themes, requests and problems as unit
vectors, so any of them can be compared with any other.

- evidence: its cached vector (embedded on the spot when it has none yet);
- a theme: the centre of its members' vectors;
- a request: its evidence item's vector when it has one, else its title and description
  embedded;
- a problem: its statement embedded, averaged with the centre of the evidence accepted as
  supporting it or as its symptom (what people actually wrote weighs as much as how the team
  phrased it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.models import Evidence, EvidenceTheme, Problem, ProblemLink, Request, Theme, ThemeRun
from grounded.models.enums import LinkRole, LinkStatus
from grounded.synthesis import vectors
from grounded.synthesis.vectors import Embedder


@dataclass
class Space:
    """The workspace's current evidence vectors for one model, addressable by evidence id."""

    ids: list[uuid.UUID]
    matrix: np.ndarray
    model: str

    def __post_init__(self) -> None:
        self.row = {evidence_id: n for n, evidence_id in enumerate(self.ids)}

    def rows(self, evidence_ids: Iterable[uuid.UUID]) -> np.ndarray:
        """Matrix rows of the given evidence ids that have a vector, in the given order."""
        found = [self.row[i] for i in evidence_ids if i in self.row]
        return np.asarray(found, dtype=np.int64)


def space(session: Session, workspace_id: uuid.UUID, embedder: Embedder) -> Space:
    ids, matrix = vectors.load(session, workspace_id, vectors.key(embedder))
    return Space(ids=ids, matrix=matrix, model=vectors.key(embedder))


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm else vector.astype(np.float32)


def centre(matrix: np.ndarray) -> np.ndarray:
    return unit(matrix.mean(axis=0)) if len(matrix) else np.zeros(matrix.shape[1], dtype=np.float32)


def members(session: Session, theme: Theme) -> list[uuid.UUID]:
    return list(session.scalars(sa.select(EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id == theme.id)))


def theme_vector(session: Session, where: Space, theme: Theme) -> np.ndarray:
    return centre(where.matrix[where.rows(members(session, theme))])


@dataclass
class ThemeCentres:
    """A run's top-level themes and the centre of each (rows of ``matrix``)."""

    themes: list[Theme]
    matrix: np.ndarray
    members: dict[uuid.UUID, list[uuid.UUID]]


def theme_centres(session: Session, where: Space, run: ThemeRun) -> ThemeCentres:
    found = list(
        session.scalars(
            sa.select(Theme).where(Theme.run_id == run.id, Theme.parent_id.is_(None)).order_by(Theme.number)
        )
    )
    by_theme: dict[uuid.UUID, list[uuid.UUID]] = {t.id: [] for t in found}
    for theme_id, evidence_id in session.execute(
        sa.select(EvidenceTheme.theme_id, EvidenceTheme.evidence_id).where(EvidenceTheme.theme_id.in_(list(by_theme)))
    ):
        by_theme[theme_id].append(evidence_id)
    dimension = where.matrix.shape[1] if where.matrix.size else 0
    matrix = np.zeros((len(found), dimension), dtype=np.float32)
    for n, theme in enumerate(found):
        matrix[n] = centre(where.matrix[where.rows(by_theme[theme.id])])
    return ThemeCentres(themes=found, matrix=matrix, members=by_theme)


def embed_text(embedder: Embedder, text: str) -> np.ndarray:
    return unit(embedder.embed([text])[0])


def evidence_vector(session: Session, where: Space, embedder: Embedder, item: Evidence) -> np.ndarray:
    row = where.row.get(item.id)
    if row is not None:
        found: np.ndarray = where.matrix[row]
        return found
    return embed_text(embedder, vectors.text_of(item.title, item.text, item.kind.value))


def request_text(request: Request) -> str:
    return f"{request.title}. {request.description}".strip(". ") if request.description else request.title


def request_vector(session: Session, where: Space, embedder: Embedder, request: Request) -> np.ndarray:
    if request.evidence_id is not None:
        item = session.get(Evidence, request.evidence_id)
        if item is not None:
            return evidence_vector(session, where, embedder, item)
    return embed_text(embedder, request_text(request))


def problem_text(problem: Problem) -> str:
    """The words of a problem statement that say what it is about."""
    parts = [problem.title, problem.struggle, problem.current_workaround]
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())


def accepted_evidence(session: Session, problem: Problem, roles: tuple[LinkRole, ...]) -> list[uuid.UUID]:
    """Evidence accepted for a problem in ``roles``: linked directly, through a theme, or
    through a request's evidence item."""
    accepted = sa.and_(
        ProblemLink.problem_id == problem.id, ProblemLink.status == LinkStatus.ACCEPTED, ProblemLink.role.in_(roles)
    )
    direct = sa.select(ProblemLink.evidence_id).where(accepted, ProblemLink.evidence_id.is_not(None))
    themed = (
        sa.select(EvidenceTheme.evidence_id)
        .join(ProblemLink, ProblemLink.theme_id == EvidenceTheme.theme_id)
        .where(accepted)
    )
    asked = (
        sa.select(Request.evidence_id)
        .join(ProblemLink, ProblemLink.request_id == Request.id)
        .where(accepted, Request.evidence_id.is_not(None))
    )
    found = session.scalars(sa.union(direct, themed, asked)).all()
    return sorted({i for i in found if i is not None}, key=str)


def problem_vector(session: Session, where: Space, embedder: Embedder, problem: Problem) -> np.ndarray:
    said = embed_text(embedder, problem_text(problem))
    rows = where.rows(accepted_evidence(session, problem, (LinkRole.SUPPORTS, LinkRole.SYMPTOM)))
    if not len(rows):
        return said
    return unit(said + centre(where.matrix[rows]))

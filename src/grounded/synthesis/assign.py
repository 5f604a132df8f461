"""New evidence joins the current themes between runs.

Each theme keeps its centre and radius from the run that made it (the distance within which
95% of its members lie). An item that arrived after the run is embedded and compared with
every theme's centre; it joins the nearest theme when it is within that theme's radius plus
``SLACK`` (and never further than the build itself keeps members), and then the nearest of
its sub-themes on the same rule. Otherwise it waits, unthemed, for the
next ``themes build``, which places everything afresh.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.db.engine import session_scope
from grounded.models import Evidence, EvidenceTheme, EvidenceVector, Theme, ThemeRun, Workspace
from grounded.synthesis import language, themes, vectors
from grounded.synthesis.clustering import FITS_FROM
from grounded.synthesis.textual import wordy
from grounded.synthesis.vectors import Embedder

#: Slack on a theme's radius (cosine distance): a theme built from a handful of close
#: paraphrases is tighter than the subject it stands for.
SLACK = 0.1
#: Never further than the build itself keeps a member (clustering.FITS_FROM).
MAX_DISTANCE = 1.0 - FITS_FROM

#: An import bringing more new items than this leaves them to the next build (embedding a
#: million tickets is a build's job, not an import's).
MAX_ITEMS = 20_000


@dataclass
class AssignReport:
    run: str | None
    considered: int = 0
    joined: int = 0
    waiting: int = 0
    seconds: float = 0.0
    by_theme: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def ms_per_item(self) -> float:
        return 1000 * self.seconds / self.considered if self.considered else 0.0


def pending(engine: Engine, workspace_id: uuid.UUID) -> tuple[ThemeRun | None, list[uuid.UUID]]:
    """The current run and the evidence that arrived since it started and belongs to none of
    its themes."""
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        run = themes.current_run(session, workspace)
        if run is None:
            return None, []
        placed = (
            sa.select(EvidenceTheme.evidence_id)
            .join(Theme, Theme.id == EvidenceTheme.theme_id)
            .where(Theme.run_id == run.id)
        )
        last = run.parameters.get("last_evidence_number")
        since = Evidence.number > last if isinstance(last, int) else Evidence.created_at >= run.started_at
        candidates = session.scalars(
            sa.select(Evidence.id)
            .where(Evidence.workspace_id == workspace_id, since, vectors.has_words())
            .order_by(Evidence.number)
        ).all()
        ids = [] if not candidates else _not_placed(session, placed, list(candidates))
        session.expunge(run)
        return run, list(ids)


def assign_new(
    engine: Engine, workspace_id: uuid.UUID, embedder: Embedder, *, max_items: int = MAX_ITEMS
) -> AssignReport:
    started = time.perf_counter()
    run, todo = pending(engine, workspace_id)
    if run is None:
        return AssignReport(run=None, skipped="no themes yet (grounded themes build)")
    report = AssignReport(run=run.key, considered=len(todo))
    reason = _why_not(run, todo, embedder, max_items)
    if reason:
        report.considered, report.waiting, report.skipped = 0, len(todo), reason
        return report
    if not todo:
        return report
    vectors.ensure(engine, workspace_id, embedder, only=todo)
    with session_scope(engine) as session:
        ids, matrix = _vectors(session, workspace_id, vectors.key(embedder), todo)
        language.ensure(session, workspace_id, ids)  # other languages wait: the build groups them apart
        spoken = language.languages(session, ids)
        texts = dict(session.execute(sa.select(Evidence.id, Evidence.text).where(Evidence.id.in_(ids))).all())
        keep = [n for n, i in enumerate(ids) if language.is_english(spoken.get(i)) and wordy(texts.get(i, ""))]
        ids, matrix = [ids[n] for n in keep], matrix[keep] if len(keep) else matrix[:0]
        every = [  # English items join English themes only
            t
            for t in session.scalars(sa.select(Theme).where(Theme.run_id == run.id, Theme.centre.is_not(None)))
            if not t.label.startswith("[")
        ]
        if not every:
            report.waiting = len(todo)
            report.skipped = "the current themes were built before centres were kept; run grounded themes build"
            return report
        joined = _place(session, workspace_id, every, ids, matrix)
    report.joined = sum(joined.values())
    report.waiting = len(todo) - report.joined
    report.by_theme = dict(joined.most_common())
    report.seconds = time.perf_counter() - started
    return report


def _not_placed(session: Session, placed: sa.Select[Any], ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """``ids`` that have no membership in the run (looked up by id: the run may be large)."""
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(session.scalars(placed.where(EvidenceTheme.evidence_id.in_(chunk))))
    return [i for i in ids if i not in found]


def _why_not(run: ThemeRun, todo: list[uuid.UUID], embedder: Embedder, max_items: int) -> str | None:
    if len(todo) > max_items:
        return f"{len(todo):,} new items are more than {max_items:,}; the next themes build places them"
    if todo and run.model_version != vectors.key(embedder):
        return f"the themes were built with {run.model_version}; the next themes build places these"
    return None


def _place(
    session: Session, workspace_id: uuid.UUID, every: list[Theme], ids: list[uuid.UUID], matrix: np.ndarray
) -> Counter[str]:
    """Record each item in its nearest theme (and sub-theme) within reach; counts by theme."""
    tops = [t for t in every if t.parent_id is None]
    children: dict[uuid.UUID, list[Theme]] = {}
    for t in every:
        if t.parent_id is not None:
            children.setdefault(t.parent_id, []).append(t)
    joined: Counter[str] = Counter()
    rows = []
    for evidence_id, vector, top in zip(ids, matrix, _nearest_all(tops, matrix), strict=True):
        if top is None:
            continue
        placed = [top]
        child = _nearest(children.get(top[0].id, []), vector)
        if child is not None:
            placed.append(child)
        for theme, distance in placed:
            rows.append(
                {"workspace_id": workspace_id, "evidence_id": evidence_id, "theme_id": theme.id, "distance": distance}
            )
            theme.size += 1
        joined[top[0].key] += 1
    if rows:
        session.execute(sa.insert(EvidenceTheme), rows)
    return joined


def _vectors(
    session: Session, workspace_id: uuid.UUID, model: str, wanted: list[uuid.UUID]
) -> tuple[list[uuid.UUID], np.ndarray]:
    found: dict[uuid.UUID, bytes] = {}
    for start in range(0, len(wanted), 5000):
        for r in session.execute(
            sa.select(EvidenceVector.evidence_id, EvidenceVector.vector).where(
                EvidenceVector.model == model, EvidenceVector.evidence_id.in_(wanted[start : start + 5000])
            )
        ):
            found[r.evidence_id] = r.vector
    ids = [i for i in wanted if i in found]
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(found[i] for i in ids), dtype="<f4").reshape(len(ids), -1)
    return ids, matrix


def _nearest_all(candidates: list[Theme], matrix: np.ndarray) -> list[tuple[Theme, float] | None]:
    """For each row, the nearest theme whose radius it is within, with the distance."""
    if not candidates or not len(matrix):
        return [None] * len(matrix)
    centres = np.stack([np.frombuffer(t.centre or b"", dtype="<f4") for t in candidates])
    radii = np.array([_reach(t) for t in candidates])
    distances = 1.0 - matrix @ centres.T
    inside = np.where(distances <= radii, distances, np.inf)
    best = inside.argmin(axis=1)
    return [(candidates[b], float(inside[n, b])) if np.isfinite(inside[n, b]) else None for n, b in enumerate(best)]


def _nearest(candidates: list[Theme], vector: np.ndarray) -> tuple[Theme, float] | None:
    """The nearest theme whose radius the vector is within, with the distance."""
    best: tuple[Theme, float] | None = None
    for theme in candidates:
        assert theme.centre is not None
        distance = 1.0 - float(np.frombuffer(theme.centre, dtype="<f4") @ vector)
        if distance <= _reach(theme) and (best is None or distance < best[1]):
            best = (theme, distance)
    return best


def _reach(theme: Theme) -> float:
    """How far from its centre a new item may be and still join ``theme``."""
    if theme.radius is None:
        return -1.0
    return min(theme.radius + SLACK, MAX_DISTANCE)

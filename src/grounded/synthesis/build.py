"""``themes build``: embed what is new, discover themes and sub-themes, describe them, keep
the identities people know, record the run.

A run is one transaction at the end: until it completes, the previous run's themes stay the
workspace's current ones, and a failed or interrupted run leaves nothing behind (the vectors
it made are kept: they are a cache).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.db.engine import session_scope
from grounded.errors import InvalidInput
from grounded.models import Evidence, EvidenceTheme, ProblemLink, Theme, ThemeRun, Workspace
from grounded.synthesis import clustering, language, sentiment, themes, vectors
from grounded.synthesis.describe import distinctive_terms, label, representatives
from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
from grounded.synthesis.textual import wordy
from grounded.synthesis.vectors import Embedder

#: Fewer items than this give no themes worth a person's time.
MIN_ITEMS = 20
#: A theme keeps an earlier theme's key and name when their memberships overlap at least
#: this much (Jaccard): "mostly carries over".
CARRY_OVER = 0.5
#: Themes at least this big are split into sub-themes.
SPLIT_FROM = 24
#: A sub-theme holds at least this share of its theme (smaller splits are slivers, not
#: sub-themes: their items stay in the theme).
SUB_SHARE = 0.05

#: New evidence joins a theme between runs when it is at least as close to the centre as
#: this share of the theme's own members (synthesis/assign.py).
RADIUS_QUANTILE = 0.95

#: The language code of texts with too few words to be about anything (textual.wordy).
WORDLESS = "-"

Stage = Callable[[str], None]


@dataclass
class Group:
    """A theme or sub-theme being built: member rows of the run's matrix."""

    rows: np.ndarray
    children: list[Group] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    representatives: list[int] = field(default_factory=list)
    number: int | None = None
    name: str | None = None
    #: The earlier run's theme this one carries over (its links move here).
    previous: uuid.UUID | None = None
    #: ISO 639-1 code of a theme of non-English evidence; None for English.
    language: str | None = None


@dataclass
class BuildReport:
    run: str
    model: str
    evidence: int
    embedded: int
    themes: int
    sub_themes: int
    unthemed: int
    carried_over: int
    method: str
    seconds: float
    #: Texts embedded from their first 256 tokens only.
    truncated: int = 0
    #: Evidence in other languages than English, by language: how many, and how many of them
    #: found a theme among their own language's evidence.
    other_languages: dict[str, dict[str, int]] = field(default_factory=dict)


def build(
    engine: Engine,
    workspace_id: uuid.UUID,
    embedder: Embedder,
    *,
    actor: Actor,
    seed: int = 0,
    stage: Stage | None = None,
    progress: vectors.Progress | None = None,
) -> BuildReport:
    started = time.perf_counter()
    say = stage or (lambda _name: None)
    with session_scope(engine) as session:  # what arrives from here on is placed between runs
        last_number = session.scalar(
            sa.select(sa.func.max(Evidence.number)).where(Evidence.workspace_id == workspace_id)
        )
    say("embedding")
    embedded = vectors.ensure(engine, workspace_id, embedder, progress=progress)
    with session_scope(engine) as session:
        ids, matrix = vectors.load(session, workspace_id, vectors.key(embedder))
    if len(ids) < MIN_ITEMS:
        raise InvalidInput(
            f"the workspace has {len(ids)} evidence items; themes need at least {MIN_ITEMS} to mean anything "
            "(import more evidence first: grounded import --help)",
            field="evidence",
        )
    say("clustering")
    with session_scope(engine) as session:
        texts = _texts(session, ids)
        language.ensure(session, workspace_id)
        spoken = language.languages(session, ids)
    codes = np.array([spoken.get(i) or language.ENGLISH for i in ids], dtype=object)
    codes[[not wordy(text) for text in texts]] = WORDLESS
    labels, found, others = _discover_by_language(matrix, codes, seed)
    groups = _groups(labels)
    for group in groups:
        code = codes[group.rows[0]]
        group.language = None if code == language.ENGLISH else str(code)
    for group in groups:
        if len(group.rows) >= SPLIT_FROM:
            sub = clustering.discover(matrix[group.rows], seed=seed, nested=True)
            smallest = max(clustering.MIN_SIZE, SUB_SHARE * len(group.rows))
            children = [child for child in _groups(sub.labels) if len(child.rows) >= smallest]
            if len(children) > 1:
                group.children = [Group(rows=group.rows[child.rows]) for child in children]
    say("describing")
    with session_scope(engine) as session:
        sentiment.ensure(session, workspace_id)
    _describe(groups, texts, matrix)
    for group in groups:
        _describe(group.children, texts, matrix)
    say("saving")
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        carried = _carry_over(session, workspace, ids, groups)
        run = themes.start_run(
            session,
            workspace,
            data=ThemeRunCreate(
                model=embedder.name,
                model_version=vectors.key(embedder),
                parameters={
                    **found.parameters,
                    "seed": seed,
                    "last_evidence_number": last_number or 0,
                    "other_languages": others,
                },
            ),
            actor=actor,
        )
        for group in groups:
            parent = _save(session, run, group, ids, matrix, parent=None)
            for child in group.children:
                _save(session, run, child, ids, matrix, parent=parent.id)
        unthemed = int((labels < 0).sum())
        themes.finish_run(session, run, evidence_count=len(ids), unthemed_count=unthemed, actor=actor)
        key = run.key
    return BuildReport(
        run=key,
        model=vectors.key(embedder),
        evidence=len(ids),
        embedded=embedded.embedded,
        themes=len(groups),
        sub_themes=sum(len(g.children) for g in groups),
        unthemed=unthemed,
        carried_over=carried,
        method=found.method,
        seconds=time.perf_counter() - started,
        other_languages=others,
        truncated=embedded.truncated,
    )


def _discover_by_language(
    matrix: np.ndarray, codes: np.ndarray, seed: int
) -> tuple[np.ndarray, clustering.Clustering, dict[str, dict[str, int]]]:
    """Cluster English evidence; evidence in each other language is kept out of English
    themes (the model places it poorly among English text) and clustered among its own
    language when there is enough of it, else left unthemed. Labels are distinct across
    languages."""
    labels = np.full(len(matrix), -1, dtype=np.int64)
    english = np.flatnonzero(codes == language.ENGLISH)
    if len(english) >= MIN_ITEMS:
        found = clustering.discover(matrix[english], seed=seed)
        labels[english] = found.labels
    else:  # too few to mean anything: unthemed, like a small language
        found = clustering.Clustering(np.full(len(english), -1, dtype=np.int64), "too few English items")
    others: dict[str, dict[str, int]] = {}
    for code in sorted(set(codes.tolist()) - {language.ENGLISH, WORDLESS}):
        rows = np.flatnonzero(codes == code)
        themed = 0
        if len(rows) >= MIN_ITEMS:
            own = clustering.discover(matrix[rows], seed=seed).labels
            offset = int(labels.max()) + 1
            labels[rows] = np.where(own >= 0, own + offset, -1)
            themed = int((own >= 0).sum())
        others[str(code)] = {"items": len(rows), "themed": themed}
    return labels, found, others


def _groups(labels: np.ndarray) -> list[Group]:
    """Groups by label, largest first; -1 (fits nowhere) is not a group."""
    found = [Group(rows=np.flatnonzero(labels == value)) for value in np.unique(labels) if value >= 0]
    return sorted(found, key=lambda group: -len(group.rows))


def _texts(session: Session, ids: Sequence[uuid.UUID]) -> list[str]:
    by_id: dict[uuid.UUID, str] = {}
    for start in range(0, len(ids), 5000):
        chunk = list(ids[start : start + 5000])
        rows = session.execute(
            sa.select(Evidence.id, Evidence.title, Evidence.text, Evidence.kind).where(Evidence.id.in_(chunk))
        )
        for row in rows:
            by_id[row.id] = vectors.text_of(row.title, row.text, row.kind.value)
    return [by_id[i] for i in ids]


def _describe(groups: Sequence[Group], texts: Sequence[str], matrix: np.ndarray) -> None:
    """Terms that set each group apart from its siblings; its representative texts."""
    terms = distinctive_terms({n: [texts[r] for r in g.rows] for n, g in enumerate(groups)})
    for n, group in enumerate(groups):
        group.terms = terms.get(n, [])
        group.representatives = [int(group.rows[i]) for i in representatives(matrix[group.rows])]


def _carry_over(session: Session, workspace: Workspace, ids: Sequence[uuid.UUID], groups: Sequence[Group]) -> int:
    """Give each new theme (and sub-theme) the key and name of the earlier one whose members
    it mostly shares; returns how many kept theirs."""
    previous = themes.current_run(session, workspace)
    if previous is None:
        return 0
    position = {evidence_id: row for row, evidence_id in enumerate(ids)}
    members: dict[uuid.UUID, set[int]] = {}
    for theme_id, evidence_id in session.execute(
        sa.select(EvidenceTheme.theme_id, EvidenceTheme.evidence_id)
        .join(Theme, Theme.id == EvidenceTheme.theme_id)
        .where(Theme.run_id == previous.id)
    ):
        if evidence_id in position:
            members.setdefault(theme_id, set()).add(position[evidence_id])
    old = {t.id: t for t in session.scalars(sa.select(Theme).where(Theme.run_id == previous.id))}
    carried = 0
    for level in (
        [(g, old_id) for g in groups for old_id, t in old.items() if t.parent_id is None],
        [(c, old_id) for g in groups for c in g.children for old_id, t in old.items() if t.parent_id is not None],
    ):
        carried += _match(level, members, old)
    return carried


def _match(
    pairs: Sequence[tuple[Group, uuid.UUID]], members: Mapping[uuid.UUID, set[int]], old: Mapping[uuid.UUID, Theme]
) -> int:
    """One-to-one, best overlap first, at least CARRY_OVER."""
    scored = []
    for group, old_id in pairs:
        mine = set(group.rows.tolist())
        theirs = members.get(old_id, set())
        union = len(mine | theirs)
        overlap = len(mine & theirs) / union if union else 0.0
        if overlap >= CARRY_OVER:
            scored.append((overlap, id(group), group, old_id))
    taken_groups: set[int] = set()
    taken_old: set[uuid.UUID] = set()
    for _overlap, key, group, old_id in sorted(scored, key=lambda s: -s[0]):
        if key in taken_groups or old_id in taken_old:
            continue
        group.number, group.name, group.previous = old[old_id].number, old[old_id].name, old_id
        taken_groups.add(key)
        taken_old.add(old_id)
    return len(taken_groups)


def _save(
    session: Session,
    run: ThemeRun,
    group: Group,
    ids: Sequence[uuid.UUID],
    matrix: np.ndarray,
    *,
    parent: uuid.UUID | None,
) -> Theme:
    theme = themes.add_theme(
        session,
        run,
        data=ThemeCreate(
            label=(f"[{group.language}] " if group.language else "") + label(group.terms)[:290],
            keywords=group.terms,
            representative_ids=[str(ids[r]) for r in group.representatives],
            number=group.number,
            parent=parent,
        ),
    )
    if group.name:
        theme.name = group.name
    if group.previous is not None:  # links people made (or rejected) follow the theme's key
        session.execute(sa.update(ProblemLink).where(ProblemLink.theme_id == group.previous).values(theme_id=theme.id))
    centre = matrix[group.rows].mean(axis=0)
    norm = float(np.linalg.norm(centre))
    centre = centre / norm if norm else centre
    distances = 1.0 - matrix[group.rows] @ centre
    theme.centre = np.ascontiguousarray(centre, dtype="<f4").tobytes()
    theme.radius = round(float(np.quantile(distances, RADIUS_QUANTILE)), 6)
    themes.assign(session, theme, {ids[r]: round(float(d), 6) for r, d in zip(group.rows, distances, strict=True)})
    return theme

"""``search``: the one call behind ``grounded search``, the web search box and the API.

Same query language, same result shape and the same ordering rule on both databases:
a match in a title weighs more than one in the body; shorter documents with the same
matches rank higher. SQLite ranks with bm25 over one FTS5 index for all four kinds, so
scores compare across kinds; PostgreSQL with ts_rank_cd, length-normalised.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.models import Bet, Decision, Evidence, Problem, Workspace
from grounded.problem.service import statement
from grounded.search import query as q
from grounded.search import sqlite_rank
from grounded.search.sql import ENTITY_TYPES, pg_vector

_MODELS: dict[str, Any] = {"evidence": Evidence, "problem": Problem, "bet": Bet, "decision": Decision}
SNIPPET = 180


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: uuid.UUID
    key: str
    title: str
    snippet: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    query: str
    terms: list[str]
    total: int
    limit: int
    offset: int
    hits: list[SearchHit] = field(default_factory=list)


def search(
    session: Session,
    workspace: Workspace,
    *,
    text: str,
    types: Sequence[str] | None = None,
    page: PageParams | None = None,
) -> SearchResult:
    page = page or PageParams(limit=20)
    wanted = _types(types)
    parsed = q.parse(text)
    backend = _sqlite if session.get_bind().dialect.name == "sqlite" else _postgres
    ranked, total = backend(session, workspace, parsed, wanted, page)
    hits = _load(session, ranked, parsed.words)
    return SearchResult(query=text, terms=parsed.words, total=total, limit=page.limit, offset=page.offset, hits=hits)


def _types(types: Sequence[str] | None) -> tuple[str, ...]:
    if not types:
        return ENTITY_TYPES
    unknown = sorted(set(types) - set(ENTITY_TYPES))
    if unknown:
        raise InvalidInput(f"unknown {', '.join(unknown)}; choose from {', '.join(ENTITY_TYPES)}", field="types")
    return tuple(t for t in ENTITY_TYPES if t in types)


Ranked = sqlite_rank.Ranked
TITLE_WEIGHT = sqlite_rank.TITLE_WEIGHT


def _sqlite(
    session: Session, workspace: Workspace, parsed: q.Query, types: tuple[str, ...], page: PageParams
) -> tuple[Ranked, int]:
    match, ws = q.to_fts5(parsed), workspace.id.hex
    ranked = sqlite_rank.ranked(session, match, ws, types, page)
    return [(kind, ident, -rank) for kind, ident, rank in ranked], sqlite_rank.total(session, match, ws, types)


def _postgres(
    session: Session, workspace: Workspace, parsed: q.Query, types: tuple[str, ...], page: PageParams
) -> tuple[Ranked, int]:
    weights = f"'{{0.1, 0.2, {1.0 / TITLE_WEIGHT}, 1.0}}'::float4[]"
    parts = [
        # Table names come from ENTITY_TYPES (checked in _types), never from the query text.
        f"SELECT '{t}' AS entity_type, {t}.id AS entity_id, "  # noqa: S608
        f"ts_rank_cd({weights}, {pg_vector(t)}, query.q, 1) AS score "
        f"FROM {t}, query WHERE {t}.workspace_id = :ws AND {pg_vector(t)} @@ query.q"
        for t in types
    ]
    with_query = "WITH query AS (SELECT to_tsquery('english', :tsq) AS q) "
    union = " UNION ALL ".join(parts)
    params = {"tsq": q.to_tsquery(parsed), "ws": workspace.id}
    ranked = f"{with_query}SELECT * FROM ({union}) hits ORDER BY score DESC, entity_id LIMIT :limit OFFSET :offset"  # noqa: S608
    rows = session.execute(
        sa.text(ranked),
        {**params, "limit": page.limit, "offset": page.offset},
    ).all()
    counted = f"{with_query}SELECT count(*) FROM ({union}) hits"  # noqa: S608 (constants only)
    total = session.execute(sa.text(counted), params).scalar_one()
    return [(kind, ident, float(score)) for kind, ident, score in rows], int(total)


def _load(session: Session, ranked: Ranked, words: list[str]) -> list[SearchHit]:
    by_type: dict[str, list[uuid.UUID]] = {}
    for kind, ident, _ in ranked:
        by_type.setdefault(kind, []).append(ident)
    rows: dict[uuid.UUID, Any] = {}
    for kind, ids in by_type.items():
        model = _MODELS[kind]
        rows.update({row.id: row for row in session.scalars(sa.select(model).where(model.id.in_(ids)))})
    pattern = _highlight_pattern(words)
    return [
        SearchHit(
            type=kind,
            id=ident,
            key=rows[ident].key,
            title=_title(rows[ident]),
            snippet=snippet(_body(kind, rows[ident]), pattern),
            score=round(score, 6),
        )
        for kind, ident, score in ranked
        if ident in rows
    ]


def _title(row: Any) -> str:
    return str(row.title) or _flat(row.text)[:80]


def _body(kind: str, row: Any) -> str:
    if kind == "evidence":
        return str(row.text)
    if kind == "problem":
        return statement(row)
    if kind == "bet":
        return f"{row.hypothesis} {row.summary}".strip() or str(row.title)
    return f"{row.context} {row.rationale}".strip() or str(row.title)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _highlight_pattern(words: list[str]) -> re.Pattern[str]:
    """Words as typed, or their stems: 'exports' also finds 'exported'."""
    stems = sorted({w[: max(4, len(w) - 2)] for w in words}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)


def snippet(text: str, pattern: re.Pattern[str], size: int = SNIPPET) -> str:
    """A window of ``text`` around the first match, with ellipses where it was cut."""
    flat = _flat(text)
    if len(flat) <= size:
        return flat
    match = pattern.search(flat)
    start = max(0, (match.start() if match else 0) - size // 3)
    end = min(len(flat), start + size)
    start = max(0, end - size)
    return ("…" if start else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")

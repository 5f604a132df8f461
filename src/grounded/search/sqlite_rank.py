"""Ranked full-text hits on SQLite: one page of them, and how many there are.

The order is bm25 over the one FTS5 index (title weighing ``TITLE_WEIGHT`` times the body),
ties broken by the entity's id; only rows of the workspace and of the kinds asked for count.

A common query matches tens of thousands of rows. Every match must be scored to find the
best ones, but only the page needs the row map (workspace, kind, id), so the page is found
in two steps: the best ``offset + limit + SLACK`` (rounded up to a ``STEP``) matches by score
alone, straight from the index; then their row-map entries, kept when they belong, ordered
by score and id. That equals ranking every match only when the candidates hold every row
that could be on the page: enough of them belong, and the last candidate scores strictly
worse than the page's last row (so no row outside the candidates ties with it), or the index
had no more. When that fails (other workspaces or kinds crowding the top, a long tie at the
page's edge), the page is ranked over every match in one plain statement, as it is for
pages deeper than ``KEPT_MOST`` candidates.

The total is the index's own count of matches (it reads no row map), less the matches
among the rows of other workspaces and kinds. Those rows are few in the usual database (one
workspace; a handful of problems, bets and decisions beside the evidence), and they are
listed once per change of the database; when there are more than ``FOREIGN_MOST``, the
total counts every match joined to its row-map entry instead (three times the cost).

Scoring every match is most of a search's cost, so the candidates and the total are kept
per connection until the database changes (``grounded.db.counts``): the same search again,
the page's JSON twin, or the next page within the candidates, is answered without scoring
again.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.db import counts

#: Title matches count this many times a body match.
TITLE_WEIGHT = 4.0
#: Candidates taken past the page's last row, for rows of other workspaces or kinds and ties.
SLACK = 64
#: Candidates are taken in steps of this many (so the next pages find them kept) ...
STEP = 100
#: ... up to this many (a few pages; at most 256 searches and totals are kept per connection,
#: so about 30 MB at worst); a deeper page is ranked over every match.
KEPT_MOST = 300
#: Rows of other workspaces or kinds a total subtracts at most (each costs a seek in the index).
FOREIGN_MOST = 500

Ranked = list[tuple[str, uuid.UUID, float]]

_RANK = f"bm25(search_fts, {TITLE_WEIGHT}, 1.0)"
_BELONGS = "m.workspace_id = :ws AND m.entity_type IN :types"
_MATCHES = (
    f"FROM search_fts JOIN search_rowmap m ON m.rowid = search_fts.rowid WHERE search_fts MATCH :match AND {_BELONGS}"
)
_CANDIDATES = sa.text(
    f"WITH top AS (SELECT rowid AS rid, {_RANK} AS rank FROM search_fts "  # noqa: S608 (constants only)
    "WHERE search_fts MATCH :match ORDER BY rank LIMIT :fetch) "
    "SELECT top.rank, m.entity_type, m.entity_id, m.workspace_id "
    "FROM top LEFT JOIN search_rowmap m ON m.rowid = top.rid ORDER BY top.rank"
)
_EVERY = sa.text(
    f"SELECT m.entity_type, m.entity_id, {_RANK} AS rank {_MATCHES} "
    "ORDER BY rank, m.entity_id LIMIT :limit OFFSET :offset"
).bindparams(sa.bindparam("types", expanding=True))
_COUNT = sa.text(f"SELECT count(*) {_MATCHES}").bindparams(sa.bindparam("types", expanding=True))
_INDEX_COUNT = sa.text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :match")
_FOREIGN = sa.text(f"SELECT rowid FROM search_rowmap m WHERE NOT ({_BELONGS}) LIMIT :most").bindparams(  # noqa: S608
    sa.bindparam("types", expanding=True)
)
_FOREIGN_COUNT = sa.text(
    "SELECT count(*) FROM search_fts WHERE search_fts MATCH :match AND rowid IN :rowids"
).bindparams(sa.bindparam("rowids", expanding=True))


def ranked(session: Session, match: str, workspace_hex: str, types: tuple[str, ...], page: PageParams) -> Ranked:
    """The page of hits for the FTS5 expression ``match``, best first, scores as bm25 gives them."""
    need = page.offset + page.limit
    fetch = -(-(need + SLACK) // STEP) * STEP
    if fetch <= KEPT_MOST:
        rows = _candidates(session, match, fetch)
        belong = sorted(
            (float(rank), ident, kind) for rank, kind, ident, ws in rows if ws == workspace_hex and kind in types
        )
        whole = len(rows) < fetch  # the index had no more matches
        if whole or (len(belong) >= need and float(rows[-1][0]) > belong[need - 1][0]):
            return [(kind, uuid.UUID(hex=ident), rank) for rank, ident, kind in belong[page.offset : need]]
    params = {"match": match, "ws": workspace_hex, "types": types, "limit": page.limit, "offset": page.offset}
    every = session.execute(_EVERY, params).all()
    return [(kind, uuid.UUID(hex=ident), float(rank)) for kind, ident, rank in every]


def _candidates(session: Session, match: str, fetch: int) -> tuple[Any, ...]:
    """The ``fetch`` best-scored matches with their row-map entries, best first (kept)."""
    params = {"match": match, "fetch": fetch}
    key = (str(_CANDIDATES), repr(sorted(params.items())))
    return counts.kept(session, key, lambda: tuple(session.execute(_CANDIDATES, params).all()))


def total(session: Session, match: str, workspace_hex: str, types: tuple[str, ...]) -> int:
    """How many rows of the workspace and kinds match (kept until the database changes)."""
    params = {"match": match, "ws": workspace_hex, "types": types}
    key = (str(_COUNT), repr(sorted(params.items())))
    return counts.kept(session, key, lambda: _counted(session, params))


def _counted(session: Session, params: dict[str, Any]) -> int:
    foreign = _foreign(session, params["ws"], params["types"])
    if len(foreign) > FOREIGN_MOST:
        return int(session.execute(_COUNT, params).scalar_one())
    matches = int(session.execute(_INDEX_COUNT, {"match": params["match"]}).scalar_one())
    if not foreign:
        return matches
    elsewhere = session.execute(_FOREIGN_COUNT, {"match": params["match"], "rowids": foreign}).scalar_one()
    return matches - int(elsewhere)


def _foreign(session: Session, workspace_hex: str, types: tuple[str, ...]) -> tuple[int, ...]:
    """Row-map rowids of other workspaces or kinds, up to one past ``FOREIGN_MOST`` (kept)."""
    params = {"ws": workspace_hex, "types": types, "most": FOREIGN_MOST + 1}
    key = (str(_FOREIGN), repr(sorted(params.items())))
    return counts.kept(session, key, lambda: tuple(session.scalars(_FOREIGN, params).all()))

"""Pages of search results equal a straightforward ranking of every match: same rows, same
order (ties broken by id), same total, same snippets; kept answers follow every change."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.pagination import PageParams
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceCreate
from grounded.models import Evidence, Workspace
from grounded.search import query as q
from grounded.search import sqlite_rank
from grounded.search.service import SearchHit, search
from grounded.search.sql import ENTITY_TYPES
from tests.factories import make_actor, make_bet, make_evidence, make_problem, make_workspace

#: Texts repeated many times over, so that many rows score exactly alike (ties at page edges).
TEXTS = [
    ("", "We rebuild the spreadsheet every week."),
    ("Spreadsheet", "We rebuild it by hand."),
    ("", "The spreadsheet is rebuilt from three exports, then rebuilt again when a number is off."),
    ("Rebuild", "A long note about the weekly spreadsheet " + "and the numbers in it " * 8),
]
QUERY = "rebuild spreadsheet"
WHEN = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def tied(session: Session) -> tuple[Session, Workspace]:
    actor = make_actor(session)
    workspace = make_workspace(session, actor, slug="tied")
    other = make_workspace(session, actor, slug="elsewhere")
    # Ids in an order unrelated to insertion (the index's order): which of many tied rows
    # makes a page depends on the ids alone.
    ids = [uuid.UUID(int=n) for n in random.Random(6).sample(range(1, 10_000), 80)]

    def add(workspace: Workspace, title: str, text: str) -> None:
        item = evidence.build(
            session, workspace, EvidenceCreate(kind="ticket", title=title, text=text, occurred_at=WHEN)
        )
        item.id = ids.pop()
        crud.add(session, item, actor=actor)

    for n in range(60):
        title, text = TEXTS[n % len(TEXTS)]
        text += " Then more." * (n % 7)  # lengths vary, so scores do: (n % 28) repeats them exactly
        add(workspace, title, text)
        if n % 3 == 0:  # the same texts in another workspace, scoring exactly alike
            add(other, title, text)
    for n in range(5):  # other kinds among the best matches
        make_problem(session, workspace, actor, title="Spreadsheet rebuild", struggle="rebuild the spreadsheet")
        make_bet(session, workspace, actor, title=f"Spreadsheet rebuild {n}", hypothesis="no more rebuilds")
    return session, workspace


def reference(session: Session, workspace: Workspace, text: str, types: tuple[str, ...]) -> list[tuple[str, str]]:
    """(kind, id) of every match, ranked in one plain statement: the order search promises."""
    ranked = sa.text(
        "SELECT m.entity_type, m.entity_id FROM search_fts JOIN search_rowmap m ON m.rowid = search_fts.rowid "
        "WHERE search_fts MATCH :match AND m.workspace_id = :ws AND m.entity_type IN :types "
        "ORDER BY bm25(search_fts, 4.0, 1.0), m.entity_id"
    ).bindparams(sa.bindparam("types", expanding=True))
    params = {"match": q.to_fts5(q.parse(text)), "ws": workspace.id.hex, "types": types}
    return [(kind, ident) for kind, ident in session.execute(ranked, params).all()]


def _seen(hits: list[SearchHit]) -> list[tuple[str, str]]:
    return [(hit.type, hit.id.hex) for hit in hits]


def _every_page(session: Session, workspace: Workspace, types: list[str], limit: int) -> Iterator[list[SearchHit]]:
    offset = 0
    while True:
        found = search(session, workspace, text=QUERY, types=types, page=PageParams(limit=limit, offset=offset))
        yield found.hits
        if not found.hits:
            return
        offset += limit


@pytest.fixture
def full_rankings(engine: Any) -> Iterator[list[str]]:
    """The statements that ranked every match (the fallback) from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "ORDER BY rank, m.entity_id" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


# bm25 ranking is SQLite's: PostgreSQL pages are checked against one long page below.
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("types", [["evidence"], ["evidence", "problem", "bet"]])
@pytest.mark.parametrize(
    "sizes", [(64, 300), (3, 300), (0, 300), (64, 0)], ids=["default", "few", "none-spare", "too-deep"]
)
def test_every_page_equals_ranking_every_match(
    tied: tuple[Session, Workspace],
    types: list[str],
    sizes: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    full_rankings: list[str],
) -> None:
    """``sizes``: spare candidates past a page, and the most candidates taken."""
    session, workspace = tied
    slack, most = sizes
    assert session.get_bind().dialect.name == "sqlite"
    if slack < sqlite_rank.SLACK:  # fewer candidates: ties at a page's edge and other workspaces' rows matter
        monkeypatch.setattr(sqlite_rank, "SLACK", slack)
        monkeypatch.setattr(sqlite_rank, "STEP", 1)
    monkeypatch.setattr(sqlite_rank, "KEPT_MOST", most)
    expected = reference(session, workspace, QUERY, tuple(types))
    assert len(expected) > 40, "the corpus should match widely"
    asked = 0
    for limit in (1, 7, 20):
        pages = list(_every_page(session, workspace, types, limit))
        asked += len(pages)
        assert [_seen(hits) for hits in pages] == [expected[i : i + limit] for i in range(0, len(expected), limit)] + [
            []
        ]
    full_rankings = full_rankings[:]  # the pages' only
    assert search(session, workspace, text=QUERY, types=types).total == len(expected)
    if (slack, most) == (64, 300):
        assert not full_rankings, "with the usual candidates this corpus never needs every match ranked"
    elif most == 0:
        assert len(full_rankings) == asked, "deep pages are ranked over every match"
    elif slack == 3:
        assert full_rankings
        # Of evidence alone, the problems and bets scoring best leave too few candidates for any
        # page; of all three kinds, some pages are decided by the candidates and some are not.
        assert len(full_rankings) < asked or types == ["evidence"], "both ways of finding a page are checked"


def test_pages_agree_with_one_long_page_on_both_databases(tied: tuple[Session, Workspace]) -> None:
    session, workspace = tied
    everything = search(session, workspace, text=QUERY, page=PageParams(limit=200))
    assert everything.total == len(everything.hits) > 50
    for limit in (3, 20):
        paged = [hit for hits in _every_page(session, workspace, list(ENTITY_TYPES), limit) for hit in hits]
        assert paged == everything.hits  # same rows, order, titles, snippets and scores
    # Every text here matches within its first 60 characters: a snippet is the text, or its
    # first 180 characters and an ellipsis.
    for hit in everything.hits:
        if hit.type == "evidence":
            flat = " ".join(session.get_one(Evidence, hit.id).text.split())
            assert hit.snippet == (flat if len(flat) <= 180 else flat[:180].strip() + "…")
    assert any(hit.snippet.endswith("…") for hit in everything.hits)


def test_the_kept_total_and_page_follow_new_and_removed_items(tied: tuple[Session, Workspace]) -> None:
    session, workspace = tied
    first = search(session, workspace, text=QUERY, types=["evidence"])
    assert search(session, workspace, text=QUERY, types=["evidence"]) == first, "asked again, the same answer"
    actor = make_actor(session, "later")
    added = make_evidence(
        session, workspace, actor, title="Rebuild spreadsheet", text="Rebuild spreadsheet rebuild spreadsheet."
    )
    after = search(session, workspace, text=QUERY, types=["evidence"])
    assert after.total == first.total + 1
    assert after.hits[0].key == added.key, "a title and body full of both words ranks first"
    longer = search(session, workspace, text=QUERY, types=["evidence"], page=PageParams(limit=200))
    assert after.hits == longer.hits[:20]
    assert after.total == longer.total
    session.delete(session.get(Evidence, added.id))
    session.flush()
    again = search(session, workspace, text=QUERY, types=["evidence"])
    assert (again.total, _seen(again.hits)) == (first.total, _seen(first.hits))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("foreign_most", [500, 3], ids=["subtracted", "too-many-to-subtract"])
def test_totals_count_only_the_workspace_and_kinds_asked(
    tied: tuple[Session, Workspace], foreign_most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index's count less other workspaces' and kinds' matches, or (past ``FOREIGN_MOST``
    such rows) every match joined to the row map: the same number either way."""
    session, workspace = tied
    monkeypatch.setattr(sqlite_rank, "FOREIGN_MOST", foreign_most)
    asked = [
        (QUERY, ("evidence",)),
        (QUERY, ("evidence", "problem", "bet")),
        (QUERY, ("problem",)),
        ("rebuild -numbers", ("evidence", "bet")),
        ("spreadsheet nothinglikethis", ("evidence",)),
    ]
    expected = [len(reference(session, workspace, text, types)) for text, types in asked]
    assert expected[:3] == [45, 55, 5]
    assert expected[4] == 0
    assert 0 < expected[3] < 45
    assert [search(session, workspace, text=text, types=list(types)).total for text, types in asked] == expected
    other = session.scalars(sa.select(Workspace).where(Workspace.slug == "elsewhere")).one()
    make_evidence(session, other, make_actor(session, "there"), title="Rebuild", text="Spreadsheet rebuild.")
    assert search(session, workspace, text=QUERY, types=["evidence"]).total == 45, "another workspace's row"
    make_evidence(session, workspace, make_actor(session, "here"), title="Rebuild", text="Spreadsheet rebuild.")
    assert search(session, workspace, text=QUERY, types=["evidence"]).total == 46

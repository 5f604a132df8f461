"""One search over evidence, problems, bets and decisions, ranked, on both databases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import grounded
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput
from grounded.evidence import service as evidence
from grounded.evidence.schemas import EvidenceUpdate
from grounded.models import Evidence, Workspace
from grounded.search import query as q
from grounded.search import sql
from grounded.search.service import SearchResult, search
from tests.factories import make_actor, make_bet, make_decision, make_evidence, make_problem, make_workspace

FILLER = " ".join(["the dashboard loads and shows numbers for the team"] * 12)


def _keys(session: Session, workspace: Workspace, text: str, **kwargs: object) -> list[str]:
    return [hit.key for hit in search(session, workspace, text=text, **kwargs).hits]  # type: ignore[arg-type]


@pytest.fixture
def corpus(session: Session) -> tuple[Session, Workspace, dict[str, str]]:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    made = {
        "title_hit": make_evidence(
            session,
            workspace,
            actor,
            title="Spreadsheet rebuilt every Monday",
            text="We rebuild the spreadsheet by hand.",
        ),
        "body_hit": make_evidence(
            session, workspace, actor, title="Weekly question", text=f"{FILLER} and then a spreadsheet at the end."
        ),
        "phrase": make_evidence(session, workspace, actor, text="The weekly report is exported as CSV."),
        "scrambled": make_evidence(session, workspace, actor, text="A report we look at weekly."),
        "exporting": make_evidence(session, workspace, actor, text="Exporting fails for large files."),
        "pdf": make_evidence(session, workspace, actor, text="Export to PDF is blurry."),
    }
    keys = {name: row.key for name, row in made.items()}
    keys["problem"] = make_problem(session, workspace, actor, title="Reports are rebuilt in a spreadsheet").key
    keys["bet"] = make_bet(session, workspace, actor, title="Templates", hypothesis="No more spreadsheet rebuilds").key
    keys["decision"] = make_decision(session, workspace, actor, title="Spreadsheet exports").key
    return session, workspace, keys


def test_title_matches_outrank_body_matches(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, keys = corpus
    found = _keys(session, workspace, "spreadsheet", types=["evidence"])
    assert found == [keys["title_hit"], keys["body_hit"]]
    result = search(session, workspace, text="spreadsheet")
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert {hit.type for hit in result.hits} == {"evidence", "problem", "bet", "decision"}
    assert result.total == 5


def test_phrases_prefixes_or_and_exclusions(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, keys = corpus
    assert _keys(session, workspace, '"weekly report"') == [keys["phrase"]]
    assert set(_keys(session, workspace, "weekly report")) == {keys["phrase"], keys["scrambled"]}
    assert set(_keys(session, workspace, "export*")) >= {keys["phrase"], keys["exporting"], keys["pdf"]}
    assert keys["pdf"] not in _keys(session, workspace, "export* -pdf")
    assert set(_keys(session, workspace, "blurry OR fails")) == {keys["pdf"], keys["exporting"]}
    assert keys["title_hit"] in _keys(session, workspace, "rebuilding")  # stemmed


def test_results_page_and_carry_snippets(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, keys = corpus
    pages = [search(session, workspace, text="spreadsheet", page=PageParams(limit=2, offset=o)) for o in (0, 2, 4)]
    assert [p.total for p in pages] == [5, 5, 5]
    assert [len(p.hits) for p in pages] == [2, 2, 1]
    hits = [h for p in pages for h in p.hits]
    assert len({h.key for h in hits}) == 5
    body = next(h for h in hits if h.key == keys["body_hit"])
    assert "spreadsheet" in body.snippet
    assert body.snippet.startswith("…")


@pytest.mark.parametrize("text", ["'; DROP TABLE evidence; --", 'unbalanced "quote', "zebra AND OR NOT (", "NEAR(x y)"])
def test_hostile_input_is_just_words(corpus: tuple[Session, Workspace, dict[str, str]], text: str) -> None:
    session, workspace, _ = corpus
    before = session.execute(sa.select(sa.func.count()).select_from(Evidence)).scalar_one()
    result = search(session, workspace, text=text)
    assert isinstance(result, SearchResult)
    assert result.total == 0  # none of these words occurs in the corpus
    assert session.execute(sa.select(sa.func.count()).select_from(Evidence)).scalar_one() == before


def test_common_words_are_left_out_on_both_databases(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, _ = corpus
    assert (
        search(session, workspace, text="the weekly report").total
        == search(session, workspace, text="weekly report").total
    )
    assert q.parse("the report").words == ["report"]
    assert q.parse('"the weekly report"').words == ["the", "weekly", "report"]  # a quoted phrase keeps them


@pytest.mark.parametrize(
    ("text", "message"), [("", "at least one word"), ("!!! ---", "at least one word"), ("x" * 501, "under 500")]
)
def test_empty_or_huge_queries_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        q.parse(text)


def test_unknown_types_are_refused(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, _ = corpus
    with pytest.raises(InvalidInput, match="unknown tweet"):
        search(session, workspace, text="x", types=["tweet"])


def test_search_never_crosses_workspaces(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, _, _ = corpus
    other = make_workspace(session, make_actor(session))
    assert search(session, other, text="spreadsheet").total == 0


def test_edits_and_deletes_are_reflected(corpus: tuple[Session, Workspace, dict[str, str]]) -> None:
    session, workspace, keys = corpus
    row = evidence.get(session, workspace, keys["pdf"])
    evidence.update(
        session, workspace, row, data=EvidenceUpdate(text="Export to PNG is crisp."), actor=make_actor(session)
    )
    assert _keys(session, workspace, "blurry") == []
    assert _keys(session, workspace, "crisp") == [keys["pdf"]]
    session.delete(row)
    session.flush()
    assert _keys(session, workspace, "crisp") == []


def test_query_rendering() -> None:
    parsed = q.parse('"weekly report" export* csv OR xlsx -pdf')
    assert q.to_fts5(parsed) == '(("weekly report") AND ("export"*) AND ("csv" OR "xlsx")) NOT ("pdf")'
    assert q.to_tsquery(parsed) == "(('weekly' <-> 'report')) & ('export':*) & ('csv' | 'xlsx') & !('pdf')"


def test_postgres_index_expressions_match_the_migration() -> None:
    path = Path(grounded.__file__).parent / "db" / "migrations" / "versions" / "0002_full_text_search.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SOURCES == sql.SOURCES
    assert all(module.pg_vector(t) == sql.pg_vector(t) for t in sql.ENTITY_TYPES)


def test_postgres_uses_the_full_text_index(postgres_engine: Engine) -> None:
    with postgres_engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                sa.text(
                    f"EXPLAIN SELECT id FROM evidence WHERE {sql.pg_vector('evidence')} @@ to_tsquery('english', 'x')"
                )
            )
        )
    assert "ix_fts_evidence" in plan

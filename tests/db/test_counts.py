"""Totals kept between changes (db/counts.py): always what counting again would give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.db import counts
from grounded.db.engine import make_engine
from grounded.models import Workspace
from tests.conftest import fresh_database
from tests.factories import make_workspace

EVERY = sa.select(sa.func.count()).select_from(Workspace)


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one SQLite file: two processes, as far as SQLite can tell."""
    with fresh_database("sqlite", tmp_path) as first:
        second = make_engine(str(first.url))
        try:
            yield first, second
        finally:
            second.dispose()


def counted(engine: Engine) -> list[str]:
    """The count statements ``engine`` runs from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT COUNT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen


def total(engine: Engine, statement: Any = EVERY) -> int:
    """Counted in a read that commits, as a request's does (closing without committing is a
    rollback, which forgets)."""
    with Session(engine) as session:
        found = counts.count(session, statement)
        session.commit()
        return found


def test_a_total_is_kept_until_another_process_commits(engines: tuple[Engine, Engine]) -> None:
    reader, writer = engines
    ran = counted(reader)
    assert total(reader) == 0
    assert total(reader) == 0
    assert len(ran) == 1, "nothing changed: the kept total answers"
    with Session(writer) as session:
        make_workspace(session)
        session.commit()
    assert total(reader) == 1
    assert len(ran) == 2


def test_a_kept_total_is_per_statement_and_parameters(engines: tuple[Engine, Engine]) -> None:
    engine, _ = engines
    with Session(engine) as session:
        acme_id = make_workspace(session, slug="acme").id
        make_workspace(session, slug="other")
        session.commit()
    named = EVERY.where(Workspace.slug == "acme")
    assert (total(engine), total(engine, named), total(engine, EVERY.where(Workspace.slug == "none"))) == (2, 1, 0)
    assert total(engine, EVERY.where(Workspace.id == acme_id)) == 1


def test_own_writes_count_at_once_and_a_rollback_forgets_them(engines: tuple[Engine, Engine]) -> None:
    engine, _ = engines
    engine.pool.dispose()
    with Session(engine) as session:
        assert counts.count(session, EVERY) == 0
        make_workspace(session)
        assert counts.count(session, EVERY) == 1, "the transaction's own row, not yet committed"
        session.rollback()
        assert counts.count(session, EVERY) == 0
        with session.begin_nested():
            make_workspace(session)
            assert counts.count(session, EVERY) == 1
            session.rollback()  # the savepoint only
        assert counts.count(session, EVERY) == 0
        make_workspace(session)
        session.commit()
    assert total(engine) == 1


def test_postgresql_counts_every_time(tmp_path: Path) -> None:
    """Only SQLite has the change marks; elsewhere the statement runs each time."""
    with fresh_database("postgresql", tmp_path) as engine:
        ran = counted(engine)
        assert total(engine) == 0
        with Session(engine) as session:
            make_workspace(session)
            session.commit()
        assert total(engine) == 1
        assert len(ran) == 2

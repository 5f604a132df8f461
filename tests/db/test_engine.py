"""The SQLite engine's settings: the page size a new database is made with, and one made
before (or by another program) opened as it is."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from grounded.db import migrate
from grounded.db.engine import PAGE_SIZE, make_engine, session_scope
from grounded.workspace import service as workspaces
from grounded.workspace.schemas import WorkspaceCreate
from tests.factories import make_actor


def _page_size(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_database_is_made_with_the_larger_page(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    assert PAGE_SIZE == 16384
    assert _page_size(path) == 16384  # SQLite's own default is 4096
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_database_made_with_other_pages_keeps_them_and_works(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:  # as an earlier grounded made it
        connection.execute("PRAGMA page_size=4096")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE kept (n INTEGER)")
        connection.execute("INSERT INTO kept VALUES (7)")
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspaces.create(session, actor=actor, data=WorkspaceCreate(slug="old", name="Old"))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT n FROM kept")).scalar() == 7
        assert connection.execute(sa.text("SELECT slug FROM workspace")).scalars().all() == ["old"]
    engine.dispose()
    assert _page_size(path) == 4096  # not rewritten: changing it would need a VACUUM out of WAL mode

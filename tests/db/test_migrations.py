"""One migration tree, both databases: upgrade, downgrade, and no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grounded.db import migrate
from grounded.db.base import Base
from grounded.db.engine import make_engine
from tests.conftest import BACKENDS, drop_postgres_database, postgres_database

import grounded.models  # noqa: F401  isort: skip


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    url, name = postgres_database()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(name)


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_creates_every_model_table_and_search(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    tables = _tables(empty_engine)
    assert set(Base.metadata.tables) <= tables
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    if empty_engine.dialect.name == "sqlite":
        assert {"search_fts", "search_rowmap"} <= tables
    else:
        indexes = {ix["name"] for ix in sa.inspect(empty_engine).get_indexes("evidence")}
        assert "ix_fts_evidence" in indexes


def test_models_and_migrations_do_not_drift(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.drift(empty_engine) == []


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert _tables(empty_engine) <= {"alembic_version"}
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_step_by_step_downgrade_removes_search_first(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "0001")
    tables = _tables(empty_engine)
    assert "search_fts" not in tables
    assert "evidence" in tables
    if empty_engine.dialect.name == "postgresql":
        assert "ix_fts_evidence" not in {ix["name"] for ix in sa.inspect(empty_engine).get_indexes("evidence")}


def test_every_constraint_follows_the_naming_convention(sqlite_engine: Engine) -> None:
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
            assert str(constraint.name).split("_")[0] in {"pk", "fk", "uq", "ck"}, constraint.name


def test_every_table_but_the_global_ones_is_scoped_to_a_workspace() -> None:
    # Sign-in attempts are counted per e-mail and client, before any workspace is known.
    global_tables = {"workspace", "user", "login_attempt"}
    for table in Base.metadata.sorted_tables:
        if table.name not in global_tables:
            assert "workspace_id" in table.c, f"{table.name} has no workspace_id"
            assert not table.c.workspace_id.nullable, table.name


def test_the_head_every_command_checks_against_is_the_migration_trees_head() -> None:
    assert migrate.head_revision() == migrate.HEAD


def test_downgrading_the_theme_centres_keeps_memberships_and_links(empty_engine: Engine) -> None:
    from grounded.db.engine import session_scope
    from grounded.models import EvidenceTheme, ProblemLink
    from grounded.problem import links
    from grounded.problem.schemas import ProblemLinkCreate
    from grounded.synthesis import themes
    from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
    from tests.factories import make_actor, make_evidence, make_problem, make_workspace

    migrate.upgrade(empty_engine)
    with session_scope(empty_engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        item = make_evidence(session, workspace, actor)
        run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="m/1"), actor=actor)
        theme = themes.add_theme(session, run, data=ThemeCreate(label="exports"))
        theme.centre, theme.radius = b"\x00" * 8, 0.2
        themes.assign(session, theme, {item.id: 0.1})
        themes.finish_run(session, run, evidence_count=1, unthemed_count=0, actor=actor)
        links.link(
            session,
            workspace,
            make_problem(session, workspace, actor),
            data=ProblemLinkCreate(target=theme.key),
            actor=actor,
        )
    migrate.downgrade(empty_engine, "0005")
    assert "centre" not in {c["name"] for c in sa.inspect(empty_engine).get_columns("theme")}
    with session_scope(empty_engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EvidenceTheme)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(ProblemLink)) == 1
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()

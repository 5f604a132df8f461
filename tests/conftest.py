"""Test fixtures: a migrated SQLite and a migrated PostgreSQL, one rolled-back transaction
per test, and an isolated config and data directory so no test touches a real one.

PostgreSQL: ``GROUNDED_TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test).
Each test session creates its own database next to it and drops it at the end. Without a
server the PostgreSQL tests skip, except under ``CI``, where a skip is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from grounded.db import migrate
from grounded.db.engine import make_engine

POSTGRES_URL = os.environ.get("GROUNDED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real config file or data directory."""
    for name in ("GROUNDED_DATABASE_URL", "GROUNDED_WORKSPACE", "GROUNDED_USER", "GROUNDED_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GROUNDED_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GROUNDED_CONFIG", str(tmp_path / "config.toml"))
    # Built embedding models are shared by the tests (building one takes seconds).
    monkeypatch.setenv("GROUNDED_MODEL_DIR", str(tmp_path_factory.getbasetemp().parent / "grounded-models"))


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Under CI a skipped PostgreSQL test is a failure: the server must be there."""
    if call.when != "setup" or not os.environ.get("CI"):
        return None
    if call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception) and "postgres" in item.keywords:
        call.excinfo = None
        pytest.fail("a PostgreSQL test was skipped under CI (is the server at 127.0.0.1:5432 running?)")
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.postgres)


# ------------------------------------------------------------------ databases
def _admin_engine() -> Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def postgres_database() -> tuple[str, str]:
    """Create an empty PostgreSQL database; return (url, name). Skips (or fails under CI)
    when no server answers."""
    admin = _admin_engine()
    name = f"grounded_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        message = (
            f"PostgreSQL not reachable at {make_url(POSTGRES_URL).render_as_string(hide_password=True)}: {error.orig}"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(name: str) -> None:
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url, name = postgres_database()
    yield url
    drop_postgres_database(name)


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[Engine]:
    """A new, migrated database of one kind (a SQLite file in ``directory``, or a scratch
    PostgreSQL database), disposed of (and dropped) afterwards."""
    name = None
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{directory / 'grounded.db'}")
    else:
        url, name = postgres_database()
        engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(name)


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("db")) as engine:
        yield engine


@pytest.fixture(scope="session")
def postgres_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with fresh_database("postgresql", tmp_path_factory.mktemp("pg")) as engine:
        yield engine


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated database of each kind (tests using it run twice)."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    engine: Engine = request.getfixturevalue(fixture)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test; services may flush and even
    commit (savepoints) without leaking into other tests."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        if outer.is_active:
            outer.rollback()
        connection.close()

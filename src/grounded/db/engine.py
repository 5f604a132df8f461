"""Engines and sessions.

SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
timeout. pysqlite's own transaction handling is switched off and SQLAlchemy emits BEGIN
itself; without that, SAVEPOINTs misbehave and rolled-back test data leaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from grounded.db import counts
from grounded.errors import InvalidInput

#: Execution option marking a connection whose transactions will write.
WRITE_OPTION = "grounded_write"
#: Execution option marking a bulk load (an import's batches). On SQLite its connection
#: leaves checkpoints to the importer (see grounded.ingest.checkpointer) and checks
#: foreign keys per batch rather than per row (the importer checks every id a batch names
#: before it commits, see grounded.ingest.store.check_references), until it goes back to
#: the pool, where both settings are restored.
BULK_OPTION = "grounded_bulk"
#: SQLite's own default: fold the write-ahead log into the database every 1,000 pages.
AUTOCHECKPOINT_PAGES = 1000
#: The page size a new SQLite database is made with: 16 KB instead of SQLite's 4 KB. With a
#: million evidence rows their indexes split fewer pages: the evidence row and its search
#: entry cost SQLite 7% less (33.0 against 35.5 µs a row) and a million-row import took
#: about 6% less time (medians of three; docs/performance.md, issue 3, eighth look). It
#: applies to a database with no page yet: one made before keeps its own (changing it takes
#: a VACUUM outside WAL mode).
PAGE_SIZE = 16384
SQLITE_PRAGMAS = (
    f"PRAGMA page_size={PAGE_SIZE}",  # before WAL mode, which writes the first page
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
    # 32 MB of page cache instead of 2 MB: it fills only as pages are used, and big imports
    # and reports over a database of gigabytes need it.
    "PRAGMA cache_size=-32768",
)


def parse_url(url: str) -> URL:
    """Parse a database URL, choosing psycopg 3 for plain ``postgresql://`` URLs."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as error:
        raise InvalidInput(f"not a database URL: {url!r}", field="database") from error
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InvalidInput(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite:/// or postgresql://",
            field="database",
        )
    return parsed


def display_url(url: str | URL) -> str:
    """The URL with any password masked, for messages."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory and non-SQLite URLs."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    return sa.create_engine(parsed, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InvalidInput(
                f"cannot keep a database at {path}: its folder cannot be made ({error.strerror or error}); "
                "check --database or GROUNDED_DATABASE_URL",
                field="database",
            ) from None
    engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A unit of work that will write takes the write lock up front (IMMEDIATE): in WAL
        # mode a read transaction that later tries to write fails at once with "database is
        # locked" instead of waiting for the busy timeout.
        options = connection.get_execution_options()
        if options.get(BULK_OPTION, False):
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # only outside a transaction
            connection.connection.info[BULK_OPTION] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")

    # Totals kept between changes (db/counts.py) may have counted rows a rollback undid.
    event.listen(engine, "rollback", counts.forget)
    event.listen(engine, "rollback_savepoint", counts.forget)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None and record.info.pop(BULK_OPTION, False):
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def session_factory(engine: Engine, *, write: bool = True, bulk: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``write`` ones take SQLite's write lock when they begin, so
    concurrent writers queue (up to the busy timeout) instead of failing. ``bulk`` ones
    (an import's batches) leave folding the write-ahead log to the importer."""
    options = {WRITE_OPTION: True} if write else {}
    if bulk:
        options[BULK_OPTION] = True
    bind = engine.execution_options(**options) if options else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(engine: Engine, *, write: bool = True, bulk: bool = False) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back everything if it raises."""
    session = session_factory(engine, write=write, bulk=bulk)()
    try:
        yield session
    except BaseException:
        finish(session, commit=False)
        raise
    finish(session, commit=True)


def finish(session: Session, *, commit: bool) -> None:
    """End a unit of work: commit (or roll back), and close the session either way; a commit
    that fails is rolled back."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""Schema migrations, run programmatically, and the check every command makes first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Engine

from grounded.db.engine import display_url, sqlite_path
from grounded.errors import DatabaseNotReady

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "grounded.db:migrations"
#: The newest migration. Every command checks the database against it without loading
#: Alembic (a test keeps it equal to the migration tree's head).
HEAD = "0013"
#: Objects the migrations create by hand and the models do not declare: the SQLite
#: full-text tables and their bookkeeping, and the PostgreSQL full-text indexes.
UNMODELLED_PREFIXES = ("search_fts", "search_rowmap", "ix_fts_")


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Leave the hand-made full-text objects out of model comparisons."""
    return not (name and name.startswith(UNMODELLED_PREFIXES))


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import grounded.models  # noqa: F401  (registers every table)
    from grounded.db.base import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name, "compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The head of the migration tree, read from the migration files."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration tree has no head"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def _run(engine: Engine, verb: str, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def ensure_ready(engine: Engine) -> None:
    """Raise ``DatabaseNotReady`` with the command that fixes it, unless the database is
    reachable and at the revision this version of grounded expects."""
    path = sqlite_path(engine.url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(f"no grounded database at {path}; create one with: grounded init")
    try:
        current = current_revision(engine)
    except exc.DatabaseError as error:  # cannot connect, or a file that is not a database
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseNotReady(
            f"cannot connect to {display_url(engine.url)}: {reason}; check --database or GROUNDED_DATABASE_URL"
        ) from error
    head = HEAD
    if current is None:
        raise DatabaseNotReady(f"{display_url(engine.url)} has no grounded schema; create it with: grounded init")
    if current != head:
        raise DatabaseNotReady(
            f"{display_url(engine.url)} is at schema revision {current}, this grounded needs "
            f"{head}; upgrade with: grounded db upgrade"
        )

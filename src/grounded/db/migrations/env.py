"""Alembic environment: one migration tree for SQLite and PostgreSQL.

Run through ``grounded.db.migrate`` (which passes an open connection), or with the
``alembic`` command and ``-x url=...``.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from sqlalchemy import Connection

import grounded.models  # noqa: F401  (registers every table)
from grounded.db.base import Base
from grounded.db.engine import make_engine
from grounded.db.migrate import include_name
from grounded.db.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our portable types as plain SQLAlchemy so migrations never import app code."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("pass the database with: alembic -x url=sqlite:///path.db ...")
    engine = make_engine(url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()


main()

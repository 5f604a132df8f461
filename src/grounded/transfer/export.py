"""Export a workspace: one JSON document, written row by row so memory stays flat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

import grounded
from grounded.db import migrate
from grounded.db.base import table_of
from grounded.models import User, Workspace
from grounded.transfer import codec
from grounded.transfer.tables import user_columns, workspace_tables

FORMAT = "grounded-workspace"
FORMAT_VERSION = 1
#: What an export without credentials leaves out: the tables of API tokens (hashed, but
#: still keys to the workspace) and, in the users, the column of password hashes.
CREDENTIAL_TABLES = frozenset({"api_token"})
CREDENTIAL_COLUMNS = ("password_hash",)


def export_workspace(
    session: Session, workspace: Workspace, out: TextIO, *, credentials: bool = True
) -> dict[str, int]:
    """Write ``workspace`` to ``out``; return the number of rows per table. Without
    ``credentials`` (an export to share rather than a backup), users come without their
    password hashes and the API tokens stay behind: the people can sign in again only
    after a password is set where the export lands."""
    users = [_row(row) for row in _users(session, workspace)]
    if not credentials:
        users = [{**user, **dict.fromkeys(CREDENTIAL_COLUMNS)} for user in users]
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": migrate.HEAD,
        "grounded_version": grounded.__version__,
        "exported_at": datetime.now(UTC).isoformat(),
        "workspace": _row(
            session.execute(sa.select(table_of(Workspace)).where(table_of(Workspace).c.id == workspace.id))
            .mappings()
            .one()
        ),
        "users": users,
        "credentials": credentials,
    }
    body = json.dumps(header, sort_keys=True, ensure_ascii=False)
    out.write(body[:-1] + ', "tables": {')
    counts: dict[str, int] = {}
    tables = [t for t in workspace_tables() if credentials or t.name not in CREDENTIAL_TABLES]
    for index, table in enumerate(tables):
        out.write(("," if index else "") + f"\n{json.dumps(table.name)}: [")
        counts[table.name] = 0
        for row in _rows(session, table, workspace):
            out.write(("," if counts[table.name] else "") + "\n" + json.dumps(row, sort_keys=True, ensure_ascii=False))
            counts[table.name] += 1
        out.write("]")
    out.write("\n}}\n")
    return counts


def _row(mapping: Any) -> dict[str, Any]:
    return {key: codec.encode(value) for key, value in mapping.items()}


def _rows(session: Session, table: sa.Table, workspace: Workspace) -> Iterator[dict[str, Any]]:
    statement = sa.select(table).where(table.c.workspace_id == workspace.id).order_by(*table.primary_key.columns)
    for row in session.execute(statement.execution_options(yield_per=2000)).mappings():
        yield _row(row)


def _users(session: Session, workspace: Workspace) -> list[Any]:
    """Every user a row of the workspace points at (members, actors, owners, reviewers)."""
    ids: set[Any] = set()
    for table in workspace_tables():
        for column in user_columns(table):
            ids.update(
                session.scalars(
                    sa.select(table.c[column])
                    .where(table.c.workspace_id == workspace.id, table.c[column].is_not(None))
                    .distinct()
                ).all()
            )
    if not ids:
        return []
    user = table_of(User)
    return list(session.execute(sa.select(user).where(user.c.id.in_(ids)).order_by(user.c.id)).mappings())

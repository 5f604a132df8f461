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


def export_workspace(session: Session, workspace: Workspace, out: TextIO) -> dict[str, int]:
    """Write ``workspace`` to ``out``; return the number of rows per table."""
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
        "users": [_row(row) for row in _users(session, workspace)],
    }
    body = json.dumps(header, sort_keys=True, ensure_ascii=False)
    out.write(body[:-1] + ', "tables": {')
    counts: dict[str, int] = {}
    for index, table in enumerate(workspace_tables()):
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

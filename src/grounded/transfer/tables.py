"""Which tables make up a workspace, in the order rows can be inserted."""

from __future__ import annotations

import sqlalchemy as sa

import grounded.models  # noqa: F401  (registers every table)
from grounded.db.base import Base

#: Global tables written separately: the workspace row itself and the users it refers to.
GLOBAL = ("workspace", "user")
#: Derived caches, made again where the workspace lands (embeddings per model version).
DERIVED = ("evidence_vector", "evidence_sentiment", "evidence_language")
#: Signed-in browsers stay where they signed in: an export never carries a session.
SESSIONS = ("web_session",)


def workspace_tables() -> list[sa.Table]:
    """Every table scoped by ``workspace_id``, parents before children."""
    return [
        t for t in Base.metadata.sorted_tables if "workspace_id" in t.c and t.name not in GLOBAL + DERIVED + SESSIONS
    ]


def by_name() -> dict[str, sa.Table]:
    return dict(Base.metadata.tables)


def self_references(table: sa.Table) -> list[str]:
    """Columns that point at another row of the same table (inserted in a second pass)."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def user_columns(table: sa.Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "user"]


def order_by(table: sa.Table) -> list[sa.Column[object]]:
    return list(table.primary_key.columns)

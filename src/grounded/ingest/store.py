"""Bulk writes of evidence, per database: the part of an import that must be fast.

SQLite: rows go in with executemany on the raw connection, and the full-text index is
written in bulk in the same transaction (the per-row insert trigger is dropped for the
batch and restored before commit, so other writers never see it missing). PostgreSQL: new
rows arrive by COPY; its full-text index is an expression index and keeps itself current.
Updated rows are plain UPDATEs on both, and the update triggers keep search in step.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

#: Columns in the order the bulk writers send them.
COLUMNS = (
    "id",
    "workspace_id",
    "number",
    "source_id",
    "source_key",
    "external_id",
    "kind",
    "mode",
    "title",
    "text",
    "occurred_at",
    "account_id",
    "person_id",
    "stakeholder_group_id",
    "parent_id",
    "attributes",
    "content_hash",
    "row_hash",
    "created_at",
    "updated_at",
)
UPDATED = (
    "source_id",
    "kind",
    "mode",
    "title",
    "text",
    "occurred_at",
    "account_id",
    "person_id",
    "stakeholder_group_id",
    "parent_id",
    "attributes",
    "content_hash",
    "row_hash",
    "updated_at",
)
Row = dict[str, Any]


class EvidenceStore:
    """What the pipeline needs from the database, with a fast path per dialect."""

    def __init__(self, session: Session) -> None:
        self.dialect = session.get_bind().dialect.name

    def existing(
        self, session: Session, workspace_id: uuid.UUID, source_key: str, external_ids: Sequence[str]
    ) -> dict[str, tuple[uuid.UUID, str | None]]:
        """external id → (evidence id, row hash) for the ids that are already stored."""
        if not external_ids:
            return {}
        if self.dialect == "postgresql":
            rows = session.execute(
                sa.text(
                    "SELECT external_id, id, row_hash FROM evidence WHERE workspace_id = :ws AND source_key = :sk "
                    "AND external_id = ANY(:ids)"
                ),
                {"ws": workspace_id, "sk": source_key, "ids": list(external_ids)},
            )
            return {external: (ident, digest) for external, ident, digest in rows}
        found: dict[str, tuple[uuid.UUID, str | None]] = {}
        raw = _raw(session)
        for start in range(0, len(external_ids), 20_000):
            chunk = list(external_ids[start : start + 20_000])
            marks = ",".join("?" * len(chunk))
            cursor = raw.execute(
                f"SELECT external_id, id, row_hash FROM evidence WHERE workspace_id = ? AND source_key = ? "  # noqa: S608
                f"AND external_id IN ({marks})",
                [workspace_id.hex, source_key, *chunk],
            )
            for external, ident, digest in cursor:
                found[external] = (uuid.UUID(hex=ident), digest)
        return found

    def insert(self, session: Session, rows: Sequence[Row]) -> None:
        if rows:
            (self._insert_postgres if self.dialect == "postgresql" else self._insert_sqlite)(session, rows)

    def update(self, session: Session, rows: Sequence[Row]) -> None:
        if not rows:
            return
        assignments = ", ".join(f"{column} = :{column}" for column in UPDATED)
        statement = sa.text(f"UPDATE evidence SET {assignments} WHERE id = :id")  # noqa: S608 (constant columns)
        session.execute(statement, [self._bind(row) for row in rows])

    def _bind(self, row: Row) -> Row:
        if self.dialect == "postgresql":
            return {**row, "attributes": json.dumps(row["attributes"])}
        return {key: _sqlite_value(value) for key, value in row.items()}

    # ------------------------------------------------------------------ SQLite
    def _insert_sqlite(self, session: Session, rows: Sequence[Row]) -> None:
        raw = _raw(session)
        trigger = raw.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_fts_evidence_insert'"
        ).fetchone()
        if trigger:
            raw.execute("DROP TRIGGER search_fts_evidence_insert")
        marks = ",".join("?" * len(COLUMNS))
        raw.executemany(
            f"INSERT INTO evidence ({','.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
            [[_sqlite_value(row[c]) for c in COLUMNS] for row in rows],
        )
        first = raw.execute("SELECT coalesce(max(rowid), 0) + 1 FROM search_rowmap").fetchone()[0]
        raw.executemany(
            "INSERT INTO search_rowmap (rowid, entity_id, entity_type, workspace_id) VALUES (?, ?, 'evidence', ?)",
            [(first + i, row["id"].hex, row["workspace_id"].hex) for i, row in enumerate(rows)],
        )
        raw.executemany(
            "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
            [(first + i, row["title"], row["text"]) for i, row in enumerate(rows)],
        )
        if trigger:
            raw.execute(trigger[0])

    # ------------------------------------------------------------------ PostgreSQL
    def _insert_postgres(self, session: Session, rows: Sequence[Row]) -> None:
        raw = _raw(session)
        with raw.cursor() as cursor, cursor.copy(f"COPY evidence ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "attributes" else row[c] for c in COLUMNS])


def _raw(session: Session) -> Any:
    """The DBAPI connection inside the session's current transaction."""
    return session.connection().connection.driver_connection


def _sqlite_value(value: Any) -> Any:
    """The form SQLAlchemy itself stores on SQLite (so the ORM reads these rows back)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value

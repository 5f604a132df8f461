"""Bulk writes of evidence, per database: the part of an import that must be fast.

SQLite: rows go in with executemany on the raw connection, and the full-text index is
written in bulk in the same transaction (the per-row insert trigger is dropped for the
batch and restored before commit, so other writers never see it missing). PostgreSQL: new
rows arrive by COPY; its full-text index is an expression index and keeps itself current.
Updated rows are plain UPDATEs on both, and the update triggers keep search in step.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.base import table_of
from grounded.ingest.rows import utc_text
from grounded.models import Evidence

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
#: What an update rewrites: everything but the row's identity and when it was first stored.
UPDATED = tuple(
    c for c in COLUMNS if c not in ("id", "workspace_id", "number", "source_key", "external_id", "created_at")
)


def existing(
    connection: sa.Connection, workspace_id: uuid.UUID, source_key: str, external_ids: Sequence[str]
) -> dict[str, tuple[uuid.UUID | str, str | None]]:
    """external id → (evidence id, row hash) for the ids that are already stored. The id
    is as the driver returns it (a hex string on SQLite): most are never needed (the row is
    unchanged), so ``as_uuid`` converts the few that are."""
    if not external_ids:
        return {}
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT external_id, id, row_hash FROM evidence WHERE workspace_id = %s AND source_key = %s "
                "AND external_id = ANY(%s)",
                (workspace_id, source_key, list(external_ids)),
            )
            return {external: (ident, digest) for external, ident, digest in cursor}
    found: dict[str, tuple[uuid.UUID | str, str | None]] = {}
    for start in range(0, len(external_ids), 30_000):
        chunk = list(external_ids[start : start + 30_000])
        marks = ",".join("?" * len(chunk))
        cursor = raw.execute(
            f"SELECT external_id, id, row_hash FROM evidence WHERE workspace_id = ? AND source_key = ? "  # noqa: S608
            f"AND external_id IN ({marks})",
            [workspace_id.hex, source_key, *chunk],
        )
        found.update({external: (ident, digest) for external, ident, digest in cursor})
    return found


def stored_any(connection: sa.Connection, workspace_id: uuid.UUID, source_key: str) -> bool:
    """Whether any evidence is stored under this channel (one index probe)."""
    found = connection.execute(
        sa.text("SELECT 1 FROM evidence WHERE workspace_id = :ws AND source_key = :key LIMIT 1"),
        {"ws": workspace_id.hex if connection.dialect.name == "sqlite" else workspace_id, "key": source_key},
    ).first()
    return found is not None


POSTGRES_UNMATCHED = (
    "SELECT t.external_id, e.id FROM unnest(%s::text[], %s::text[]) AS t(external_id, row_hash) "
    "LEFT JOIN LATERAL (SELECT id, row_hash FROM evidence WHERE workspace_id = %s AND source_key = %s "
    "AND external_id = t.external_id OFFSET 0) AS e ON true "
    "WHERE e.row_hash IS DISTINCT FROM t.row_hash"
)


def unmatched(
    connection: sa.Connection, workspace_id: uuid.UUID, source_key: str, rows: Sequence[tuple[str, str | None]]
) -> dict[str, Any]:
    """Of these (external id, row hash) pairs, the ones whose stored row is missing (→ None)
    or differs (→ its id, as the driver returns it). The comparison runs in the database,
    so an unchanged row costs an index probe and nothing in Python.

    On PostgreSQL the probe is a LATERAL subquery fenced with ``OFFSET 0``: joined plainly,
    a table without statistics (as right after a bulk load, before autovacuum's ANALYZE)
    was planned as a scan of the whole source's index range per batch, which made a
    million-row import quadratic (175 ms against 53 ms per 10,000 ids at 200,000 rows)."""
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute(
                POSTGRES_UNMATCHED,
                ([key for key, _ in rows], [digest for _, digest in rows], workspace_id, source_key),
            )
            return dict(cursor.fetchall())
    # The pairs as one JSON object (a batch's ids are distinct: a repeated one was
    # quarantined), so json_each hands over id and hash as its key and value without
    # parsing anything per row: a quarter faster than an array of pairs.
    found = raw.execute(
        "SELECT t.key, e.id FROM json_each(?) AS t "
        "LEFT JOIN evidence e ON e.workspace_id = ? AND e.source_key = ? AND e.external_id = t.key "
        "WHERE e.row_hash IS NOT t.value",
        (json.dumps(dict(rows)), workspace_id.hex, source_key),
    )
    return dict(found.fetchall())


class EvidenceStore:
    """Bulk inserts and updates of evidence rows, given in COLUMNS order as the database
    takes them as text: ids as 32 hex digits, times from ``time``/``time_text``, attributes
    as JSON. SQLite stores exactly that text; PostgreSQL parses it (COPY, or parameters)."""

    def __init__(self, session: Session) -> None:
        self.dialect = session.get_bind().dialect.name
        self._zone = "+00" if self.dialect == "postgresql" else ""

    def time(self, value: datetime) -> str:
        return utc_text(value) + self._zone

    def time_text(self, text: str) -> str:
        """A time already written by rows.utc_text, for this database."""
        return text + self._zone

    def insert(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            (self._insert_postgres if self.dialect == "postgresql" else self._insert_sqlite)(session, rows)
            check_references(session, table_of(Evidence), COLUMNS, rows)

    def update(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        raw = _raw(session)
        positions = [COLUMNS.index(column) for column in UPDATED]
        changes = [(*(row[p] for p in positions), row[0]) for row in rows]
        if self.dialect == "postgresql":
            assignments = ", ".join(f"{column} = %s" for column in UPDATED)
            with raw.cursor() as cursor:
                cursor.executemany(f"UPDATE evidence SET {assignments} WHERE id = %s", changes)  # noqa: S608
            return
        assignments = ", ".join(f"{column} = ?" for column in UPDATED)
        raw.executemany(f"UPDATE evidence SET {assignments} WHERE id = ?", changes)  # noqa: S608
        check_references(session, table_of(Evidence), COLUMNS, rows)

    # ------------------------------------------------------------------ SQLite
    def _insert_sqlite(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
        """The rows, then their search entries in two statements that read them back by
        rowid (a batch's rows get consecutive rowids after the largest so far): their text
        crosses from Python once, not twice."""
        raw = _raw(session)
        trigger = raw.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'search_fts_evidence_insert'"
        ).fetchone()
        if trigger:
            raw.execute("DROP TRIGGER search_fts_evidence_insert")
        before = raw.execute("SELECT coalesce(max(rowid), 0) FROM evidence").fetchone()[0]
        marks = ",".join("?" * len(COLUMNS))
        raw.executemany(f"INSERT INTO evidence ({','.join(COLUMNS)}) VALUES ({marks})", rows)  # noqa: S608
        # search_rowmap's rowid for an evidence row: its own rowid shifted past the map's
        # largest, so the two inserts below agree without a join.
        shift = raw.execute("SELECT coalesce(max(rowid), 0) FROM search_rowmap").fetchone()[0] - before
        raw.execute(
            "INSERT INTO search_rowmap (rowid, entity_id, entity_type, workspace_id) "
            "SELECT rowid + ?, id, 'evidence', workspace_id FROM evidence WHERE rowid > ? ORDER BY rowid",
            (shift, before),
        )
        raw.execute(
            "INSERT INTO search_fts (rowid, title, body) SELECT rowid + ?, title, text FROM evidence WHERE rowid > ?",
            (shift, before),
        )
        if trigger:
            raw.execute(trigger[0])

    # ------------------------------------------------------------------ PostgreSQL
    def _insert_postgres(self, session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
        raw = _raw(session)
        with raw.cursor() as cursor, cursor.copy(f"COPY evidence ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _raw(session: Session) -> Any:
    """The DBAPI connection inside the session's current transaction."""
    return session.connection().connection.driver_connection


def insert_plain(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows into any table with one raw executemany: for the thousands of accounts and
    people a big import creates (the ORM's per-row work would cost seconds). Every column
    not given is None, but created_at and updated_at, which are now."""
    if not rows:
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    now = datetime.now(UTC)
    names = [column.name for column in table.columns]
    encoded = [
        tuple(_encode(row.get(name, now if name in _STAMPS else None), sqlite) for name in names) for row in rows
    ]
    marks = ", ".join(["?" if sqlite else "%s"] * len(names))
    statement = f"INSERT INTO {table.name} ({', '.join(_quoted(n) for n in names)}) VALUES ({marks})"  # noqa: S608
    raw = _raw(session)
    if sqlite:
        raw.executemany(statement, encoded)
        check_references(session, table, names, encoded)
        return
    with raw.cursor() as cursor:
        cursor.executemany(statement, encoded)


def check_references(session: Session, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Every id these just-written rows refer to exists: checked once per distinct id, on a
    SQLite connection that does not check foreign keys row by row (an import's batches,
    see db.engine.BULK_OPTION), before the batch commits. A missing one fails as SQLite
    would have (IntegrityError), and the batch is rolled back."""
    if session.get_bind().dialect.name != "sqlite" or not rows:
        return
    raw = _raw(session)
    if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
        return  # SQLite checked each row itself
    for key in table.foreign_keys:
        if key.parent.name not in columns:
            continue
        at = columns.index(key.parent.name)
        ids = list({row[at] for row in rows} - {None})
        # One statement text per table, whatever the number of ids (the ids as a JSON
        # array): an IN list of as many markers would be a new statement each batch,
        # and the driver keeps the last hundred prepared.
        found = raw.execute(
            f"SELECT count(*) FROM {key.column.table.name} "  # noqa: S608  (names from the metadata)
            f"WHERE {key.column.name} IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        ).fetchone()[0]
        if found != len(ids):
            raise sqlite3.IntegrityError(
                f"FOREIGN KEY constraint failed: {len(ids) - found} of the {key.parent.name} values "
                f"in {table.name} name no {key.column.table.name}"
            )


_STAMPS = ("created_at", "updated_at")


def _quoted(name: str) -> str:
    return f'"{name}"'


def _encode(value: Any, sqlite: bool) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    if not sqlite:
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, bool):
        return int(value)
    return value


def as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def as_hex(value: uuid.UUID | str) -> str:
    """An id as the driver returned it (UUID on PostgreSQL, hex text on SQLite), as hex."""
    return value.hex if isinstance(value, uuid.UUID) else value

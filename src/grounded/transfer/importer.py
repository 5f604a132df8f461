"""Import a workspace export into this database, exactly, or as a copy with fresh ids.

Everything happens in the caller's transaction: a file that fails anywhere leaves the
database as it was.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import audit, keys
from grounded.core.actor import Actor
from grounded.core.jsontext import unreadable
from grounded.core.validation import validate
from grounded.db import migrate
from grounded.db.base import Base, table_of
from grounded.errors import Conflict, ImportRejected, InvalidInput
from grounded.ids import uuid7
from grounded.models import User, Workspace, WorkspaceCounter
from grounded.transfer import codec
from grounded.transfer.export import CREDENTIAL_TABLES, FORMAT, FORMAT_VERSION
from grounded.transfer.tables import self_references, workspace_tables
from grounded.workspace.schemas import WorkspaceCreate

IdMap = dict[uuid.UUID, uuid.UUID]
#: Credentials stay with the workspace they were issued for: a copy starts without tokens
#: (the tables an export without credentials leaves out).
NOT_COPIED = CREDENTIAL_TABLES


def load(handle: TextIO, *, name: str) -> dict[str, Any]:
    """Parse an export file; a clear error for anything that is not one."""
    try:
        document = json.load(handle)
    except json.JSONDecodeError as error:
        raise ImportRejected(f"{name} is not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from error
    except UnicodeDecodeError as error:
        raise ImportRejected(f"{name} is not UTF-8 text ({error.reason} at byte {error.start})") from error
    except (RecursionError, ValueError) as error:  # well-formed JSON Python cannot hold
        raise ImportRejected(f"{name} {unreadable(error)}") from None
    except OSError as error:
        raise ImportRejected(f"cannot read {name}: {error.strerror or error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(f'{name} is not a grounded workspace export (no "format": "{FORMAT}")')
    if document.get("format_version") != FORMAT_VERSION:
        raise ImportRejected(
            f"{name} has format version {document.get('format_version')!r}; "
            f"this grounded reads version {FORMAT_VERSION}"
        )
    return document


def import_workspace(
    session: Session,
    document: Mapping[str, Any],
    *,
    slug: str | None = None,
    name: str | None = None,
) -> Workspace:
    """Recreate the exported workspace. With ``slug``, import a copy: new ids throughout
    (references inside JSON values follow), new slug, so the original can stay."""
    _check_revision(document)
    tables = _tables(document)
    ws_table = table_of(Workspace)
    workspace = _decode(ws_table, _mapping(document.get("workspace"), "workspace"), where="workspace")
    ids: IdMap = {}
    if slug is not None:
        ids[workspace["id"]] = uuid7()
        checked = validate(WorkspaceCreate, {"slug": slug, "name": name or workspace["name"]})
        workspace.update(slug=checked.slug, name=checked.name)
    elif name is not None:
        raise InvalidInput("a new name is for a copy: give --slug as well", field="name")
    else:  # the export's own slug and name obey the rules a new workspace's do
        try:
            validate(WorkspaceCreate, {"slug": workspace["slug"], "name": workspace["name"]})
        except InvalidInput as problem:
            raise ImportRejected(f"workspace: {problem}; import a copy with: --slug NEW-SLUG") from None
    _refuse_existing(session, workspace, copying=slug is not None)
    ids.update(_users(session, document.get("users") or [], copying=slug is not None))
    session.execute(sa.insert(ws_table), [_remap(ws_table, workspace, ids, _as_text(ids))])
    for table in workspace_tables():
        if slug is not None and table.name in NOT_COPIED:
            continue
        rows = tables.get(table.name, [])
        decoded = [
            _decode(table, _mapping(r, f"{table.name}[{i}]"), where=f"{table.name}[{i}]") for i, r in enumerate(rows)
        ]
        _check_scope(table, decoded, workspace_id=workspace["id"])
        _refuse_repeats(table, decoded)
        _check_numbers(table, decoded)
        if slug is not None:
            _fresh_ids(table, decoded, ids)
        text_ids = _as_text(ids)  # once a table: a copy of the demo names 11,000 ids
        _insert(session, table, [_remap(table, row, ids, text_ids) for row in decoded])
    session.flush()
    _raise_counters(session, ids.get(workspace["id"], workspace["id"]))
    found = session.get(Workspace, ids.get(workspace["id"], workspace["id"]))
    assert found is not None
    return found


def record_import(session: Session, workspace: Workspace, document: Mapping[str, Any], *, actor: Actor) -> None:
    """Write the import into the workspace's own history (after it, so that resolving the
    actor cannot get in the way of matching the exported users)."""
    copied = document["workspace"].get("slug")
    count = sum(
        len(rows) for table, rows in document["tables"].items() if workspace.slug == copied or table not in NOT_COPIED
    )
    audit.record(
        session,
        actor=actor,
        action="import",
        entity=workspace,
        after={"rows": count, "copy_of": copied if workspace.slug != copied else None},
    )


def _check_revision(document: Mapping[str, Any]) -> None:
    exported, head = document.get("schema_revision"), migrate.HEAD
    if exported != head:
        raise ImportRejected(
            f"the export is at schema revision {exported!r}, this database at {head!r}; export it "
            "again with this version of grounded (or import it with the version that made it)"
        )


def _tables(document: Mapping[str, Any]) -> dict[str, list[Any]]:
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise ImportRejected('the export has no "tables" object')
    known = {table.name for table in workspace_tables()}
    unknown = sorted(set(tables) - known)
    if unknown:
        raise ImportRejected(f"the export has tables this grounded does not know: {', '.join(unknown)}")
    for table_name, rows in tables.items():
        if not isinstance(rows, list):
            raise ImportRejected(f"tables.{table_name} is not a list of rows")
    return tables


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ImportRejected(f"{where} is not an object")
    return value


def _decode(table: sa.Table, row: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    unknown = sorted(set(row) - set(table.c.keys()))
    if unknown:
        raise ImportRejected(f"{where}: unknown column(s) {', '.join(unknown)}")
    missing = [name for name in _required(table) if name not in row]
    if missing:
        raise ImportRejected(f"{where}: missing column(s) {', '.join(missing)}")
    return {key: codec.decode(table.c[key], value, where=where) for key, value in row.items()}


def _raise_counters(session: Session, workspace_id: uuid.UUID) -> None:
    """Every key counter at least the largest number its rows use: an export whose counters
    are missing or behind (edited by hand, say) would otherwise hand out keys that exist."""
    counters = table_of(WorkspaceCounter)
    for mapper in Base.registry.mappers:
        prefix = getattr(mapper.class_, "KEY_PREFIX", None)
        table = mapper.local_table
        if not prefix or not isinstance(table, sa.Table) or "number" not in table.c or "workspace_id" not in table.c:
            continue
        highest = session.scalar(sa.select(sa.func.max(table.c.number)).where(table.c.workspace_id == workspace_id))
        if highest is None:
            continue
        where = (counters.c.workspace_id == workspace_id) & (counters.c.prefix == prefix)
        current = session.scalar(sa.select(counters.c.last_value).where(where))
        if current is None:
            session.execute(sa.insert(counters).values(workspace_id=workspace_id, prefix=prefix, last_value=highest))
        elif current < highest:
            session.execute(sa.update(counters).where(where).values(last_value=highest))


@functools.cache
def _required(table: sa.Table) -> tuple[str, ...]:
    """The columns every exported row has: its key (references point at it), and any that is
    not null with no default to fill it (once a table: this runs for every row)."""
    return tuple(
        c.name for c in table.c if c.primary_key or (not c.nullable and c.default is None and c.server_default is None)
    )


def _refuse_existing(session: Session, workspace: Mapping[str, Any], *, copying: bool) -> None:
    clash = session.scalars(sa.select(Workspace.slug).where(Workspace.slug == workspace["slug"])).first()
    if clash is not None:
        hint = "choose another slug" if copying else "import a copy with: --slug NEW-SLUG"
        raise Conflict(f"a workspace '{workspace['slug']}' already exists in this database; {hint}")
    if not copying and session.get(Workspace, workspace["id"]) is not None:
        raise Conflict("this workspace (same id) already exists here; import a copy with: --slug NEW-SLUG")


def _users(session: Session, rows: list[Any], *, copying: bool) -> IdMap:
    """Match exported users to existing ones by e-mail; create the rest."""
    table = table_of(User)
    ids: IdMap = {}
    for index, raw in enumerate(rows):
        user = _decode(table, _mapping(raw, f"users[{index}]"), where=f"users[{index}]")
        existing = session.scalars(sa.select(User).where(User.email == user["email"])).first()
        if existing is not None:
            ids[user["id"]] = existing.id
            continue
        if copying or session.get(User, user["id"]) is not None:
            ids[user["id"]] = uuid7()
        session.execute(sa.insert(table), [{**user, "id": ids.get(user["id"], user["id"])}])
    return ids


def _check_scope(table: sa.Table, rows: list[dict[str, Any]], *, workspace_id: uuid.UUID) -> None:
    for index, row in enumerate(rows):
        if row.get("workspace_id") != workspace_id:
            raise ImportRejected(f"{table.name}[{index}]: belongs to another workspace ({row.get('workspace_id')})")


def _refuse_repeats(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """An id, or a key's number, given to two rows of a table (the database would refuse the
    second without saying where)."""
    for column in ("id", "number"):
        if column not in table.c:
            continue
        first: dict[Any, int] = {}
        for index, row in enumerate(rows):
            value = row.get(column)
            if value is None or (column == "number" and "workspace_id" not in table.c):
                continue
            if value in first:
                raise ImportRejected(
                    f"{table.name}[{index}]: {column} {value} is also that of {table.name}[{first[value]}]"
                )
            first[value] = index


def _check_numbers(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """A key's number (P-12) from 1 to keys.HIGHEST_NUMBER, and a key counter within it: one
    outside (an edited export) was stored, and its row could not be named by any key."""
    column = "last_value" if table.name == table_of(WorkspaceCounter).name else "number"
    if column not in table.c or "workspace_id" not in table.c:
        return
    lowest = 0 if column == "last_value" else 1
    for index, row in enumerate(rows):
        value = row.get(column)
        if value is not None and not lowest <= value <= keys.HIGHEST_NUMBER:
            raise ImportRejected(
                f"{table.name}[{index}]: {column} {value} is outside the numbers keys are written with "
                f"({lowest} to {keys.HIGHEST_NUMBER:,})"
            )


def _fresh_ids(table: sa.Table, rows: list[dict[str, Any]], ids: IdMap) -> None:
    if "id" not in table.c:
        return
    for row in rows:
        ids[row["id"]] = uuid7()


def _as_text(ids: IdMap) -> dict[str, str]:
    return {str(old): str(new) for old, new in ids.items()}


def _remap(table: sa.Table, row: dict[str, Any], ids: IdMap, text_ids: Mapping[str, str]) -> dict[str, Any]:
    if not ids:
        return row
    out = {}
    for key, value in row.items():
        column_type = table.c[key].type
        if isinstance(column_type, sa.Uuid) and value is not None:
            out[key] = ids.get(value, value)
        elif isinstance(column_type, sa.JSON):
            out[key] = _replace_ids(value, text_ids)
        else:
            out[key] = value
    return out


def _replace_ids(value: Any, ids: Mapping[str, str]) -> Any:
    """Ids quoted inside JSON values (theme representatives, plan selections, snapshots)."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [_replace_ids(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _replace_ids(item, ids) for key, item in value.items()}
    return value


def _relink(session: Session, table: sa.Table, column: str, rows: list[dict[str, Any]]) -> None:
    """Second pass for self-references, keeping columns that change on update (updated_at)
    at their exported values."""
    kept = [c.name for c in table.c if c.onupdate is not None]
    values: dict[str, Any] = {column: sa.bindparam("_to"), **{n: sa.bindparam(f"_keep_{n}") for n in kept}}
    params = [
        {"_id": row["id"], "_to": row[column], **{f"_keep_{name}": row.get(name) for name in kept}}
        for row in rows
        if row.get(column) is not None
    ]
    if params:
        session.execute(sa.update(table).where(table.c.id == sa.bindparam("_id")).values(values), params)


def _insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    deferred = self_references(table)
    first_pass = [{**row, **dict.fromkeys(deferred)} for row in rows] if deferred else rows
    try:
        for start in range(0, len(first_pass), 1000):
            session.execute(sa.insert(table), first_pass[start : start + 1000])
        for column in deferred:
            _relink(session, table, column, rows)
    except sa.exc.IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0]
        raise ImportRejected(f"table {table.name}: {reason}") from error

"""CRM account exports: accounts created or updated by their external id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.ids import uuid7
from grounded.ingest import fields as convert
from grounded.ingest import sources
from grounded.ingest.mapping import AccountFields
from grounded.ingest.protocols import Context, Identities, ToWrite
from grounded.ingest.readers.base import Chunk
from grounded.ingest.rows import Columns, getter
from grounded.ingest.sorting import identify_each
from grounded.models import Account, QuarantinedRow, Source, Workspace

_TEXT_FIELDS = ("name", "segment", "plan", "region")


class AccountRow(NamedTuple):
    external_id: str
    values: dict[str, Any]
    row_hash: str | None = None


class AccountConverter:
    def __init__(self, context: Context, available: list[str]) -> None:
        mapping = context.mapping
        spec: AccountFields = mapping.typed_fields()
        columns = Columns(available, optional=set(mapping.optional))
        self.read = {
            field: getter(getattr(spec, field), columns, field)
            for field in ("external_id", "name", "segment", "plan", "arr", "region")
        }
        self.attributes = {
            key: getter(column, columns, f"attributes.{key}") for key, column in mapping.attribute_columns().items()
        }
        columns.check(context.path.name)
        self.notes = list(columns.notes)

    def identify(self, values: dict[str, Any]) -> tuple[str, str | None, Any]:
        row = self.convert(values, "", None)
        return row.external_id, None, row

    def identify_chunk(self, chunk: Chunk, columns: Sequence[str]) -> Identities:
        return identify_each(self, chunk, columns)

    def convert(self, values: dict[str, Any], external_id: str, row_hash: str | None) -> AccountRow:
        external = convert.text("external_id", self.read["external_id"](values), limit=200)
        if not external:
            raise convert.RowProblem("external_id", "is empty")
        row: dict[str, Any] = {f: convert.text(f, self.read[f](values), limit=300) or None for f in _TEXT_FIELDS}
        if not row["name"]:
            raise convert.RowProblem("name", "is empty")
        row["arr"] = convert.whole_number("arr", self.read["arr"](values))
        attributes = {key: convert.attribute(read(values)) for key, read in self.attributes.items()}
        row["attributes"] = {key: value for key, value in attributes.items() if value not in (None, "")}
        return AccountRow(external, row)

    def stats(self) -> dict[str, Any]:
        return {}


class AccountIndex:
    """Accounts by external id. Accounts keep no fingerprint: a stored account is compared
    field by field when it is written."""

    def __init__(self, context: Context) -> None:
        self.workspace_id = context.workspace_id

    def sort(self, connection: sa.Connection | None, rows: list[tuple[str, str | None]]) -> ToWrite:
        assert connection is not None
        keys = [key for key, _ in rows]
        to_write: ToWrite = dict.fromkeys(keys)
        for start in range(0, len(keys), 5_000):
            found = connection.execute(
                sa.select(Account.external_id, Account.id).where(
                    Account.workspace_id == self.workspace_id, Account.external_id.in_(keys[start : start + 5_000])
                )
            )
            to_write.update(dict(found.all()))
        return to_write

    def remember(self, keys: list[str]) -> None:
        return None

    def check(self, connection: sa.Connection | None, row: AccountRow) -> None:
        return None


class AccountWriter:
    def __init__(self, context: Context) -> None:
        self.notes: list[str] = []
        self.created = 0

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        self.workspace_id = workspace.id

    def prepare(self, session: Session, rows: list[Any]) -> None:
        return None

    def write(
        self, session: Session, new: list[AccountRow], changed: list[tuple[AccountRow, Any]], *, dry_run: bool
    ) -> tuple[int, int, int]:
        stored = {a.id: a for a in session.scalars(sa.select(Account).where(Account.id.in_([i for _, i in changed])))}
        differing = [(row, stored[ident]) for row, ident in changed if _differs(stored[ident], row.values)]
        if not dry_run:
            if new:
                session.execute(
                    sa.insert(Account),
                    [
                        {"id": uuid7(), "workspace_id": self.workspace_id, "external_id": r.external_id, **r.values}
                        for r in new
                    ],
                )
            for row, account in differing:
                for key, value in row.values.items():
                    setattr(account, key, value)
            session.flush()
        self.created += len(new)
        return len(new), len(differing), len(changed) - len(differing)

    def resolve_quarantine(self, session: Session, source: Source) -> int:
        return sources.resolve_landed(
            session,
            source,
            sa.exists().where(
                Account.workspace_id == QuarantinedRow.workspace_id, Account.external_id == QuarantinedRow.external_id
            ),
        )

    def finish(self, report: Any, stats: dict[str, Any]) -> None:
        report.accounts_created = self.created


def _differs(account: Account, values: dict[str, Any]) -> bool:
    return any(getattr(account, key) != value for key, value in values.items())

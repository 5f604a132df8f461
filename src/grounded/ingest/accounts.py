"""CRM account exports: accounts created or updated by their external id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.ids import uuid7
from grounded.ingest import fields as convert
from grounded.ingest.mapping import AccountFields, Mapping
from grounded.ingest.pipeline import ImportOptions, ImportReport
from grounded.ingest.readers import Reader
from grounded.ingest.rows import Columns, getter
from grounded.models import Account, Source, Workspace

_TEXT_FIELDS = ("name", "segment", "plan", "region")


@dataclass(slots=True)
class AccountRow:
    external_id: str
    values: dict[str, Any]
    row_hash: str


class AccountTarget:
    def __init__(self, mapping: Mapping, reader: Reader, name: str, options: ImportOptions) -> None:
        spec: AccountFields = mapping.typed_fields()
        columns = Columns(reader.columns, optional=set(mapping.optional))
        self.read = {
            field: getter(getattr(spec, field), columns, field)
            for field in ("external_id", "name", "segment", "plan", "arr", "region")
        }
        self.attributes = {
            key: getter(column, columns, f"attributes.{key}") for key, column in mapping.attribute_columns().items()
        }
        columns.check(name)
        self.notes = list(columns.notes)
        self.created = 0

    def convert(self, values: dict[str, Any]) -> AccountRow:
        external = convert.text("external_id", self.read["external_id"](values), limit=200)
        if not external:
            raise convert.RowProblem("external_id", "is empty")
        row: dict[str, Any] = {f: convert.text(f, self.read[f](values), limit=300) or None for f in _TEXT_FIELDS}
        if not row["name"]:
            raise convert.RowProblem("name", "is empty")
        row["arr"] = convert.whole_number("arr", self.read["arr"](values))
        attributes = {key: convert.attribute(read(values)) for key, read in self.attributes.items()}
        row["attributes"] = {key: value for key, value in attributes.items() if value not in (None, "")}
        digest = hashlib.blake2b(json.dumps(row, sort_keys=True).encode(), digest_size=16).hexdigest()
        return AccountRow(external, row, digest)

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        self.workspace_id = workspace.id

    def check(self, row: AccountRow) -> None:
        return None

    def write(self, session: Session, rows: list[AccountRow], *, dry_run: bool) -> tuple[int, int, int]:
        stored = {
            a.external_id: a
            for a in session.scalars(
                sa.select(Account).where(
                    Account.workspace_id == self.workspace_id, Account.external_id.in_([r.external_id for r in rows])
                )
            )
        }
        new = [r for r in rows if r.external_id not in stored]
        changed = [r for r in rows if r.external_id in stored and _differs(stored[r.external_id], r.values)]
        if not dry_run:
            if new:
                session.execute(
                    sa.insert(Account),
                    [
                        {"id": uuid7(), "workspace_id": self.workspace_id, "external_id": r.external_id, **r.values}
                        for r in new
                    ],
                )
            for row in changed:
                account = stored[row.external_id]
                for key, value in row.values.items():
                    setattr(account, key, value)
            session.flush()
        self.created += len(new)
        return len(new), len(changed), len(rows) - len(new) - len(changed)

    def finish(self, report: ImportReport) -> None:
        report.accounts_created = self.created


def _differs(account: Account, values: dict[str, Any]) -> bool:
    return any(getattr(account, key) != value for key, value in values.items())

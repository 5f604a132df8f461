"""Rows that become evidence: tickets, notes (with their quotes), survey answers, requests."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from grounded.core import keys
from grounded.ids import uuid7
from grounded.ingest.mapping import Mapping
from grounded.ingest.pipeline import ImportOptions, ImportReport
from grounded.ingest.privacy import Redactor
from grounded.ingest.readers import Reader
from grounded.ingest.refs import References
from grounded.ingest.rows import EvidenceConverter, Prepared
from grounded.ingest.store import EvidenceStore, Row
from grounded.models import Source, Workspace
from grounded.models.enums import EvidenceKind, EvidenceMode


class EvidenceTarget:
    def __init__(self, mapping: Mapping, reader: Reader, name: str, options: ImportOptions) -> None:
        self.mapping, self.options = mapping, options
        self.redactor = Redactor() if options.redact else None
        self.converter = EvidenceConverter(mapping, reader.columns, name=name, redactor=self.redactor)
        self.notes = list(self.converter.columns.notes)
        self.quotes = 0

    def convert(self, values: dict[str, Any]) -> Prepared:
        return self.converter(values)

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        self.workspace_id = workspace.id
        self.source_id = source.id if source else None
        self.refs = References.load(session, workspace, hash_people=self.options.hash_people)
        self.refs.dry_run = self.options.dry_run
        self.store = EvidenceStore(session)

    def check(self, row: Prepared) -> None:
        self.refs.check_group(row)

    def write(self, session: Session, rows: list[Prepared], *, dry_run: bool) -> tuple[int, int, int]:
        self.refs.resolve(session, rows)
        existing = self.store.existing(session, self.workspace_id, self.mapping.source, [r.external_id for r in rows])
        new = [r for r in rows if r.external_id not in existing]
        changed = [r for r in rows if r.external_id in existing and existing[r.external_id][1] != r.row_hash]
        if not dry_run:
            ids = self._write(session, new, changed, {k: v[0] for k, v in existing.items()})
            if self.mapping.target == "requests":
                from grounded.ingest.requests_target import write_requests

                write_requests(session, self, new, changed, ids)
        return len(new), len(changed), len(rows) - len(new) - len(changed)

    def _write(
        self, session: Session, new: list[Prepared], changed: list[Prepared], ids: dict[str, uuid.UUID]
    ) -> dict[str, uuid.UUID]:
        now = datetime.now(UTC)
        fresh = self._numbered(session, [self.row(r, uuid7(), now) for r in new])
        for row, values in zip(new, fresh, strict=True):
            ids[row.external_id] = values["id"]
        self.store.insert(session, fresh)
        self.store.update(session, [self.row(r, ids[r.external_id], now) for r in changed])
        self._quotes(session, [r for r in [*new, *changed] if r.quotes], ids, now)
        return ids

    def _numbered(self, session: Session, rows: list[Row]) -> list[Row]:
        if rows:
            first = keys.allocate(session, workspace_id=self.workspace_id, prefix="E", count=len(rows))
            for offset, values in enumerate(rows):
                values["number"] = first + offset
        return rows

    def row(self, row: Prepared, ident: uuid.UUID, now: datetime, parent: uuid.UUID | None = None) -> Row:
        return {
            "id": ident,
            "workspace_id": self.workspace_id,
            "number": None,
            "source_id": self.source_id,
            "source_key": self.mapping.source,
            "external_id": row.external_id,
            "kind": row.kind,
            "mode": row.mode,
            "title": row.title,
            "text": row.text,
            "occurred_at": row.occurred_at,
            "account_id": self.refs.account_id(row.account),
            "person_id": self.refs.person_id(row.person),
            "stakeholder_group_id": self.refs.group_id(row.group),
            "parent_id": parent,
            "attributes": row.attributes,
            "content_hash": row.content_hash,
            "row_hash": row.row_hash,
            "created_at": now,
            "updated_at": now,
        }

    def _quotes(self, session: Session, notes: list[Prepared], ids: dict[str, uuid.UUID], now: datetime) -> None:
        """Each note's quotes: evidence of their own (kind quote, stated), pointing at the note,
        keyed ``<note id>#q<n>`` so re-importing the note updates them in place."""
        quotes: list[tuple[Prepared, uuid.UUID]] = []
        for note in notes:
            for index, text in enumerate(note.quotes, start=1):
                quotes.append((_quote(note, index, text), ids[note.external_id]))
        if not quotes:
            return
        stored = self.store.existing(
            session, self.workspace_id, self.mapping.source, [q.external_id for q, _ in quotes]
        )
        fresh = self._numbered(
            session, [self.row(q, uuid7(), now, parent) for q, parent in quotes if q.external_id not in stored]
        )
        self.store.insert(session, fresh)
        self.store.update(
            session,
            [
                self.row(q, stored[q.external_id][0], now, parent)
                for q, parent in quotes
                if q.external_id in stored and stored[q.external_id][1] != q.row_hash
            ],
        )
        self.quotes += len(fresh)

    def finish(self, report: ImportReport) -> None:
        if self.redactor is not None:
            report.redacted = dict(self.redactor.counts)
        report.accounts_created = self.refs.created_accounts
        report.people_created = self.refs.created_people
        report.quotes = self.quotes


def _quote(note: Prepared, index: int, text: str) -> Prepared:
    digest = hashlib.blake2b(
        f"{note.row_hash}\x1f{index}\x1f{text}".encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()
    from grounded.evidence.service import content_hash

    return Prepared(
        external_id=f"{note.external_id}#q{index}",
        title="",
        text=text,
        occurred_at=note.occurred_at,
        kind=EvidenceKind.QUOTE.value,
        mode=EvidenceMode.STATED.value,
        account=note.account,
        account_name=note.account_name,
        person=note.person,
        person_name=note.person_name,
        person_email=note.person_email,
        group=note.group,
        attributes={},
        row_hash=digest,
        content_hash=content_hash("", text),
    )

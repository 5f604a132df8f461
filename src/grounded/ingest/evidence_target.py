"""Rows that become evidence: tickets, notes (with their quotes), survey answers, requests."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import keys
from grounded.ids import uuid7_hex_many
from grounded.ingest import sources
from grounded.ingest.fields import RowProblem
from grounded.ingest.privacy import Redactor
from grounded.ingest.protocols import Context, Identities, ToWrite
from grounded.ingest.readers.base import Chunk
from grounded.ingest.refs import References
from grounded.ingest.rows import EvidenceConverter, Prepared, settings
from grounded.ingest.sorting import identify_each
from grounded.ingest.store import EvidenceStore, as_hex, existing, stored_any, unmatched
from grounded.models import Evidence, QuarantinedRow, Source, StakeholderGroup, Workspace
from grounded.models.enums import EvidenceKind, EvidenceMode


class EvidenceRowConverter:
    """The reading side: identify and convert rows (redacting their text if asked)."""

    def __init__(self, context: Context, columns: list[str]) -> None:
        options = context.options
        self.redactor = Redactor() if options.redact else None
        self.converter = EvidenceConverter(
            context.mapping,
            columns,
            name=context.path.name,
            redactor=self.redactor,
            fingerprint=settings(context.mapping, redact=options.redact, hash_people=options.hash_people),
        )
        self.notes = list(self.converter.columns.notes)

    def identify(self, values: dict[str, Any]) -> tuple[str, str | None, Any]:
        external, digest = self.converter.identify(values)
        return external, digest, None

    def identify_chunk(self, chunk: Chunk, columns: Sequence[str]) -> Identities:
        if chunk.positional:
            fast = self.converter.identify_positional(chunk.rows)
            if fast is not None:
                return fast
        return identify_each(self, chunk, columns)

    def convert(self, values: dict[str, Any], external_id: str, row_hash: str | None) -> Prepared:
        return self.converter(values, external_id, row_hash)

    def stats(self) -> dict[str, Any]:
        return {"redacted": dict(self.redactor.counts) if self.redactor is not None else {}}


class EvidenceIndex:
    """Evidence stored under this source key, by external id.

    The first import of a channel into a workspace finds nothing stored under it: then
    every row is new and no batch needs looking up (the rows of this run are new by
    construction, as an id repeated in the file is quarantined before it gets here). If
    another import of the same channel stores some of them meanwhile, writing them fails
    on the unique key and the pipeline looks them up after all (pipeline._write_rows)."""

    def __init__(self, context: Context) -> None:
        self.workspace_id, self.source_key = context.workspace_id, context.mapping.source
        self.groups: set[str] | None = None
        #: Whether nothing was stored under the channel when the first batch was sorted.
        self.nothing_stored: bool | None = None

    def sort(self, connection: sa.Connection | None, rows: list[tuple[str, str | None]]) -> ToWrite:
        assert connection is not None
        if self.nothing_stored is None:
            self.nothing_stored = not stored_any(connection, self.workspace_id, self.source_key)
        if self.nothing_stored:
            return dict.fromkeys(key for key, _ in rows)
        return unmatched(connection, self.workspace_id, self.source_key, rows)

    def remember(self, keys_: list[str]) -> None:
        return None

    def check(self, connection: sa.Connection | None, row: Prepared) -> None:
        if row.group is None:
            return
        if self.groups is None:
            assert connection is not None
            self.groups = set(
                connection.scalars(
                    sa.select(StakeholderGroup.slug).where(StakeholderGroup.workspace_id == self.workspace_id)
                )
            )
        if row.group not in self.groups:
            raise RowProblem(
                "stakeholder_group",
                f"'{row.group}' is not a stakeholder group of this workspace ({', '.join(sorted(self.groups))})",
            )


class EvidenceWriter:
    """The writing side: accounts and people first, then evidence, quotes and requests."""

    def __init__(self, context: Context) -> None:
        self.context, self.mapping, self.options = context, context.mapping, context.options
        self.notes: list[str] = []
        self.quotes = 0

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        self.workspace_id = workspace.id
        self.source_id = source.id if source else None
        self.refs = References.load(session, workspace, hash_people=self.options.hash_people)
        self.refs.dry_run = self.options.dry_run
        self.store = EvidenceStore(session)
        self.workspace_hex = workspace.id.hex
        self.source_hex = source.id.hex if source else None

    def prepare(self, session: Session, rows: list[Prepared]) -> None:
        self.refs.resolve(session, rows)

    def write(
        self, session: Session, new: list[Prepared], changed: list[tuple[Prepared, Any]], *, dry_run: bool
    ) -> tuple[int, int, int]:
        if not dry_run:
            ids = {row.external_id: as_hex(ident) for row, ident in changed}
            self._write(session, new, [row for row, _ in changed], ids)
            if self.mapping.target == "requests":
                from grounded.ingest.requests_target import write_requests

                write_requests(session, self, new, [row for row, _ in changed], ids)
        return len(new), len(changed), 0

    def _write(self, session: Session, new: list[Prepared], changed: list[Prepared], ids: dict[str, str]) -> None:
        now = self.store.time(datetime.now(UTC))
        fresh = uuid7_hex_many(len(new))
        ids.update(zip((row.external_id for row in new), fresh, strict=True))
        first = self._allocate(session, len(new))
        self.store.insert(session, self.values(new, fresh, range(first, first + len(new)), now))
        self.store.update(session, self.values(changed, [ids[r.external_id] for r in changed], _NONE, now))
        self._quotes(session, [r for r in [*new, *changed] if r.quotes], ids, now)

    def values(
        self,
        rows: Sequence[Prepared],
        ids: Iterable[str],
        numbers: Iterable[int | None],
        now: str,
        parents: Iterable[str | None] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Rows as the store writes them, in store.COLUMNS order: ids as hex, times and
        attributes as text (a number None for updates, which keep theirs). References are
        looked up once per batch, not per row: this runs for every row of a big import."""
        accounts, people, groups = self.refs.hex_ids(rows)
        workspace, source, key, zone = (
            self.workspace_hex,
            self.source_hex,
            self.mapping.source,
            self.store.time_text(""),
        )
        return [
            (
                ident,
                workspace,
                number,
                source,
                key,
                r.external_id,
                r.kind,
                r.mode,
                r.title,
                r.text,
                r.occurred_at + zone,
                accounts[r.account],
                people[r.person],
                groups[r.group],
                parent,
                r.attributes_json,
                r.content_hash,
                r.row_hash,
                now,
                now,
            )
            for r, ident, number, parent in zip(rows, ids, numbers, parents or _NONE, strict=False)  # _NONE is endless
        ]

    def _allocate(self, session: Session, count: int) -> int:
        return keys.allocate(session, workspace_id=self.workspace_id, prefix="E", count=count) if count else 0

    def _quotes(self, session: Session, notes: list[Prepared], ids: dict[str, str], now: str) -> None:
        """Each note's quotes: evidence of their own (kind quote, stated), pointing at the note,
        keyed ``<note id>#q<n>`` so re-importing the note updates them in place."""
        quotes: list[tuple[Prepared, str]] = []
        for note in notes:
            for index, text in enumerate(note.quotes, start=1):
                quotes.append((_quote(note, index, text), ids[note.external_id]))
        if not quotes:
            return
        stored = existing(
            session.connection(), self.workspace_id, self.mapping.source, [q.external_id for q, _ in quotes]
        )
        fresh = [(q, parent) for q, parent in quotes if q.external_id not in stored]
        first = self._allocate(session, len(fresh))
        self.store.insert(
            session,
            self.values(
                [q for q, _ in fresh],
                uuid7_hex_many(len(fresh)),
                range(first, first + len(fresh)),
                now,
                [parent for _, parent in fresh],
            ),
        )
        changed = [
            (q, parent) for q, parent in quotes if q.external_id in stored and stored[q.external_id][1] != q.row_hash
        ]
        self.store.update(
            session,
            self.values(
                [q for q, _ in changed],
                [as_hex(stored[q.external_id][0]) for q, _ in changed],
                _NONE,
                now,
                [parent for _, parent in changed],
            ),
        )
        self.quotes += len(fresh)

    def resolve_quarantine(self, session: Session, source: Source) -> int:
        return sources.resolve_landed(
            session,
            source,
            sa.exists().where(
                Evidence.workspace_id == QuarantinedRow.workspace_id,
                Evidence.source_key == source.source_key,
                Evidence.external_id == QuarantinedRow.external_id,
            ),
        )

    def finish(self, report: Any, stats: dict[str, Any]) -> None:
        report.redacted = dict(stats.get("redacted", {}))
        report.accounts_created = self.refs.created_accounts
        report.people_created = self.refs.created_people
        report.quotes = self.quotes


#: The number of every updated row: None (it keeps its own).
_NONE = itertools.repeat(None)


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

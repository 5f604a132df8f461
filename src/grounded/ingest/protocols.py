"""The parts every kind of import is made of, and what passes between them.

An import reads records, *identifies* each (its external id and fingerprint, cheaply),
*looks up* what is already stored under those ids, *converts* only the rows that are new
or changed, and *writes* them. The first three run where the file is read (a thread, or a
process of their own for big files); writing runs in the importing process. So each kind
of target (evidence, accounts, usage events) provides:

- a ``Converter`` (reading side): identify and convert one record's values;
- an ``Index`` (reading side): what is stored, by external id;
- a ``Writer`` (writing side): put a batch of rows in the database or the event store.
"""

from __future__ import annotations

import marshal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.ingest.mapping import Mapping
from grounded.ingest.readers.base import Chunk
from grounded.models import Source, Workspace

#: The rows of a batch that must be written: external id → id of the stored row it
#: replaces, or None for a new row. Rows left out are unchanged.
ToWrite = dict[str, Any]


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    redact: bool = False
    hash_people: bool = False
    batch_rows: int = 10_000
    max_field_chars: int = 1_000_000
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: Where usage events are stored (``<data dir>/workspaces/<slug>/events``).
    data_dir: Path | None = None
    #: Read in a process of its own: None decides by file size, True/False forces it.
    separate_reader: bool | None = None


@dataclass(frozen=True)
class Context:
    """What the reading side needs to know (it may live in another process: keep it small)."""

    path: Path
    mapping: Mapping
    options: ImportOptions
    workspace_id: uuid.UUID
    workspace_slug: str
    #: Records up to this number were handled by an earlier, interrupted attempt.
    checkpoint: int = 0


@dataclass(slots=True)
class Failed:
    """A record that is quarantined, with the reason a person can act on."""

    number: int
    raw: str
    reason: str
    field: str | None = None
    external_id: str | None = None


@dataclass
class Batch:
    """One batch of records, sorted: what the writer does with it is one transaction."""

    last: int = 0
    read: int = 0
    unchanged: int = 0
    failed: list[Failed] = field(default_factory=list)
    new: list[Any] = field(default_factory=list)
    #: (row, id of the stored row it replaces)
    changed: list[tuple[Any, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Identities:
    """A chunk's rows identified, column-wise: ``ids[i]`` and ``hashes[i]`` (None where
    ``problems`` has the row), and the converted rows when identifying converted them."""

    ids: list[str | None]
    hashes: list[str | None]
    problems: dict[int, Any] = field(default_factory=dict)
    rows: list[Any] | None = None


def pack(batch: Batch) -> bytes:
    """A sorted batch as bytes for the pipe. marshal, not pickle: rows are tuples of plain
    values, and for those marshal is several times faster both ways (pickle's memo costs
    more than the rows)."""
    return marshal.dumps(
        (
            batch.last,
            batch.read,
            batch.unchanged,
            [(f.number, f.raw, f.reason, f.field, f.external_id) for f in batch.failed],
            [tuple(row) for row in batch.new],
            [(tuple(row), _portable_id(ident)) for row, ident in batch.changed],
        ),
        2,
    )


def unpack(data: bytes, row_type: Any) -> Batch:
    last, read, unchanged, failed, new, changed = marshal.loads(data)  # noqa: S302  (our own bytes)
    make = row_type._make
    return Batch(
        last,
        read,
        unchanged,
        [Failed(*item) for item in failed],
        [make(row) for row in new],
        [(make(row), ident) for row, ident in changed],
    )


def _portable_id(ident: Any) -> Any:
    return ident.hex if isinstance(ident, uuid.UUID) else ident


class Converter(Protocol):
    notes: list[str]

    def identify(self, values: dict[str, Any]) -> tuple[str, str | None, Any]:
        """(external id, fingerprint, the converted row if identifying needed it, else None);
        raises RowProblem."""
        ...

    def identify_chunk(self, chunk: Chunk, columns: Sequence[str]) -> Identities:
        """``identify`` for each row of a chunk."""
        ...

    def convert(self, values: dict[str, Any], external_id: str, row_hash: str | None) -> Any: ...

    def stats(self) -> dict[str, Any]:
        """What the reading side counted (redactions), reported at the end."""
        ...


class Index(Protocol):
    def sort(self, connection: sa.Connection | None, rows: list[tuple[str, str | None]]) -> ToWrite:
        """Given (external id, fingerprint) pairs, which rows must be written (see ToWrite).
        A fingerprint of None means: compare after converting (the row is always written)."""
        ...

    def remember(self, keys: list[str]) -> None:
        """These keys are being written now (an index that is not the database keeps them)."""
        ...

    def check(self, connection: sa.Connection | None, row: Any) -> None:
        """Raise RowProblem for a converted row that names something that does not exist."""
        ...


class Writer(Protocol):
    notes: list[str]

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None: ...

    def prepare(self, session: Session, rows: list[Any]) -> None:
        """Create what the rows refer to (accounts, people) before they are written."""
        ...

    def write(
        self, session: Session, new: list[Any], changed: list[tuple[Any, Any]], *, dry_run: bool
    ) -> tuple[int, int, int]:
        """Write; return how many rows were new, changed and (after all) unchanged."""
        ...

    def finish(self, report: Any, stats: dict[str, Any]) -> None: ...

    def resolve_quarantine(self, session: Session, source: Source) -> int:
        """Mark resolved the rows earlier runs of this source quarantined whose external id
        is now stored; return how many."""
        ...

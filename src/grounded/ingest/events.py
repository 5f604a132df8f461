"""Product usage events: to the workspace's event store (Parquet files), not the database.

Each batch becomes one Parquet part file under ``<data dir>/workspaces/<slug>/events/``,
written whole before the run's checkpoint moves past it. An event is identified by its id
in the export, or by a hash of user, event, time and properties; events already in the
store are counted unchanged and not written again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.errors import ImportRejected
from grounded.ingest import fields as convert
from grounded.ingest.fields import RowProblem
from grounded.ingest.mapping import EventFields
from grounded.ingest.protocols import Context, Identities, ToWrite
from grounded.ingest.readers.base import Chunk
from grounded.ingest.rows import Columns, date_parser, getter
from grounded.ingest.sorting import identify_each
from grounded.models import Source, Workspace
from grounded.models.enums import EventSourceKind

STORE_NAME = "product-events"


class EventRow(NamedTuple):
    external_id: str
    row_hash: str
    key: int
    #: Microseconds since 1970, UTC.
    occurred_at: int
    user_id: str
    account_id: str | None
    event: str
    properties: str
    event_id: str | None


def store_dir(data_dir: Path, slug: str) -> Path:
    return data_dir.expanduser() / "workspaces" / slug / "events"


class EventConverter:
    def __init__(self, context: Context, available: list[str]) -> None:
        spec: EventFields = context.mapping.typed_fields()
        columns = Columns(available, optional=set(context.mapping.optional))
        self.read = {
            field: getter(getattr(spec, field), columns, field)
            for field in ("user", "event", "account", "event_id", "properties")
        }
        self.timestamp = date_parser(spec.timestamp, columns, "timestamp")
        columns.check(context.path.name)
        self.notes = list(columns.notes)

    def identify(self, values: dict[str, Any]) -> tuple[str, str | None, Any]:
        """An event is known by its id, or else by everything it says: identifying it is
        converting it."""
        row = self.convert(values, "", None)
        return row.external_id, row.row_hash, row

    def identify_chunk(self, chunk: Chunk, columns: Sequence[str]) -> Identities:
        return identify_each(self, chunk, columns)

    def convert(self, values: dict[str, Any], external_id: str, row_hash: str | None) -> EventRow:
        user = convert.text("user", self.read["user"](values), limit=320)
        event = convert.text("event", self.read["event"](values), limit=200)
        if not user or not event:
            raise RowProblem("user" if not user else "event", "is empty")
        occurred = self.timestamp(values)
        account = convert.text("account", self.read["account"](values), limit=200) or None
        event_id = convert.text("event_id", self.read["event_id"](values), limit=200) or None
        properties = properties_text(self.read["properties"](values))
        micros = micros_of(occurred)
        key = event_key(identity(user, event, micros, properties, event_id))
        text_key = f"{key:016x}"
        return EventRow(text_key, text_key, key, micros, user, account, event, properties, event_id)

    def stats(self) -> dict[str, Any]:
        return {}


class EventIndex:
    """The keys of the events already in the store (8 bytes each, in memory)."""

    def __init__(self, context: Context) -> None:
        if context.options.data_dir is None:
            raise ImportRejected("usage events need a data directory for the event store")
        self.known = _stored_keys(store_dir(context.options.data_dir, context.workspace_slug))

    def sort(self, connection: sa.Connection | None, rows: list[tuple[str, str | None]]) -> ToWrite:
        wanted = np.fromiter((int(key, 16) for key, _ in rows), dtype=np.uint64, count=len(rows))
        present = stored_in(wanted, self.known)
        return {key: None for (key, _), found in zip(rows, present, strict=True) if not found}

    def remember(self, keys: list[str]) -> None:
        return None  # keys are unique within a file (duplicates are quarantined): only stored ones matter

    def check(self, connection: sa.Connection | None, row: EventRow) -> None:
        return None


class EventWriter:
    def __init__(self, context: Context) -> None:
        self.options, self.mapping = context.options, context.mapping
        self.notes: list[str] = []
        self.written = 0

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        if self.options.data_dir is None:
            raise ImportRejected("usage events need a data directory for the event store")
        self.directory = store_dir(self.options.data_dir, workspace.slug)
        self.source_label = source.key if source else "dry-run"
        if source is not None and not self.options.dry_run:
            _register(session, workspace, self.directory)

    def prepare(self, session: Session, rows: list[Any]) -> None:
        return None

    def write(
        self, session: Session, new: list[Any], changed: list[tuple[EventRow, Any]], *, dry_run: bool
    ) -> tuple[int, int, int]:
        """``new`` is EventRows, or (from the column-wise path) one Arrow table of them."""
        import pyarrow as pa

        if new and isinstance(new[0], pa.Table):
            table = pa.concat_tables(new)
            if not dry_run and table.num_rows:
                self._write_table(table)
            return table.num_rows, 0, len(changed)
        if new and not dry_run:
            self._write_part(new)
        return len(new), 0, len(changed)

    def _write_part(self, rows: list[EventRow]) -> None:
        import pyarrow as pa

        table = pa.table(
            {
                "event_key": pa.array([r.key for r in rows], type=pa.uint64()),
                "event_id": pa.array([r.event_id for r in rows], type=pa.string()),
                "occurred_at": pa.array([r.occurred_at for r in rows], type=pa.int64()).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "user_id": pa.array([r.user_id for r in rows], type=pa.string()),
                "account_id": pa.array([r.account_id for r in rows], type=pa.string()),
                "event": pa.array([r.event for r in rows], type=pa.string()),
                "properties": pa.array([r.properties for r in rows], type=pa.string()),
            }
        )
        self._write_table(table)

    def _write_table(self, table: Any) -> None:
        """One part file, sorted by time, written whole then renamed into place."""
        import pyarrow.parquet as pq

        table = table.sort_by("occurred_at")
        self.directory.mkdir(parents=True, exist_ok=True)
        first = int(table.column("event_key")[0].as_py())
        path = self.directory / f"{self.mapping.source}-{self.source_label}-{first:016x}.parquet"
        temporary = path.with_suffix(".part")
        pq.write_table(table, temporary, compression="zstd", row_group_size=262_144)
        temporary.replace(path)
        self.written += 1

    def resolve_quarantine(self, session: Session, source: Source) -> int:
        return 0  # events are known by their content, which a fixed row changes

    def finish(self, report: Any, stats: dict[str, Any]) -> None:
        """Roll the new parts up (only the days they touch). The events are stored either
        way: a rollup that could not be updated is stale, is not used, and says so."""
        if not self.written:
            return
        from grounded.errors import GroundedError
        from grounded.metrics import rollups

        folder = self.directory.parent / "rollups"
        try:
            done = rollups.update(
                rollups.path_for(folder, STORE_NAME),
                kind=EventSourceKind.PARQUET,
                location=str(self.directory / "*.parquet"),
                mapping={},
            )
        except GroundedError as error:
            report.notes.append(f"the activity rollup was not updated ({error}); run: grounded metric rollup")
            return
        report.notes.append(f"activity rollup updated: {done.days} day(s) recomputed")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def event_key(identity: str) -> int:
    """The 64-bit key of an event's identity text (see identity)."""
    return int.from_bytes(hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def identity(user: str, event: str, micros: int, properties: str, event_id: str | None) -> str:
    """What an event is known by: its id, or else everything it says."""
    return f"id\x1f{event_id}" if event_id else f"{user}\x1f{event}\x1f{micros}\x1f{properties}"


def micros_of(moment: datetime) -> int:
    """Microseconds since 1970, UTC, exactly."""
    return (moment - _EPOCH) // _MICROSECOND


def properties_text(value: Any) -> str:
    """Event properties as a JSON object's text."""
    if value is None or value == "":
        return "{}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    if not isinstance(value, str):
        raise RowProblem("properties", "expected a JSON object")
    if value in _VALID:  # exports repeat the same few shapes of properties over and over
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise RowProblem("properties", f"is not JSON ({error.msg})") from None
    if not isinstance(parsed, dict):
        raise RowProblem("properties", "is JSON but not an object")
    if len(_VALID) >= 100_000:
        _VALID.clear()
    _VALID[value] = None
    return value


_VALID: dict[str, None] = {}


def stored_in(keys: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Which of ``keys`` are in ``known`` (sorted): binary search, fast for millions."""
    if not len(known):
        return np.zeros(len(keys), dtype=bool)
    where = np.minimum(np.searchsorted(known, keys), len(known) - 1)
    found: np.ndarray = known[where] == keys
    return found


def _stored_keys(directory: Path) -> np.ndarray:
    import pyarrow.parquet as pq

    parts = sorted(directory.glob("*.parquet")) if directory.exists() else []
    if not parts:
        return np.zeros(0, dtype=np.uint64)
    arrays = [pq.read_table(part, columns=["event_key"]).column("event_key").to_numpy() for part in parts]
    keys: np.ndarray = np.unique(np.concatenate(arrays).astype(np.uint64))
    return keys


def _register(session: Session, workspace: Workspace, directory: Path) -> None:
    """Make the event store the workspace's (default) event source, once."""
    from grounded.metrics import event_sources
    from grounded.metrics.schemas import EventSourceCreate

    found = [s for s in event_sources.list_(session, workspace).items if s.name == STORE_NAME]
    if found:
        return
    event_sources.create(
        session,
        workspace,
        actor=Actor(None, "import"),
        data=EventSourceCreate(
            name=STORE_NAME,
            kind=EventSourceKind.PARQUET,
            location=str(directory / "*.parquet"),
            is_default=event_sources.default(session, workspace) is None,
            column_mapping={
                "user": "user_id",
                "account": "account_id",
                "event": "event",
                "timestamp": "occurred_at",
                "properties": "properties",
            },
        ),
    )

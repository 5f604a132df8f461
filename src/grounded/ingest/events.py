"""Product usage events: to the workspace's event store (Parquet files), not the database.

Each batch becomes one Parquet part file under ``<data dir>/workspaces/<slug>/events/``,
written whole before the run's checkpoint moves past it. An event is identified by its id
in the export, or by a hash of user, event, time and properties; events already in the
store are counted unchanged and not written again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.errors import ImportRejected
from grounded.ingest import fields as convert
from grounded.ingest.fields import RowProblem
from grounded.ingest.mapping import EventFields, Mapping
from grounded.ingest.pipeline import ImportOptions, ImportReport
from grounded.ingest.readers import Reader
from grounded.ingest.rows import Columns, date_parser, getter
from grounded.models import Source, Workspace
from grounded.models.enums import EventSourceKind

STORE_NAME = "product-events"


@dataclass(slots=True)
class EventRow:
    external_id: str
    row_hash: str
    key: int
    occurred_at: datetime
    user_id: str
    account_id: str | None
    event: str
    properties: str
    event_id: str | None


def store_dir(data_dir: Path, slug: str) -> Path:
    return data_dir.expanduser() / "workspaces" / slug / "events"


class EventTarget:
    def __init__(self, mapping: Mapping, reader: Reader, name: str, options: ImportOptions) -> None:
        spec: EventFields = mapping.typed_fields()
        columns = Columns(reader.columns, optional=set(mapping.optional))
        self.read = {
            field: getter(getattr(spec, field), columns, field)
            for field in ("user", "event", "account", "event_id", "properties")
        }
        self.timestamp = date_parser(spec.timestamp, columns, "timestamp")
        columns.check(name)
        self.notes = list(columns.notes)
        self.options, self.mapping = options, mapping
        self.known = np.zeros(0, dtype=np.uint64)

    def convert(self, values: dict[str, Any]) -> EventRow:
        user = convert.text("user", self.read["user"](values), limit=320)
        event = convert.text("event", self.read["event"](values), limit=200)
        if not user or not event:
            raise RowProblem("user" if not user else "event", "is empty")
        occurred = self.timestamp(values)
        account = convert.text("account", self.read["account"](values), limit=200) or None
        event_id = convert.text("event_id", self.read["event_id"](values), limit=200) or None
        properties = _properties(self.read["properties"](values))
        identity = f"id\x1f{event_id}" if event_id else f"{user}\x1f{event}\x1f{occurred.isoformat()}\x1f{properties}"
        key = int.from_bytes(hashlib.blake2b(identity.encode(), digest_size=8).digest(), "big")
        text_key = f"{key:016x}"
        return EventRow(text_key, text_key, key, occurred, user, account, event, properties, event_id)

    def start(self, session: Session, workspace: Workspace, source: Source | None) -> None:
        if self.options.data_dir is None:
            raise ImportRejected("usage events need a data directory for the event store")
        self.directory = store_dir(self.options.data_dir, workspace.slug)
        self.source_label = source.key if source else "dry-run"
        self.known = _stored_keys(self.directory)
        if source is not None and not self.options.dry_run:
            _register(session, workspace, self.directory)

    def check(self, row: EventRow) -> None:
        return None

    def write(self, session: Session, rows: list[EventRow], *, dry_run: bool) -> tuple[int, int, int]:
        if not rows:
            return 0, 0, 0
        keys = np.fromiter((r.key for r in rows), dtype=np.uint64, count=len(rows))
        fresh = ~np.isin(keys, self.known)
        new = [row for row, keep in zip(rows, fresh, strict=True) if keep]
        if new and not dry_run:
            self._write_part(new)
        self.known = np.union1d(self.known, keys[fresh])
        return len(new), 0, len(rows) - len(new)

    def _write_part(self, rows: list[EventRow]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(
            {
                "event_key": pa.array([r.key for r in rows], type=pa.uint64()),
                "event_id": pa.array([r.event_id for r in rows], type=pa.string()),
                "occurred_at": pa.array([r.occurred_at for r in rows], type=pa.timestamp("us", tz="UTC")),
                "user_id": pa.array([r.user_id for r in rows], type=pa.string()),
                "account_id": pa.array([r.account_id for r in rows], type=pa.string()),
                "event": pa.array([r.event for r in rows], type=pa.string()),
                "properties": pa.array([r.properties for r in rows], type=pa.string()),
            }
        ).sort_by("occurred_at")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.mapping.source}-{self.source_label}-{rows[0].key:016x}.parquet"
        temporary = path.with_suffix(".part")
        pq.write_table(table, temporary, compression="zstd")
        temporary.replace(path)

    def finish(self, report: ImportReport) -> None:
        return None


def _properties(value: Any) -> str:
    """Event properties as a JSON object's text."""
    if value is None or value == "":
        return "{}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    if not isinstance(value, str):
        raise RowProblem("properties", "expected a JSON object")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise RowProblem("properties", f"is not JSON ({error.msg})") from None
    if not isinstance(parsed, dict):
        raise RowProblem("properties", "is JSON but not an object")
    return value


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

"""What a channel already holds, read once: re-importing without a lookup per batch.

A re-import of an export whose rows are mostly unchanged used to ask the database, per
batch, which rows differ (``store.unmatched``): about 8 µs a row, most of the run. Instead,
when the channel already holds rows, the reading side reads (external id, fingerprint) of
all of them once, in one scan of the channel's index range, and keeps them compactly:
a 64-bit hash of each id (sorted) beside the fingerprint as the 128-bit number its 32 hex
digits are, 25 bytes a row. Each batch is then sorted in memory:

- an id whose hash is not in the snapshot is not stored: **new** (exact: a stored id's
  hash is always there). A row stored since the snapshot by another import fails the
  insert on the unique key and is looked up then (``pipeline._write_rows``), as on a
  channel's first import.
- an id whose hash is there once, with the fingerprint equal: **unchanged**. Taking a row
  for unchanged wrongly would need another stored id with the same 64-bit hash *and* the
  same fingerprint, which covers the raw values the id is read from: a collision of the
  128-bit keyed BLAKE2b, not merely of the id's hash.
- everything else is asked of the database exactly as before (``store.unmatched``): a
  changed fingerprint (the stored row's id is needed to update it), an id hash that two
  stored ids share, a stored or read fingerprint that is not 32 lowercase hex digits (or
  none at all).

A channel of more than ``LIMIT`` rows is not read whole (memory stays bounded): its
batches are looked up as before.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa

#: Channels holding more rows than this are looked up batch by batch (25 bytes a row here:
#: 125 MB at the limit, while it is read perhaps twice that for a moment).
LIMIT = 5_000_000
#: Rows fetched from the database at a time while the snapshot is read.
FETCH_ROWS = 50_000
_HEX = re.compile("[0-9a-f]{32}")


def id_hash(value: str) -> int:
    """The 64-bit hash of an external id (Python's keyed SipHash: the snapshot and the
    batches are hashed in the same process). Tests replace it to force collisions."""
    return hash(value)


def fingerprints(values: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fingerprints as two unsigned 64-bit halves, and which of them are canonical (32
    lowercase hex digits: the only form whose number stands for the text exactly)."""
    count = len(values)
    try:
        joined = "".join(values)  # type: ignore[arg-type]
        raw = bytes.fromhex(joined)  # hex digits of either case, and whitespace, are taken
    except (TypeError, ValueError):  # a None, or not hex
        joined, raw = "", b""
    if (
        len(raw) == 16 * count
        and set(map(len, values)) == {32}  # type: ignore[arg-type]
        and (joined.islower() or joined.isdigit())
    ):
        # Each value 32 characters, no whitespace among them (it would have made fewer
        # bytes), no capital: each is 32 of 0-9a-f, and its number is its own.
        halves = np.frombuffer(raw, dtype=">u8").reshape(count, 2).astype(np.uint64)
        return halves[:, 0].copy(), halves[:, 1].copy(), np.ones(count, dtype=bool)
    high = np.zeros(count, dtype=np.uint64)
    low = np.zeros(count, dtype=np.uint64)
    canonical = np.zeros(count, dtype=bool)
    for index, value in enumerate(values):
        if isinstance(value, str) and _HEX.fullmatch(value):
            number = int(value, 16)
            high[index], low[index], canonical[index] = number >> 64, number & ((1 << 64) - 1), True
    return high, low, canonical


class Snapshot:
    """(id hash → fingerprint) for every row stored under a channel, sorted by id hash."""

    def __init__(self, ids: np.ndarray, high: np.ndarray, low: np.ndarray, sure: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        self.high, self.low = high[order], low[order]
        sure = sure[order]
        # An id hash that two stored ids share decides nothing: those rows are asked for.
        shared = np.flatnonzero(self.ids[1:] == self.ids[:-1])
        sure[shared] = False
        sure[shared + 1] = False
        self.sure = sure

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def read(
        cls, connection: sa.Connection, workspace_id: uuid.UUID, source_key: str, *, limit: int = LIMIT
    ) -> Snapshot | None:
        """The channel's rows, or None if it holds more than ``limit``."""
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        count = 0
        for rows in _stored(connection, workspace_id, source_key):
            count += len(rows)
            if count > limit:
                return None
            externals = [external for external, _ in rows]
            ids = np.fromiter(map(id_hash, externals), dtype=np.int64, count=len(externals))
            parts.append((ids, *fingerprints([digest for _, digest in rows])))
        if not parts:
            return cls(*(np.zeros(0, dtype=t) for t in (np.int64, np.uint64, np.uint64, bool)))
        joined = [np.concatenate([part[i] for part in parts]) for i in range(4)]
        parts.clear()
        return cls(*joined)

    def sort(self, rows: Sequence[tuple[str, str | None]]) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
        """The new rows of a batch (external id → None), and the rows the database must
        decide (changed, or not certainly unchanged). Rows in neither are unchanged."""
        if not rows:
            return {}, []
        if not len(self.ids):
            return dict.fromkeys(external for external, _ in rows), []
        externals = [external for external, _ in rows]
        ids = np.fromiter(map(id_hash, externals), dtype=np.int64, count=len(externals))
        high, low, canonical = fingerprints([digest for _, digest in rows])
        where = np.searchsorted(self.ids, ids)
        inside = np.minimum(where, len(self.ids) - 1)
        found = (where < len(self.ids)) & (self.ids[inside] == ids)
        same = found & canonical & self.sure[inside] & (self.high[inside] == high) & (self.low[inside] == low)
        new = {externals[i]: None for i in np.flatnonzero(~found).tolist()}
        ask = [rows[i] for i in np.flatnonzero(found & ~same).tolist()]
        return new, ask


def _stored(connection: sa.Connection, workspace_id: uuid.UUID, source_key: str) -> Any:
    """(external id, row hash) of the channel's rows, ``FETCH_ROWS`` at a time, in one scan
    of the (workspace, source key, external id) index."""
    raw = connection.connection.driver_connection
    assert raw is not None
    query = "SELECT external_id, row_hash FROM evidence WHERE workspace_id = {0} AND source_key = {0}"
    if connection.dialect.name == "postgresql":
        # A named (server-side) cursor: the rows come FETCH_ROWS at a time, never all at once.
        with raw.cursor(name=f"grounded_snapshot_{uuid.uuid4().hex[:8]}") as cursor:
            cursor.itersize = FETCH_ROWS
            cursor.execute(query.format("%s"), (workspace_id, source_key))
            while rows := cursor.fetchmany(FETCH_ROWS):
                yield rows
        return
    cursor = raw.execute(query.format("?"), (workspace_id.hex, source_key))
    try:
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows
    finally:
        cursor.close()

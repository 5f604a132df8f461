"""What a channel already holds, read once: re-importing without a lookup per batch.

A re-import of an export whose rows are mostly unchanged used to ask the database, per
batch, which rows differ (``store.unmatched``): about 8 µs a row, most of the run. Instead,
when the channel already holds rows, the reading side reads (external id, fingerprint) of
all of them once, in one scan of the channel's index range, and keeps them compactly:
a 64-bit hash of each id (sorted) beside the fingerprint as the 128-bit number its 32 hex
digits are: 24 bytes a row, and 2 to 4 for an index of the hashes (grounded.ingest.hashindex). Each batch is then
sorted in memory:

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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from grounded.ingest.hashindex import HashIndex

#: Channels holding more rows than this are looked up batch by batch (about 27 bytes a
#: row here: 135 MB at the limit, while it is read about twice that for a moment).
LIMIT = 5_000_000
#: Rows fetched from the database at a time while the snapshot is read.
FETCH_ROWS = 50_000
_HEX = re.compile("[0-9a-f]{32}")


#: The 64-bit hash of an external id: Python's keyed SipHash (the snapshot and the
#: batches are hashed in the same process). Tests replace it to force collisions.
id_hash: Callable[[str], int] = hash
_HEX_DIGITS = b"0123456789abcdef"


def fingerprints(values: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints as 128-bit numbers (an array of (high, low) unsigned 64-bit pairs),
    and which of them are canonical: 32 lowercase hex digits, the only form whose number
    stands for the text exactly."""
    count = len(values)
    try:
        joined = "".join(values)  # type: ignore[arg-type]
        raw = bytes.fromhex(joined)
        digits = joined.encode("ascii")
    except (TypeError, ValueError):  # a None; not hex (UnicodeEncodeError is a ValueError)
        raw = digits = b"-"
    if (
        len(raw) == 16 * count
        and not digits.translate(None, _HEX_DIGITS)  # nothing but 0-9a-f
        and set(map(len, values)) == {32}  # type: ignore[arg-type]
    ):
        pairs = np.frombuffer(raw, dtype=">u8").reshape(count, 2).astype(np.uint64)
        return pairs, np.ones(count, dtype=bool)
    pairs = np.zeros((count, 2), dtype=np.uint64)
    canonical = np.zeros(count, dtype=bool)
    for index, value in enumerate(values):
        if isinstance(value, str) and _HEX.fullmatch(value):
            number = int(value, 16)
            pairs[index] = (number >> 64, number & ((1 << 64) - 1))
            canonical[index] = True
    return pairs, canonical


def hashes(externals: Sequence[str]) -> NDArray[np.int64]:
    return np.fromiter(map(id_hash, externals), dtype=np.int64, count=len(externals))


class Snapshot:
    """(id hash → fingerprint) for every row stored under a channel, the id hashes sorted
    and indexed (grounded.ingest.hashindex). Ids whose hash another stored id shares, or
    whose stored fingerprint is not canonical, are kept apart as ``unsure``: a row on one
    of those is always asked for."""

    def __init__(self, ids: NDArray[np.int64], digests: NDArray[np.uint64], canonical: NDArray[np.bool_]) -> None:
        order = np.argsort(ids)  # ids sharing a hash are all set apart below: any order will do
        ids, digests, canonical = ids[order], digests[order], canonical[order]
        del order
        shared = np.zeros(len(ids), dtype=bool)
        twins = np.flatnonzero(ids[1:] == ids[:-1])
        shared[twins] = shared[twins + 1] = True
        sure = canonical & ~shared
        self.unsure = ids[~sure]
        if not sure.all():
            ids, digests = ids[sure], digests[sure]
        self.ids, self.digests = ids, digests
        self.index = HashIndex(ids)

    def __len__(self) -> int:
        return len(self.ids) + len(self.unsure)

    @classmethod
    def read(
        cls, connection: sa.Connection, workspace_id: uuid.UUID, source_key: str, *, limit: int | None = None
    ) -> Snapshot | None:
        """The channel's rows, or None if it holds more than ``limit`` (default ``LIMIT``)."""
        limit = LIMIT if limit is None else limit
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        count = 0
        for rows in _stored(connection, workspace_id, source_key):
            count += len(rows)
            if count > limit:
                return None
            parts.append((hashes([external for external, _ in rows]), *fingerprints([digest for _, digest in rows])))
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros((0, 2), np.uint64), np.zeros(0, bool))
        ids, digests, canonical = (np.concatenate([part[i] for part in parts]) for i in range(3))
        parts.clear()
        return cls(ids, digests, canonical)

    def sort(self, rows: Sequence[tuple[str, str | None]]) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
        """The new rows of a batch (external id → None), and the rows the database must
        decide (changed, or not certainly unchanged). Rows in neither are unchanged."""
        if not rows:
            return {}, []
        externals = [external for external, _ in rows]
        wanted = hashes(externals)
        digests, canonical = fingerprints([digest for _, digest in rows])
        where = self.index.find(wanted)
        found = where >= 0
        stored = self.digests.take(np.maximum(where, 0), axis=0) if len(self.ids) else digests
        same = found & canonical & (stored == digests).all(axis=1)
        unsure = np.isin(wanted, self.unsure) if len(self.unsure) else np.zeros(len(rows), dtype=bool)
        new = {externals[i]: None for i in np.flatnonzero(~found & ~unsure).tolist()}
        ask = [rows[i] for i in np.flatnonzero((found & ~same) | unsure).tolist()]
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

"""Parquet, read in record batches (memory bounded by the batch, not the file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from grounded.errors import ImportRejected
from grounded.ingest.encoding import Opened
from grounded.ingest.readers.base import CHUNK_ROWS, Chunk, Record, chunked, clip

BATCH_ROWS = 20_000


class ParquetReader:
    def __init__(self, opened: Opened) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.opened = opened
        self.notes: list[str] = []
        try:
            self.file = pq.ParquetFile(opened.path)
        except (pa.ArrowException, OSError) as error:
            raise ImportRejected(f"{opened.path.name} is not a readable Parquet file ({error})") from error
        self.columns = list(self.file.schema_arrow.names)

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        return chunked(self.records(), size)

    def batches(self, size: int) -> Iterator[tuple[int, Any]]:
        """(number of the first row, Arrow record batch) pairs; where the file turns out to
        be damaged, a last pair with a Failed row for the rest instead of a batch."""
        import pyarrow as pa

        from grounded.ingest.protocols import Failed

        number = 1
        batches = self.file.iter_batches(batch_size=size)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as error:
                yield (
                    number,
                    Failed(
                        number, "", f"the file is damaged after row {number - 1} ({error}); the rest could not be read"
                    ),
                )
                return
            if batch is None:
                return
            yield number, batch
            number += batch.num_rows

    def records(self) -> Iterator[Record]:
        import pyarrow as pa

        number = 0
        batches = self.file.iter_batches(batch_size=BATCH_ROWS)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as error:
                yield Record(
                    number + 1,
                    None,
                    "",
                    problem=f"the file is damaged after row {number} ({error}); the rest could not be read",
                )
                return
            if batch is None:
                return
            for row in _rows(batch):
                number += 1
                if isinstance(row, Record):
                    row.number = number
                    yield row
                else:
                    yield Record(number, row, None)


def _rows(batch: Any) -> Iterator[dict[str, Any] | Record]:
    """The batch's rows as dicts; a row holding a value Python cannot represent (a time
    outside years 1–9999, say) comes as a Record with the problem, its values as text."""
    import pyarrow as pa

    try:
        rows = batch.to_pylist()
    except (OverflowError, ValueError, pa.ArrowException):
        rows = None  # one row at a time, to find the ones that cannot be read
    if rows is not None:
        yield from rows
        return
    for index in range(batch.num_rows):
        row = batch.slice(index, 1)
        try:
            yield row.to_pylist()[0]
        except (OverflowError, ValueError, pa.ArrowException) as error:
            bad = [name for name in batch.schema.names if not _readable(row.column(name))]
            yield Record(
                0,
                None,
                row_json(batch, index),
                problem=f"{', '.join(bad) or 'a value'} cannot be read: out of the range Python can hold ({error})",
            )


def row_json(batch: Any, index: int) -> str:
    """One row of an Arrow batch as JSON text for a quarantined row, whatever its values."""
    row = batch.slice(index, 1)
    return clip(json.dumps({name: _as_text(row.column(name)) for name in batch.schema.names}))


def _readable(column: Any) -> bool:
    try:
        column.to_pylist()
    except (OverflowError, ValueError):
        return False
    return True


def _as_text(column: Any) -> Any:
    """A one-value column as JSON can hold it: the value, or its raw number as text."""
    import pyarrow as pa

    try:
        return json.loads(json.dumps(column.to_pylist()[0], default=str))
    except (OverflowError, ValueError):
        if pa.types.is_timestamp(column.type):  # the stored count, with its unit
            return f"{column.cast(pa.int64()).to_pylist()[0]} {column.type.unit} from 1970-01-01"
        return str(column.cast(pa.string()).to_pylist()[0])

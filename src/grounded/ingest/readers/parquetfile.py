"""Parquet, read in record batches (memory bounded by the batch, not the file)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from grounded.errors import ImportRejected
from grounded.ingest.encoding import Opened
from grounded.ingest.readers.base import CHUNK_ROWS, Chunk, Record, chunked

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
            for row in batch.to_pylist():
                number += 1
                yield Record(number, row, None)

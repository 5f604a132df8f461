"""Parquet, read in record batches (memory bounded by the batch, not the file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from grounded.ingest.encoding import Opened
from grounded.ingest.readers.base import Record, clip

BATCH_ROWS = 20_000


class ParquetReader:
    def __init__(self, opened: Opened) -> None:
        import pyarrow.parquet as pq

        self.opened = opened
        self.notes: list[str] = []
        self.file = pq.ParquetFile(opened.path)
        self.columns = list(self.file.schema_arrow.names)

    def records(self) -> Iterator[Record]:
        number = 0
        for batch in self.file.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                yield Record(number, row, clip(_raw(row)))


def _raw(row: dict[str, Any]) -> str:
    return json.dumps(row, default=str, ensure_ascii=False)

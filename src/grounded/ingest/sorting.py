"""Sorting records into new, changed, unchanged and quarantined, batch by batch.

``identified`` walks the reader chunk by chunk: each row is identified (external id and
fingerprint) or fails; an id seen earlier in the file fails as a duplicate. ``classify``
then asks the index, in one query, which rows of the batch differ from what is stored, and
converts only those: an unchanged row is never converted, which is what makes
re-importing an unchanged export cheap. Both work a chunk's rows column-wise where they
can, since per-row Python is the cost that adds up over a million rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa

from grounded.ingest.fields import RowProblem
from grounded.ingest.protocols import Batch, Converter, Failed, Identities, Index
from grounded.ingest.readers import Reader, Record
from grounded.ingest.readers.base import CHUNK_ROWS, Chunk
from grounded.ingest.seen import SeenIds


@dataclass(slots=True)
class Part:
    """The rows of one chunk that go on to lookup: all of them (``positions`` None) or
    those at ``positions``."""

    chunk: Chunk
    identities: Identities
    positions: list[int] | None = None

    def pairs(self) -> list[tuple[str | None, str | None]]:
        ids, hashes = self.identities.ids, self.identities.hashes
        if self.positions is None:
            return list(zip(ids, hashes, strict=True))
        return [(ids[i], hashes[i]) for i in self.positions]

    def indexes(self) -> Sequence[int]:
        return range(len(self.chunk.rows)) if self.positions is None else self.positions


@dataclass
class Identified:
    """A batch after identification, before lookup."""

    columns: Sequence[str]
    last: int = 0
    read: int = 0
    failed: list[Failed] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)


def failure(record: Record, reason: str, field_name: str | None = None) -> Failed:
    return Failed(record.number, record.raw_text(), reason, field_name)


def identify_each(converter: Converter, chunk: Chunk, columns: Sequence[str]) -> Identities:
    """Identify a chunk's rows one by one (converters without a faster way use this)."""
    identities = Identities([], [], rows=[])
    assert identities.rows is not None
    for index in range(len(chunk.rows)):
        external: str | None
        digest: str | None
        row: Any
        try:
            external, digest, row = converter.identify(chunk.values(index, columns))
        except RowProblem as problem:
            identities.problems[index] = problem
            external = digest = row = None
        identities.ids.append(external)
        identities.hashes.append(digest)
        identities.rows.append(row)
    return identities


def identified(reader: Reader, converter: Converter, *, checkpoint: int, batch_rows: int) -> Iterator[Identified]:
    """Batches of identified rows. Rows up to ``checkpoint`` were written by an earlier
    attempt: they are identified (so duplicates of them are still caught) but not handed on."""
    seen = SeenIds()
    columns = reader.columns
    batch = Identified(columns)
    for chunk in reader.chunks(min(CHUNK_ROWS, batch_rows)):
        batch.failed.extend(
            failure(r, r.problem or "could not be read", r.field) for r in chunk.failed if r.number > checkpoint
        )
        identities = converter.identify_chunk(chunk, columns)
        if not _all_fresh(seen, identities, chunk, checkpoint):
            _one_by_one(batch, seen, identities, chunk, checkpoint)
        else:
            batch.parts.append(Part(chunk, identities))
        _count(batch, chunk, checkpoint)
        if batch.read >= batch_rows:
            yield batch
            batch = Identified(columns)
    if batch.read:
        yield batch


def _all_fresh(seen: SeenIds, identities: Identities, chunk: Chunk, checkpoint: int) -> bool:
    """The common case, checked and recorded without a loop in Python: every row of the
    chunk identified, none seen before, none before the checkpoint."""
    if identities.problems or (checkpoint and chunk.numbers and chunk.numbers[0] <= checkpoint):
        return False
    ids = cast("list[str]", identities.ids)  # no problems: every row has its id
    return seen.add_fresh(ids, chunk.numbers)


def _one_by_one(batch: Identified, seen: SeenIds, identities: Identities, chunk: Chunk, checkpoint: int) -> None:
    positions: list[int] = []
    columns = batch.columns
    for index, number in enumerate(chunk.numbers):
        problem = identities.problems.get(index)
        if problem is not None:
            if number > checkpoint:
                batch.failed.append(Failed(number, _raw(chunk, index, columns), str(problem), problem.field))
            continue
        external = identities.ids[index]
        assert external is not None
        first = seen.first(external, number)
        if number <= checkpoint:
            continue
        if first == number:
            positions.append(index)
        else:
            reason = (
                f"external id '{external}' appears again (first at row {first}); keep one, or give each row its own id"
            )
            batch.failed.append(Failed(number, _raw(chunk, index, columns), reason, "external_id", external))
    if positions:
        batch.parts.append(Part(chunk, identities, positions))


def _count(batch: Identified, chunk: Chunk, checkpoint: int) -> None:
    numbers = [n for n in chunk.numbers if n > checkpoint] if checkpoint else chunk.numbers
    failed = [r.number for r in chunk.failed if r.number > checkpoint]
    batch.read += len(numbers) + len(failed)
    ends = [numbers[-1]] if numbers else []
    batch.last = max([batch.last, *ends, *failed])


def _raw(chunk: Chunk, index: int, columns: Sequence[str]) -> str:
    return chunk.record(index, columns).raw_text()


def classify(
    identified_batch: Identified, converter: Converter, index: Index, connection: sa.Connection | None
) -> Batch:
    """Ask the index which rows must be written, convert those, count the rest."""
    batch = Batch(last=identified_batch.last, read=identified_batch.read, failed=identified_batch.failed)
    keys = [key for part in identified_batch.parts for key in part.pairs()]
    to_write = index.sort(connection, keys) if keys else {}  # type: ignore[arg-type]
    batch.unchanged = len(keys) - len(to_write)
    if to_write:
        _convert(batch, identified_batch, to_write, converter=converter, index=index, connection=connection)
    batch.failed.sort(key=lambda failed: failed.number)
    return batch


def _convert(
    batch: Batch,
    identified_batch: Identified,
    to_write: dict[str, Any],
    *,
    converter: Converter,
    index: Index,
    connection: sa.Connection | None,
) -> None:
    columns = identified_batch.columns
    for part in identified_batch.parts:
        chunk, identities = part.chunk, part.identities
        for position in part.indexes():
            external = identities.ids[position]
            if external not in to_write:
                continue
            try:
                row = identities.rows[position] if identities.rows is not None else None
                if row is None:
                    row = converter.convert(chunk.values(position, columns), external, identities.hashes[position])
                index.check(connection, row)
            except RowProblem as problem:
                batch.failed.append(
                    Failed(
                        chunk.numbers[position], _raw(chunk, position, columns), str(problem), problem.field, external
                    )
                )
                continue
            stored = to_write[external]
            if stored is None:
                batch.new.append(row)
            else:
                batch.changed.append((row, stored))
    if batch.new:
        index.remember([row.external_id for row in batch.new])

"""What readers produce."""

from __future__ import annotations

import heapq
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

#: How much of a record's raw text a quarantined row keeps (the rest is summarised).
RAW_LIMIT = 64 * 1024


@dataclass(slots=True)
class Record:
    """One row of input. ``values`` maps column names to values (None when the record could
    not be read at all); ``problem`` says why it cannot be accepted, if it cannot. ``raw`` is
    the record's text as in the file (None where the reader has none, as for Parquet: then
    ``raw_text`` writes the values as JSON); it is only clipped when the row is quarantined."""

    number: int
    values: dict[str, Any] | None
    raw: str | None
    problem: str | None = None
    field: str | None = None

    def raw_text(self) -> str:
        """The record's raw text, clipped for keeping in quarantine."""
        if self.raw is not None:
            return clip(self.raw)
        return clip(json.dumps(self.values, default=str, ensure_ascii=False))


#: Records a reader hands over at a time.
CHUNK_ROWS = 500


@dataclass(slots=True)
class Chunk:
    """Records read together, the good ones column-wise: ``numbers[i]``, ``rows[i]`` (the
    fields in column order when ``positional``, else a dict of them) and ``raws[i]`` (the
    raw text, None where the reader has none); the bad ones as records with a problem."""

    numbers: Sequence[int]
    rows: list[Any]
    raws: Sequence[str | None]
    failed: list[Record]
    positional: bool = False

    def values(self, index: int, columns: Sequence[str]) -> dict[str, Any]:
        row = self.rows[index]
        return dict(zip(columns, row, strict=False)) if self.positional else row

    def record(self, index: int, columns: Sequence[str]) -> Record:
        return Record(self.numbers[index], self.values(index, columns), self.raws[index])

    def records(self, columns: Sequence[str]) -> Iterator[Record]:
        """All of it, good and bad, in file order."""
        good = (self.record(i, columns) for i in range(len(self.rows)))
        yield from heapq.merge(good, self.failed, key=lambda record: record.number)


def chunked(records: Iterator[Record], size: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Chunks of records that came one at a time (JSON, Parquet, Markdown)."""
    while batch := list(itertools.islice(records, size)):
        good = [r for r in batch if r.values is not None and r.problem is None]
        yield Chunk(
            [r.number for r in good],
            [r.values for r in good],
            [r.raw for r in good],
            [r for r in batch if r.values is None or r.problem is not None],
        )


class Reader(Protocol):
    #: What the file calls its columns (known after opening, before the first record).
    columns: list[str]
    #: Things worth telling the user that are not about one row (duplicate headers…).
    notes: list[str]

    def records(self) -> Iterator[Record]: ...

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]: ...


def clip(text: str, limit: int = RAW_LIMIT) -> str:
    """Raw text for a quarantined row: whole when small, else its start and its size. NUL
    and undecodable bytes are written as ``\\x00`` and ``\\xE9`` so any database can store it."""
    if len(text) > limit:
        text = f"{text[:limit]}\n… [{len(text) - limit:,} more characters not kept]"
    return _ESCAPES.sub(_escape, text)


_ESCAPES = re.compile("[\x00\udc00-\udcff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return "\\x00" if char == "\x00" else f"\\x{ord(char) - 0xDC00:02X}"


UNDECODED = re.compile("[\udc00-\udcff]")


def undecodable(text: str, encoding: str) -> str | None:
    """A description of the first byte that did not decode, or None if all did."""
    found = UNDECODED.search(text)
    if found is None:
        return None
    return f"byte 0x{ord(found.group(0)) - 0xDC00:02X} at character {found.start() + 1} is not valid {encoding}"


@dataclass
class Notes:
    items: list[str] = field(default_factory=list)

"""The fast path for CSV: pyarrow's C++ parser on well-formed pieces, checked to read
exactly what the Python reader (csvfile) would.

The file is cut after line ends into pieces of a few megabytes; pyarrow.csv parses each.
A piece's result is used only when it is certainly what Python's csv would make of the
same lines:

- the file is uncompressed UTF-8 and the header (if any) is its first line alone;
- the piece has no NUL byte, no carriage return but in a CRLF line end, does not start
  with a byte-order mark (pyarrow would drop it), and its last line, when the file ends
  without a line end, holds no quote;
- pyarrow accepts it: valid UTF-8, every row as wide as the header;
- it made as many rows as the piece has lines: every record on a line of its own (a
  quoted line break, a blank line or an unclosed quote changes the count);
- no field is longer than the field limit, and no row's first field is the header's
  (a repeated header row is the Python reader's to report).

For a record on one line both parsers follow the same rules, those of Python's csv with
``strict=False``: a quote opens a quoted field only at the start of a field, a doubled
quote inside one is a quote, and text after a closing quote is kept (Arrow's
``BlockParser::ParseLine`` and CPython's ``_csv.c`` state machines, read side by side).

The first piece that fails a check ends the fast path: the Python reader reads the rest of
the file from that piece's first line, a record boundary, so every row is read by one of
the two and gets the same line number, values and raw text either way.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from grounded.ingest.readers.base import Chunk

#: Bytes of the file parsed at a time (the piece is cut after the last line end in them).
PIECE_BYTES = 2 << 20


@dataclass
class Plan:
    """Where the fast path may start: the byte after the header, and its line number."""

    path: Path
    start: int
    lines_before: int
    delimiter: str
    width: int
    header_first: str | None
    max_field_chars: int


def plan(
    path: Path,
    *,
    encoding: str | None,
    compressed: bool,
    delimiter: str,
    width: int,
    header_lines: int | None,
    header_first: str | None,
    max_field_chars: int,
) -> Plan | None:
    """The fast path's start, or None when the file is not one it can read."""
    if compressed or encoding is None or len(delimiter) != 1 or delimiter in '"\r\n':
        return None
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    with path.open("rb") as handle:
        head = handle.read(PIECE_BYTES)
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if header_lines is None:  # no header row: the data starts at the first byte
        return Plan(path, start, 0, delimiter, width, None, max_field_chars)
    if header_lines != 1:
        return None
    end = head.find(b"\n")
    if end < 0 or head.count(b"\r", 0, end) != head.count(b"\r\n", 0, end + 1):
        return None  # no line end in the first piece, or a lone CR in the header line
    return Plan(path, end + 1, 1, delimiter, width, header_first, max_field_chars)


def fast_chunks(found: Plan, size: int, piece_bytes: int | None = None) -> Iterator[Chunk | int]:
    """Chunks of ``size`` records for as long as the pieces pass; then, if one does not,
    the number of lines read before it (an int), where the Python reader takes over.

    A thread reads and parses the next piece while this one is handed over: reading,
    the byte checks (numpy) and pyarrow's parsing let go of the interpreter lock, so
    they run on another core beside the Python work on the rows."""
    lines_before = found.lines_before
    with ThreadPoolExecutor(1, thread_name_prefix="grounded-csv") as pool:
        pieces = _pieces(found, piece_bytes or PIECE_BYTES)
        pending = pool.submit(_parsed, pieces, found)
        while True:
            piece, table = pending.result()
            if piece is _END:
                return
            if table is not None:
                pending = pool.submit(_parsed, pieces, found)
            columns = _columns(table, found) if table is not None else None
            if piece is None or columns is None:
                yield lines_before
                return
            lines = _Lines(piece)
            count = len(columns[0]) if columns else 0
            rows = list(zip(*columns, strict=True)) if count else []
            for offset in range(0, count, size):
                stop = min(offset + size, count)
                first = lines_before + 1 + offset
                yield Chunk(
                    range(first, first + stop - offset),
                    rows[offset:stop],
                    _Slice(lines, offset, stop),
                    [],
                    positional=True,
                )
            lines_before += count


def _pieces(found: Plan, piece_bytes: int) -> Iterator[bytes | None]:
    """The file after the header, cut after line ends (None: a line longer than a piece)."""
    with found.path.open("rb") as handle:
        handle.seek(found.start)
        carry = b""
        while data := carry + handle.read(piece_bytes):
            at_end = not handle.peek(1)
            cut = len(data) if at_end else data.rfind(b"\n") + 1
            if cut == 0:
                yield None
                return
            yield data[:cut]
            carry = data[cut:]


#: What ``_parsed`` returns at the end of the file.
_END = b""


def _parsed(pieces: Iterator[bytes | None], found: Plan) -> tuple[bytes | None, Any]:
    """The next piece and pyarrow's table of it (None if it fails a check); ``_END`` at
    the end of the file."""
    piece = next(pieces, _END)
    if piece is None or piece is _END:
        return piece, None
    return piece, _table(piece, found)


def _table(piece: bytes, found: Plan) -> Any:
    """pyarrow's table of the piece, if it passes the byte checks and pyarrow reads it as
    one row a line."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if b"\x00" in piece or piece.startswith(codecs.BOM_UTF8):
        return None
    view = np.frombuffer(piece, dtype=np.uint8)
    returns = np.flatnonzero(view == 13)
    if len(returns) and (returns[-1] + 1 == len(view) or not (view[returns + 1] == 10).all()):
        return None  # a carriage return that is not part of a CRLF line end
    lines = int(np.count_nonzero(view == 10))
    if not piece.endswith(b"\n"):
        lines += 1
        if b'"' in piece[piece.rfind(b"\n") + 1 :]:
            return None  # how an unterminated last line ends is not worth matching
    names = [f"f{i}" for i in range(found.width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(piece),
            read_options=pacsv.ReadOptions(column_names=names, block_size=len(piece) + 1, use_threads=False),
            # The system allocator gives a piece's memory back when it is done with:
            # pyarrow's own pool keeps it, and this process must stay small.
            memory_pool=pa.system_memory_pool(),
            parse_options=pacsv.ParseOptions(delimiter=found.delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException:
        return None
    return table if table.num_rows == lines else None


def _columns(table: Any, found: Plan) -> list[list[str]] | None:
    """The table's columns as lists of text, or None if the Python reader must read it."""
    if table.num_rows == 0:
        return []
    if _longest(table) > found.max_field_chars:  # bytes ≥ characters: only then can a field be too long
        return None
    columns: list[list[str]] = [column.to_pylist() for column in table.columns]
    if found.header_first is not None and found.header_first in {value.strip() for value in columns[0]}:
        return None
    return columns


def _longest(table: Any) -> int:
    """The longest value's length in bytes, from the string arrays' offsets."""
    import numpy as np

    longest = 0
    for column in table.columns:
        for array in column.chunks:
            offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
            longest = max(longest, int(np.diff(offsets).max()))
    return longest


class _Lines:
    """A piece's physical lines, split only if a row's raw text is asked for (a row that
    is quarantined later, as a repeated id): the common case never needs them."""

    def __init__(self, piece: bytes) -> None:
        self.piece: bytes | None = piece
        self.lines: list[str] = []

    def get(self, index: int) -> str:
        if self.piece is not None:
            text = self.piece.decode("utf-8")
            self.lines = [line + "\n" for line in text.split("\n")]
            if text.endswith("\n"):
                self.lines.pop()
            else:
                self.lines[-1] = self.lines[-1][:-1]
            self.piece = None
        return self.lines[index]


class _Slice(Sequence[str]):
    def __init__(self, lines: _Lines, start: int, stop: int) -> None:
        self.source, self.start, self.stop = lines, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.source.get(self.start + (index % len(self)))

"""The fast path for CSV: pyarrow's C++ parser on well-formed pieces, checked to read
exactly what the Python reader (csvfile) would.

The file is cut after line ends into pieces of a few megabytes; pyarrow.csv parses each.
The last record of a piece may be cut short by the cut: it is carried over and parsed
again with the next piece (the records before it ended at a line end outside quotes, as
they do for Python's csv). A piece's rows are used only when they are certainly what
Python's csv would make of the same lines:

- the file is uncompressed UTF-8 and the header (if any) is its first line alone;
- the piece has no NUL byte, no carriage return but in a CRLF line end, does not start
  with a byte-order mark (pyarrow would drop it), and its last line, when the file ends
  without a line end, holds no quote;
- pyarrow accepts it: valid UTF-8, every row as wide as the header;
- the rows account for every line: a row spans one line and one more for each line end
  in its fields, and no row is empty (a blank line, which Python's csv skips);
- no field is longer than the field limit, no row's first field is the header's (a
  repeated header row is the Python reader's to report), and no record on several lines
  is one the Python reader would call an unclosed quote that swallowed the rows after it.

Both parsers follow the same rules, those of Python's csv with ``strict=False``: a quote
opens a quoted field only at the start of a field, a doubled quote inside one is a quote,
text after a closing quote is kept, and a line end inside quotes belongs to the field
(Arrow's ``BlockParser::ParseLine`` and CPython's ``_csv.c`` state machines, read side by
side).

The first piece that fails a check ends the fast path: the Python reader reads the rest of
the file from that piece's first line, a record boundary, so every row is read by one of
the two and gets the same line number, values and raw text either way.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from grounded.ingest.readers.base import Chunk

#: Bytes of the file parsed at a time (the piece is cut after the last line end in them).
PIECE_BYTES = 2 << 20
#: A record carried over from piece to piece beyond this many pieces' bytes is left to
#: the Python reader (a huge field: its limit is the Python reader's to enforce).
CARRY_PIECES = 8


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
    #: The Python reader's test for a multi-line record that is an unclosed quote
    #: swallowing the rows after it (fields, physical lines) → bool.
    swallowed: Callable[[list[str], list[str]], bool]


@dataclass
class Parsed:
    """What pyarrow made of a piece: ``table``'s rows take up the piece's first ``lines``
    lines (``text``); ``starts``/``spans`` say where each row starts and how many lines
    it has, when some row has more than one (else None)."""

    text: bytes
    table: Any
    lines: int
    starts: list[int] | None = None
    spans: list[int] | None = None


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
    swallowed: Callable[[list[str], list[str]], bool],
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
        return Plan(path, start, 0, delimiter, width, None, max_field_chars, swallowed)
    if header_lines != 1:
        return None
    end = head.find(b"\n")
    if end < 0 or head.count(b"\r", 0, end) != head.count(b"\r\n", 0, end + 1):
        return None  # no line end in the first piece, or a lone CR in the header line
    return Plan(path, end + 1, 1, delimiter, width, header_first, max_field_chars, swallowed)


def fast_chunks(found: Plan, size: int, piece_bytes: int | None = None) -> Iterator[Chunk | int]:
    """Chunks of ``size`` records for as long as the pieces pass; then, if one does not,
    the number of lines read before it (an int), where the Python reader takes over.

    A thread reads and parses the next piece while this one is handed over: reading,
    the byte checks (numpy) and pyarrow's parsing let go of the interpreter lock, so
    they run on another core beside the Python work on the rows."""
    lines_before = found.lines_before
    with ThreadPoolExecutor(1, thread_name_prefix="grounded-csv") as pool:
        pieces = _parsed_pieces(found, piece_bytes or PIECE_BYTES)
        pending = pool.submit(next, pieces, _END)
        while True:
            parsed = pending.result()
            if parsed is _END:
                return
            if parsed is not None:
                pending = pool.submit(next, pieces, _END)
            columns = _columns(parsed, found) if parsed is not None else None
            if parsed is None or columns is None:
                yield lines_before
                return
            lines = _Lines(parsed)
            count = len(columns[0]) if columns else 0
            rows = list(zip(*columns, strict=True)) if count else []
            starts = parsed.starts
            for offset in range(0, count, size):
                stop = min(offset + size, count)
                yield Chunk(
                    range(lines_before + 1 + offset, lines_before + 1 + stop)
                    if starts is None
                    else [lines_before + 1 + start for start in starts[offset:stop]],
                    rows[offset:stop],
                    _Slice(lines, offset, stop),
                    [],
                    positional=True,
                )
            lines_before += parsed.lines


#: What the reading thread returns at the end of the file.
_END: Any = object()


def _parsed_pieces(found: Plan, piece_bytes: int) -> Iterator[Parsed | None]:
    """The file after the header, piece by piece, parsed; None for a piece the Python
    reader must read (and nothing after it)."""
    with found.path.open("rb") as handle:
        handle.seek(found.start)
        carry = b""
        while data := carry + handle.read(piece_bytes):
            at_end = not handle.peek(1)
            cut = len(data) if at_end else data.rfind(b"\n") + 1
            if cut == 0 or len(carry) > CARRY_PIECES * piece_bytes:
                yield None  # a line or record longer than the fast path takes
                return
            parsed = _parse(data[:cut], found, final=at_end)
            yield parsed
            if parsed is None:
                return
            carry = data[len(parsed.text) :]


def _parse(piece: bytes, found: Plan, *, final: bool) -> Parsed | None:
    """The piece parsed, less its last record unless the file ends with it; None if
    the piece fails a check."""
    counted = _line_ends(piece)
    read = _read(piece, found) if counted is not None else None
    if counted is None or read is None:
        return None
    ends, lines = counted
    table, skipped = read
    rows = table.num_rows
    if rows == 0 and skipped == 1 and not final:
        return Parsed(b"", table, 0)  # one record longer than the piece: read again with more
    # (skipped: a row of the wrong width that is not a last record cut short by the cut)
    if (skipped is not None and (final or skipped != rows + 1)) or not 0 < rows <= lines or _has_empty_row(table):
        return None
    parsed = Parsed(piece, table, lines)
    if rows < lines:  # some record has line ends in it, or was cut short: where does each row start?
        import numpy as np
        import pyarrow.compute as pc

        spans = np.ones(rows, dtype=np.int64)
        for column in table.columns:
            spans += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        # Every line accounted for (the lines after the rows are a record cut short, read
        # again with the next piece); a last row cut inside quotes has the cut's line end
        # in its field, one more than its lines.
        total = int(spans.sum())
        if (skipped is None and total not in (lines, lines + 1)) or (skipped is not None and total >= lines):
            return None
        parsed.starts = np.concatenate(([0], np.cumsum(spans)[:-1])).tolist()
        parsed.spans = spans.tolist()
    if final:
        return parsed if parsed.spans is None or sum(parsed.spans) == lines else None
    return _without_last(parsed, ends, cut_short=skipped is not None)


def _line_ends(piece: bytes) -> tuple[Any, int] | None:
    """Where the piece's lines end, and how many lines it has; None if it has a NUL, a
    lone carriage return, a byte-order mark first or an unterminated last line with a quote."""
    import numpy as np

    if b"\x00" in piece or piece.startswith(codecs.BOM_UTF8):
        return None
    view = np.frombuffer(piece, dtype=np.uint8)
    returns = np.flatnonzero(view == 13)
    if len(returns) and (returns[-1] + 1 == len(view) or not (view[returns + 1] == 10).all()):
        return None  # a carriage return that is not part of a CRLF line end
    ends = np.flatnonzero(view == 10)
    lines = len(ends)
    if not piece.endswith(b"\n"):
        lines += 1
        if b'"' in piece[piece.rfind(b"\n") + 1 :]:
            return None  # how an unterminated last line ends is not worth matching
    return ends, lines


def _read(piece: bytes, found: Plan) -> tuple[Any, int | None] | None:
    """pyarrow's table of the piece, and the number of the one row it skipped for having
    too few or too many fields (the piece's last record, cut short, if all is well)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    skipped: list[int] = []

    def skip_once(row: Any) -> str:
        skipped.append(row.number)
        return "skip" if len(skipped) == 1 else "error"

    names = [f"f{i}" for i in range(found.width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(piece),
            read_options=pacsv.ReadOptions(column_names=names, block_size=len(piece) + 1, use_threads=False),
            # The system allocator gives a piece's memory back when it is done with:
            # pyarrow's own pool keeps it, and this process must stay small.
            memory_pool=pa.system_memory_pool(),
            parse_options=pacsv.ParseOptions(
                delimiter=found.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=skip_once,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException:
        return None
    return table, (skipped[0] if skipped else None)


def _without_last(parsed: Parsed, ends: Any, *, cut_short: bool) -> Parsed:
    """The piece up to its last record, which may have been cut short by the piece's end
    (``cut_short``: pyarrow skipped it already): that record is read again with the next."""
    rows = parsed.table.num_rows
    if cut_short:
        keep = rows
        used = rows if parsed.spans is None else sum(parsed.spans)
    else:
        keep = rows - 1
        used = keep if parsed.starts is None else parsed.starts[-1]
        if parsed.starts is not None and parsed.spans is not None:
            parsed.starts, parsed.spans = parsed.starts[:-1], parsed.spans[:-1]
    parsed.text = parsed.text[: int(ends[used - 1]) + 1] if used else b""
    parsed.table, parsed.lines = parsed.table.slice(0, keep), used
    return parsed


def _has_empty_row(table: Any) -> bool:
    """Whether some row has nothing in any field: a blank line (Python's csv skips it)
    or a line of bare delimiters, which the Python reader is left to tell apart."""
    import numpy as np

    total = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        for array in column.chunks:  # one chunk: the piece is one block
            offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
            total[: len(array)] += np.diff(offsets)
    return bool((total == 0).any())


def _columns(parsed: Parsed, found: Plan) -> list[list[str]] | None:
    """The rows' columns as lists of text, or None if the Python reader must read them."""
    table = parsed.table
    if table.num_rows == 0:
        return []
    if _longest(table) > found.max_field_chars:  # bytes ≥ characters: only then can a field be too long
        return None
    columns: list[list[str]] = [column.to_pylist() for column in table.columns]
    if found.header_first is not None and found.header_first in {value.strip() for value in columns[0]}:
        return None
    if parsed.spans is not None and parsed.starts is not None:
        lines = _Lines(parsed)
        for index, span in enumerate(parsed.spans):
            if span > 1:
                mine = [lines.line(n) for n in range(parsed.starts[index], parsed.starts[index] + span)]
                if found.swallowed([column[index] for column in columns], mine):
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

    def __init__(self, parsed: Parsed) -> None:
        self.text: bytes | None = parsed.text
        self.starts, self.spans = parsed.starts, parsed.spans
        self.lines: list[str] = []

    def line(self, index: int) -> str:
        if self.text is not None:
            text = self.text.decode("utf-8")
            self.lines = [line + "\n" for line in text.split("\n")]
            if text.endswith("\n"):
                self.lines.pop()
            else:
                self.lines[-1] = self.lines[-1][:-1]
            self.text = None
        return self.lines[index]

    def raw(self, row: int) -> str:
        if self.starts is None or self.spans is None:
            return self.line(row)
        start = self.starts[row]
        return "".join(self.line(n) for n in range(start, start + self.spans[row]))


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
        return self.source.raw(self.start + (index % len(self)))

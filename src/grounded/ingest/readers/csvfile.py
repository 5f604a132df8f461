"""CSV and TSV: dialect sniffing, line-exact raw text, and recovery from broken rows.

Python's csv module does the parsing, straight from the stream, a chunk of records at a
time; the parser's line count and a tee of the stream give every record its first line
number and its exact raw text. It quarantines
rows with the wrong number of fields, NUL bytes, undecodable bytes, oversized fields and
repeated header lines. An unclosed quote makes csv swallow the following rows into one
field; when a multi-line record's inner lines parse as rows of their own whose first field
looks like this row's first field, the record is split: the broken line is quarantined
and the rows after it land.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator

from grounded.errors import ImportRejected
from grounded.ingest.encoding import Opened, damage, text_stream
from grounded.ingest.readers.base import CHUNK_ROWS, Chunk, Record, clip, undecodable
from grounded.ingest.readers.base import UNDECODED as _UNDECODED
from grounded.ingest.readers.csvfast import Plan, fast_chunks, plan

_SNIFF_CHARS = 64 * 1024


_TAB_NAMES = ("\\t", "tab", "TAB")


def check_delimiter(value: str) -> str:
    """The delimiter given, as one character (``\\t`` and ``tab`` for a tab), or refused."""
    if value in _TAB_NAMES:
        return "\t"
    if len(value) != 1 or value in '"\r\n' or value.isalnum():
        raise ImportRejected(
            f"the delimiter must be one character that is not a letter, a digit, a quote or a line break "
            f"(got {value!r}); for a tab give \\t"
        )
    return value


class CsvReader:
    def __init__(
        self,
        opened: Opened,
        *,
        delimiter: str | None,
        header: bool = True,
        max_field_chars: int = 1_000_000,
        fast: bool = True,
    ) -> None:
        self.opened = opened
        #: Whether well-formed pieces may be parsed by pyarrow (see csvfast); the rows are
        #: the same either way.
        self.fast = fast
        self._header_lines = 0
        self.max_field_chars = max_field_chars
        self.notes: list[str] = []
        self.delimiter = check_delimiter(delimiter) if delimiter else self._sniff_delimiter()
        self.header = header
        self.columns: list[str] = []
        self._header_as_read: list[str] = []
        self._peek_header()
        self.width = len(self.columns)

    # ------------------------------------------------------------------ set-up
    def _sniff_delimiter(self) -> str:
        with text_stream(self.opened) as stream:
            sample = stream.read(_SNIFF_CHARS)
        try:
            return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            return ","

    def _peek_header(self) -> None:
        with text_stream(self.opened) as stream:
            parser = csv.reader(stream, delimiter=self.delimiter)
            first = next(parser, None)
            self._header_lines = parser.line_num
        if first is None:
            raise ImportRejected(f"{self.opened.path.name} has no rows")
        if not self.header:
            self.columns = [f"#{i}" for i in range(1, len(first) + 1)]
            return
        names = [name.strip().lstrip("\ufeff") for name in first]
        self._header_as_read = names
        if not any(names):
            raise ImportRejected(f"{self.opened.path.name}: the header row is empty")
        self.columns = self._unique(names)

    def _unique(self, names: list[str]) -> list[str]:
        seen: dict[str, int] = {}
        unique = []
        for index, name in enumerate(names, start=1):
            label = name or f"#{index}"
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                self.notes.append(
                    f"column {index} repeats the header name '{label}'; it is read as '{label} ({seen[label]})'"
                )
                label = f"{label} ({seen[label]})"
            unique.append(label)
        return unique

    # ------------------------------------------------------------------ reading
    def records(self) -> Iterator[Record]:
        for chunk in self.chunks():
            yield from chunk.records(self.columns)

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """csv parses the stream itself, ``size`` records at a time; a tee of the same stream
        hands over the physical lines they were made of, by the parser's line count. A clean
        chunk is used as parsed; one with anything unusual in it (a multi-line record that
        may hide an unclosed quote, a ragged row, a stray byte, a csv error) is parsed again
        from its lines, record by record, so every record gets its own line number, raw text
        and problem. Before that, pyarrow reads the file for as long as it is plainly
        well-formed (see csvfast): the Python reader takes over where it is not."""
        csv.field_size_limit(self.max_field_chars)
        skip = 0
        found = self._fast_plan() if self.fast else None
        if found is not None:
            for item in fast_chunks(found, size):
                if isinstance(item, int):
                    skip = item
                    break
                yield item
            else:
                return
        yield from self._streamed(size, skip)

    def _fast_plan(self) -> Plan | None:
        return plan(
            self.opened.path,
            encoding=self.opened.encoding,
            compressed=self.opened.compressed,
            delimiter=self.delimiter,
            width=self.width,
            header_lines=self._header_lines if self.header else None,
            header_first=self._header_as_read[0] if self._header_as_read else None,
            max_field_chars=self.max_field_chars,
            swallowed=self._swallowed,
        )

    def _streamed(self, size: int, skip: int) -> Iterator[Chunk]:
        """Python's csv from physical line ``skip`` on (0: the start, header included)."""
        with text_stream(self.opened) as stream:
            for _ in itertools.islice(stream, skip):
                pass
            for_parser, for_raw = itertools.tee(stream)
            parser = csv.reader(for_parser, delimiter=self.delimiter)
            taken = 0  # physical lines handed over so far (after the skipped ones)
            if self.header and not skip:
                next(parser, None)
                taken = _skip(for_raw, parser.line_num)
            while True:
                start = skip + taken
                try:
                    rows = list(itertools.islice(parser, size))
                except csv.Error:  # the rows parsed before it are in the lines: read them again
                    rows = None
                lines = list(itertools.islice(for_raw, parser.line_num - taken))
                taken = parser.line_num
                if rows == []:
                    if (broken := damage(stream)) is not None:
                        yield Chunk([], [], [], [_cut_short(skip + taken + 1, broken)])
                    return
                chunk = self._clean(start, rows, lines) if rows is not None else None
                yield chunk if chunk is not None else self._exact(start, lines)

    def _clean(self, start: int, rows: list[list[str]], lines: list[str]) -> Chunk | None:
        """The chunk as parsed, if nothing in it needs a closer look."""
        if len(lines) != len(rows):
            return None
        text = "".join(lines)
        if "\x00" in text or (not text.isascii() and _UNDECODED.search(text)):
            return None
        width = self.width
        if any(len(row) != width for row in rows):
            return None
        header = self._header_as_read
        if header and header[0] in {row[0].strip() for row in rows}:
            return None
        return Chunk(range(start + 1, start + 1 + len(rows)), rows, lines, [], positional=True)

    def _exact(self, start: int, lines: list[str]) -> Chunk:
        numbers: list[int] = []
        rows: list[list[str]] = []
        raws: list[str] = []
        failed: list[Record] = []
        for number, raw, fields, problem in self._parse(start, lines):
            if problem is not None:
                failed.append(Record(number, None, clip(raw), problem=problem))
            else:
                numbers.append(number)
                rows.append(fields)
                raws.append(raw)
        return Chunk(numbers, rows, raws, failed, positional=True)

    def _parse(self, start: int, lines: list[str]) -> Iterator[tuple[int, str, list[str], str | None]]:
        """Record by record: (line number, raw text, fields, problem or None)."""
        for_parser, for_raw = itertools.tee(iter(lines))
        parser = csv.reader(for_parser, delimiter=self.delimiter)
        taken = 0
        while True:
            try:
                fields = next(parser)
            except StopIteration:
                return
            except csv.Error as error:
                first, mine = start + taken + 1, _take(for_raw, parser.line_num - taken)
                taken = parser.line_num
                yield first, "".join(mine), [], _unreadable(str(error), self.max_field_chars)
                continue
            first, mine = start + taken + 1, _take(for_raw, parser.line_num - taken)
            taken = parser.line_num
            if not fields:
                continue  # a blank line is not a row
            if len(mine) > 1 and self._swallowed(fields, mine):
                yield (
                    first,
                    mine[0],
                    [],
                    'has an unclosed quote (") that ran into the next rows; those rows were read on their own',
                )
                for number, line in enumerate(mine[1:], start=first + 1):
                    parsed = next(csv.reader([line], delimiter=self.delimiter), [])
                    if parsed:
                        yield number, line, parsed, self._problem(line, parsed)
                continue
            raw = "".join(mine)
            yield first, raw, fields, self._problem(raw, fields)

    def _problem(self, raw: str, fields: list[str]) -> str | None:
        if "\x00" in raw:
            return f"contains a NUL byte (\\x00) at character {raw.index(chr(0)) + 1}"
        if not raw.isascii() and (bad := undecodable(raw, self.opened.encoding or "utf-8")) is not None:
            return f"{bad}; give the file's encoding with --encoding if it is not {self.opened.encoding}"
        if len(fields) != self.width:
            return f"has {len(fields)} fields, the header has {self.width}"
        header = self._header_as_read
        if header and fields[0].strip() == header[0] and [f.strip() for f in fields] == header:
            return "repeats the header row (were two files joined?)"
        return None

    def _swallowed(self, fields: list[str], lines: list[str]) -> bool:
        """Did an unclosed quote pull the next rows into this one?"""
        shape = _shape(fields[0])
        if shape == "text":
            return False  # only identifier-like first columns tell rows apart reliably
        for line in lines[1:]:
            parsed = next(csv.reader([line], delimiter=self.delimiter), [])
            if len(parsed) == self.width and _shape(parsed[0]) == shape:
                return True
        return False


_DIGITS = re.compile(r"^\d+$")
_WORDISH = re.compile(r"^[A-Za-z]+[-_]?\d+$")


def _cut_short(number: int, why: str) -> Record:
    return Record(number, None, "", problem=f"the file ends early: {why}; the rows before line {number} were read")


def _unreadable(message: str, limit: int) -> str:
    if "field larger than field limit" in message:
        message = f"a field is longer than {limit:,} characters (the field limit)"
    return f"unreadable CSV: {message}"


def _take(lines: Iterator[str], count: int) -> list[str]:
    return list(itertools.islice(lines, count))


def _skip(lines: Iterator[str], count: int) -> int:
    for _ in itertools.islice(lines, count):
        pass
    return count


def _shape(value: str) -> str:
    """A coarse shape of a first column: identifiers in one export share it."""
    text = value.strip()
    if _DIGITS.match(text):
        return "digits"
    if _WORDISH.match(text):
        return "code"
    return "text"

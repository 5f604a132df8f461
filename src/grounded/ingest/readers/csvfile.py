"""CSV and TSV: dialect sniffing, line-exact raw text, and recovery from broken rows.

Python's csv module does the parsing; this reader feeds it physical lines and remembers
them, so every record knows its first line number and its exact raw text. It quarantines
rows with the wrong number of fields, NUL bytes, undecodable bytes, oversized fields and
repeated header lines. An unclosed quote makes csv swallow the following rows into one
field; when a multi-line record's inner lines parse as rows of their own whose first field
looks like this row's first field, the record is split: the broken line is quarantined
and the rows after it land.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import Any

from grounded.errors import ImportRejected
from grounded.ingest.encoding import Opened, text_stream
from grounded.ingest.readers.base import Record, clip, undecodable

_SNIFF_CHARS = 64 * 1024


class CsvReader:
    def __init__(
        self, opened: Opened, *, delimiter: str | None, header: bool = True, max_field_chars: int = 1_000_000
    ) -> None:
        self.opened = opened
        self.max_field_chars = max_field_chars
        self.notes: list[str] = []
        self.delimiter = delimiter or self._sniff_delimiter()
        self.header = header
        self.columns: list[str] = []
        self._header_as_read: list[str] = []
        self._lines: list[tuple[int, str]] = []
        self._line_number = 0
        self._peek_header()

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
            first = next(csv.reader(stream, delimiter=self.delimiter), None)
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
    def _physical_lines(self, stream: Any) -> Iterator[str]:
        for line in stream:
            self._line_number += 1
            self._lines.append((self._line_number, line))
            yield line.replace("\x00", "") if "\x00" in line else line

    def records(self) -> Iterator[Record]:
        csv.field_size_limit(self.max_field_chars)
        with text_stream(self.opened) as stream:
            parser = csv.reader(self._physical_lines(stream), delimiter=self.delimiter)
            if self.header:
                next(parser, None)
                self._lines.clear()
            while True:
                try:
                    fields = next(parser)
                except StopIteration:
                    break
                except csv.Error as error:
                    yield self._unreadable(str(error))
                    continue
                yield from self._check(fields)

    def _taken(self) -> tuple[int, str, list[tuple[int, str]]]:
        lines, self._lines = self._lines, []
        start = lines[0][0] if lines else self._line_number
        return start, "".join(text for _, text in lines), lines

    def _unreadable(self, message: str) -> Record:
        start, raw, _ = self._taken()
        if "field larger than field limit" in message:
            message = f"a field is longer than {self.max_field_chars:,} characters (the field limit)"
        return Record(start, None, clip(raw), problem=f"unreadable CSV: {message}")

    def _check(self, fields: list[str]) -> Iterator[Record]:
        start, raw, lines = self._taken()
        if not fields:
            return  # a blank line is not a row
        if len(lines) > 1 and self._swallowed(fields, lines):
            yield from self._split(lines)
            return
        yield self._record(start, raw, fields)

    def _record(self, start: int, raw: str, fields: list[str]) -> Record:
        problem = None
        if "\x00" in raw:
            problem = f"contains a NUL byte (\\x00) at character {raw.index(chr(0)) + 1}"
        elif (bad := undecodable(raw, self.opened.encoding or "utf-8")) is not None:
            problem = f"{bad}; give the file's encoding with --encoding if it is not {self.opened.encoding}"
        elif len(fields) != len(self.columns):
            problem = f"has {len(fields)} fields, the header has {len(self.columns)}"
        elif self.header and [f.strip() for f in fields] == self._header_as_read:
            problem = "repeats the header row (were two files joined?)"
        values = dict(zip(self.columns, fields, strict=False)) if problem is None else None
        return Record(start, values, clip(raw), problem=problem)

    def _swallowed(self, fields: list[str], lines: list[tuple[int, str]]) -> bool:
        """Did an unclosed quote pull the next rows into this one?"""
        shape = _shape(fields[0])
        if shape == "text":
            return False  # only identifier-like first columns tell rows apart reliably
        for _, line in lines[1:]:
            parsed = next(csv.reader([line], delimiter=self.delimiter), [])
            if len(parsed) == len(self.columns) and _shape(parsed[0]) == shape:
                return True
        return False

    def _split(self, lines: list[tuple[int, str]]) -> Iterator[Record]:
        first_number, first_line = lines[0]
        yield Record(
            first_number,
            None,
            clip(first_line),
            problem='has an unclosed quote (") that ran into the next rows; those rows were read on their own',
        )
        for number, line in lines[1:]:
            parsed = next(csv.reader([line], delimiter=self.delimiter), [])
            if parsed:
                yield self._record(number, line, parsed)


_DIGITS = re.compile(r"^\d+$")
_WORDISH = re.compile(r"^[A-Za-z]+[-_]?\d+$")


def _shape(value: str) -> str:
    """A coarse shape of a first column: identifiers in one export share it."""
    text = value.strip()
    if _DIGITS.match(text):
        return "digits"
    if _WORDISH.match(text):
        return "code"
    return "text"

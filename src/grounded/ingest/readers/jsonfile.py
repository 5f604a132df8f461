"""JSON Lines (one object per line) and JSON arrays of objects, streamed.

A JSONL line that is not valid JSON, or not an object, is quarantined with its line number
and the lines around it still land. A JSON array is decoded one element at a time; after a
syntax error the rest of the file cannot be told apart, so it is quarantined as one piece
(with the line and column of the error) and everything before it lands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from grounded.core.jsontext import unreadable
from grounded.errors import ImportRejected
from grounded.ingest.encoding import Opened, damage, text_stream
from grounded.ingest.readers.base import CHUNK_ROWS, RAW_LIMIT, Chunk, Record, chunked, clip, undecodable

_CHUNK = 1 << 20


class JsonLinesReader:
    def __init__(self, opened: Opened) -> None:
        self.opened = opened
        self.notes: list[str] = []
        self.columns = self._first_keys()

    def _first_keys(self) -> list[str]:
        with text_stream(self.opened) as stream:
            for line in stream:
                record = _record(0, line, self.opened.encoding or "utf-8")
                if record.values is not None:
                    return [str(key) for key in record.values]
        return []

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        return chunked(self.records(), size)

    def records(self) -> Iterator[Record]:
        with text_stream(self.opened) as stream:
            number = 0
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield _record(number, line, self.opened.encoding or "utf-8")
            if (broken := damage(stream)) is not None:
                yield Record(
                    number + 1, None, "", problem=f"the file ends early: {broken}; the lines before it were read"
                )


def _record(number: int, text: str, encoding: str) -> Record:
    bad = undecodable(text, encoding)
    if bad is not None:
        return Record(number, None, clip(text), problem=bad)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return Record(number, None, clip(text), problem=f"not valid JSON ({error.msg} at column {error.colno})")
    except (RecursionError, ValueError) as error:
        return Record(number, None, clip(text), problem=unreadable(error))
    if not isinstance(value, dict):
        return Record(number, None, clip(text), problem=f"is a JSON {type(value).__name__}, not an object")
    return Record(number, value, text)


class JsonArrayReader:
    def __init__(self, opened: Opened) -> None:
        self.opened = opened
        self.notes: list[str] = []
        self.columns: list[str] = []
        first = next(self.records(), None)
        if first is not None and first.values:
            self.columns = [str(key) for key in first.values]

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        return chunked(self.records(), size)

    def records(self) -> Iterator[Record]:
        decoder = json.JSONDecoder()
        with text_stream(self.opened) as stream:
            window = _Window(stream)
            if not window.take("["):
                raise ImportRejected(f"{self.opened.path.name} is not a JSON array of objects (it should start with [)")
            number = 0
            while True:
                if window.take("]"):
                    return
                if number and not window.take(","):
                    yield window.rest(number + 1, "expected ',' or ']' between elements")
                    return
                number += 1
                decoded = window.decode(decoder)
                if decoded is None:
                    yield window.rest(number, window.error)
                    return
                if isinstance(decoded, BaseException):  # valid JSON that Python cannot hold
                    skipped = window.skip()
                    if skipped is None:
                        yield window.rest(number, unreadable(decoded))
                        return
                    yield Record(number, None, clip(skipped), problem=f"element {number} {unreadable(decoded)}")
                    continue
                yield _element(number, *decoded)


class _Window:
    """A sliding window over a text stream: memory holds one element, not the file."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.buffer, self.position, self.line = stream, "", 0, 1
        self.error = ""

    def _fill(self) -> bool:
        more = self.stream.read(_CHUNK)
        if not more:
            return False
        self.line += self.buffer[: self.position].count("\n")
        self.buffer, self.position = self.buffer[self.position :] + more, 0
        return True

    def _skip_space(self) -> None:
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position].isspace():
                self.position += 1
            if self.position < len(self.buffer) or not self._fill():
                return

    def take(self, char: str) -> bool:
        """Skip white space; consume ``char`` if it comes next."""
        self._skip_space()
        if self.position < len(self.buffer) and self.buffer[self.position] == char:
            self.position += 1
            return True
        return False

    def decode(self, decoder: json.JSONDecoder) -> tuple[Any, str] | BaseException | None:
        """The next value and its text; None after a syntax error (``error`` says where);
        the exception when the value is well formed but too deep or too big for Python."""
        self._skip_space()
        while True:
            try:
                value, end = decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                if self._fill():
                    continue
                line = self.line + self.buffer[: error.pos].count("\n")
                self.error = f"JSON syntax error at line {line} ({error.msg})"
                return None
            except (RecursionError, ValueError) as error:
                return error
            text = self.buffer[self.position : end]
            self.position = end
            return value, text

    def skip(self) -> str | None:
        """Step over the value that starts here without decoding it: its text, or None when
        the file ends inside it."""
        skipper, offset = _Skipper(), 0
        while True:
            end = skipper.end(self.buffer, self.position + offset)
            if end is not None:
                return self._taken(end)
            offset = len(self.buffer) - self.position
            if not self._fill():
                return None

    def _taken(self, end: int) -> str:
        text = self.buffer[self.position : end]
        self.position = end
        return text

    def rest(self, number: int, problem: str) -> Record:
        head = self.buffer[self.position :] + self.stream.read(RAW_LIMIT)
        broken = damage(self.stream)
        if broken is not None:
            problem = f"the file ends early: {broken}"
        return Record(number, None, clip(head), problem=f"{problem}; the rest of the file could not be read")


class _Skipper:
    """Where a JSON value ends, found without decoding it (brackets counted, strings stepped
    over), fed the text piece by piece."""

    def __init__(self) -> None:
        self.depth, self.in_string, self.escaped = 0, False, False

    def end(self, text: str, index: int) -> int | None:
        """The index just past the value, or None if it goes on past ``text``."""
        while index < len(text):
            char = text[index]
            index += 1
            if self.in_string:
                if self._string_ends(char) and self.depth == 0:
                    return index
            elif char == '"':
                self.in_string = True
            elif char in "[{":
                self.depth += 1
            elif char in "]}":
                self.depth -= 1
                if self.depth <= 0:  # below 0: a scalar ended by its array's bracket
                    return index if self.depth == 0 else index - 1
            elif self.depth == 0 and (char == "," or char.isspace()):
                return index - 1
        return None

    def _string_ends(self, char: str) -> bool:
        if self.escaped:
            self.escaped = False
        elif char == "\\":
            self.escaped = True
        elif char == '"':
            self.in_string = False
            return True
        return False


def _element(number: int, value: Any, text: str) -> Record:
    if not isinstance(value, dict):
        return Record(
            number, None, clip(text), problem=f"element {number} is a JSON {type(value).__name__}, not an object"
        )
    return Record(number, value, text)

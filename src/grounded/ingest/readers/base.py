"""What readers produce."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

#: How much of a record's raw text a quarantined row keeps (the rest is summarised).
RAW_LIMIT = 64 * 1024


@dataclass(slots=True)
class Record:
    """One row of input. ``values`` maps column names to values (None when the record could
    not be read at all); ``problem`` says why it cannot be accepted, if it cannot."""

    number: int
    values: dict[str, Any] | None
    raw: str
    problem: str | None = None
    field: str | None = None


class Reader(Protocol):
    #: What the file calls its columns (known after opening, before the first record).
    columns: list[str]
    #: Things worth telling the user that are not about one row (duplicate headers…).
    notes: list[str]

    def records(self) -> Iterator[Record]: ...


def clip(text: str, limit: int = RAW_LIMIT) -> str:
    """Raw text for a quarantined row: whole when small, else its start and its size. NUL
    and undecodable bytes are written as ``\\x00`` and ``\\xE9`` so any database can store it."""
    if len(text) > limit:
        text = f"{text[:limit]}\n… [{len(text) - limit:,} more characters not kept]"
    return _ESCAPES.sub(_escape, text)


_ESCAPES = re.compile("[\x00\udc80-\udcff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return "\\x00" if char == "\x00" else f"\\x{ord(char) - 0xDC00:02X}"


def undecodable(text: str, encoding: str) -> str | None:
    """A description of the first byte that did not decode, or None if all did."""
    for index, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return f"byte 0x{ord(char) - 0xDC00:02X} at character {index + 1} is not valid {encoding}"
    return None


@dataclass
class Notes:
    items: list[str] = field(default_factory=list)

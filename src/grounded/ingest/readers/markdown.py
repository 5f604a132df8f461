"""Interview notes in Markdown: YAML front matter, a body, and ``>`` quotes.

    ---
    id: int-2026-031          # optional; default: the file name
    interviewee: Dana Whitfield
    role: Head of Finance Ops
    email: dana@bluepeak.example  # optional: links the note to the person
    account: ACC-0042         # external id or name
    date: 2026-10-02
    interviewer: Priya
    ---
    # Dana, Bluepeak Logistics
    Context: …
    > "Reporting is fine, honestly."

The note becomes one evidence item; each ``>`` block becomes a quote linked to it. A file
without front matter is quarantined whole, with what to add.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from grounded.errors import ImportRejected
from grounded.ingest.encoding import ESCAPE_BYTES, check_encoding, detect_encoding
from grounded.ingest.readers.base import CHUNK_ROWS, Chunk, Record, chunked, clip, undecodable

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_OPENED = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_HEADING = re.compile(r"^#\s+(.+)$", re.M)
_QUOTE_MARKS = "\"'“”‘’«»"
SUFFIXES = (".md", ".markdown")


class MarkdownReader:
    columns = [
        "id",
        "interviewee",
        "role",
        "email",
        "account",
        "date",
        "interviewer",
        "title",
        "text",
        "quotes",
        "file",
    ]

    def __init__(self, paths: list[Path], *, encoding: str | None) -> None:
        if encoding is not None:
            check_encoding(encoding)
        self.paths = paths
        self.encoding = encoding
        self.notes: list[str] = []

    @classmethod
    def files(cls, paths: list[Path], *, encoding: str | None) -> MarkdownReader:
        return cls(paths, encoding=encoding)

    @classmethod
    def folder(cls, path: Path, *, encoding: str | None) -> MarkdownReader:
        paths = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if not paths:
            raise ImportRejected(
                f"{path} is a folder, read as Markdown interview notes (*.md), and holds none; "
                "to import an export, give the file's path"
            )
        return cls(paths, encoding=encoding)

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        return chunked(self.records(), size)

    def records(self) -> Iterator[Record]:
        for number, path in enumerate(self.paths, start=1):
            yield self._record(number, path)

    def _record(self, number: int, path: Path) -> Record:
        data = path.read_bytes()
        encoding = self.encoding or detect_encoding(data, name=path.name) if data else "utf-8"
        try:
            text = data.decode(encoding, errors=ESCAPE_BYTES)
        except UnicodeError as error:
            return Record(number, None, "", problem=f"{path.name} cannot be read as {encoding} ({error})")
        read = _note(text, encoding)
        if isinstance(read, str):
            return Record(number, None, clip(text), problem=f"{path.name}{read}")
        front, body = read
        return Record(number, _values(front, body, path), text)


def _note(text: str, encoding: str) -> tuple[dict[str, Any], str] | str:
    """The front matter and the body, or what is wrong (to follow the file's name)."""
    bad = undecodable(text, encoding)
    if bad is not None:
        return f": {bad}"
    match = _FRONT.match(text)
    if match is None:
        if _OPENED.match(text):
            return ": its front matter is not closed: end it with a line of ---"
        return (
            " has no front matter: start it with a --- block giving at least date (and interviewee, account, "
            "interviewer)"
        )
    front = _front(match.group(1))
    return front if isinstance(front, str) else (front, text[match.end() :].strip())


def _front(block: str) -> dict[str, Any] | str:
    try:
        front = yaml.safe_load(block)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return f": front matter is not valid YAML{f' at line {mark.line + 2}' if mark else ''}"
    except RecursionError:
        return ": front matter is nested too deeply to read"
    except ValueError as error:  # well-formed YAML that is no real value, such as the date 2026-02-30
        return f": front matter holds a value that is not valid ({error})"
    if not isinstance(front, dict):
        return ": front matter must be key: value lines"
    return front


def _values(front: dict[str, Any], body: str, path: Path) -> dict[str, Any]:
    heading = _HEADING.search(body)
    interviewee = front.get("interviewee")
    title = front.get("title") or (heading.group(1).strip() if heading else None)
    return {
        "id": str(front.get("id") or path.stem),
        "interviewee": interviewee,
        "role": front.get("role"),
        "email": front.get("email"),
        "account": front.get("account"),
        "date": front.get("date"),
        "interviewer": front.get("interviewer"),
        "title": title or (f"Interview with {interviewee}" if interviewee else path.stem),
        "text": body,
        "quotes": quotes(body),
        "file": path.name,
    }


def quotes(body: str) -> list[str]:
    """Each run of ``>`` lines, joined, without the quotation marks around it."""
    found: list[str] = []
    block: list[str] = []
    for line in [*body.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith(">"):
            block.append(stripped.lstrip(">").strip())
            continue
        if block:
            text = " ".join(part for part in block if part).strip().strip(_QUOTE_MARKS).strip()
            if text:
                found.append(text)
            block = []
    return found

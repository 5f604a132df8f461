"""Readers: stream records out of files, one at a time, memory independent of file size.

Every reader yields ``Record``s numbered by where they start in the file. A record it
cannot read comes out with a ``problem`` (and its raw text) instead of being skipped, so
the pipeline can quarantine it: accepted + quarantined = rows read, always.
"""

from __future__ import annotations

from pathlib import Path

from grounded.errors import ImportRejected
from grounded.ingest.encoding import sniff
from grounded.ingest.readers.base import Reader, Record
from grounded.ingest.readers.csvfile import CsvReader
from grounded.ingest.readers.jsonfile import JsonArrayReader, JsonLinesReader
from grounded.ingest.readers.markdown import MarkdownReader
from grounded.ingest.readers.parquetfile import ParquetReader

__all__ = ["Reader", "Record", "estimate_rows", "open_reader"]


def open_reader(
    path: Path,
    *,
    format_: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    max_field_chars: int = 1_000_000,
) -> Reader:
    """The reader for ``path`` (a file, or a folder of Markdown notes)."""
    if path.is_dir():
        return MarkdownReader.folder(path, encoding=encoding)
    opened = sniff(path, format_=format_, encoding=encoding)
    if opened.format in ("csv", "tsv"):
        return CsvReader(
            opened,
            delimiter="\t" if opened.format == "tsv" and not delimiter else delimiter,
            header=header,
            max_field_chars=max_field_chars,
        )
    if opened.format == "jsonl":
        return JsonLinesReader(opened)
    if opened.format == "json":
        return JsonArrayReader(opened)
    if opened.format == "parquet":
        return ParquetReader(opened)
    if opened.format == "markdown":
        return MarkdownReader.files([path], encoding=opened.encoding)
    raise ImportRejected(f"cannot read {opened.format} files")


def estimate_rows(path: Path) -> int | None:
    """About how many rows ``path`` holds, for a progress bar (None when it cannot tell
    cheaply). Lines are counted for text files, so a file with multi-line fields is
    over-estimated a little."""
    if path.is_dir():
        return sum(1 for p in path.iterdir() if p.suffix.lower() in (".md", ".markdown"))
    opened = sniff(path)
    if opened.format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (pa.ArrowException, OSError):
            return None  # not readable: the reader says so, with the file's name
    if opened.format == "markdown":
        return 1
    from grounded.ingest.encoding import open_bytes

    lines = 0
    with open_bytes(path, opened.compressed) as stream:
        for chunk in iter(lambda: stream.read(1 << 22), b""):
            lines += chunk.count(b"\n")
    return max(lines - (1 if opened.format in ("csv", "tsv") else 0), 1)

"""Opening an input file: decompression, what kind of file it really is, and its encoding.

Magic bytes win over file names: a Parquet file named .csv is read as Parquet, and a zip
(say an .xlsx) named .csv is refused with a message saying what it is. Text encodings are
detected from a byte-order mark, then from the shape of the first megabyte: UTF-16 has a
NUL in every other byte, UTF-8 decodes cleanly, anything else is read as Windows-1252
(Latin-1 where 1252 has holes). ``--encoding`` overrides all of this.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from grounded.errors import ImportRejected

SAMPLE_BYTES = 1 << 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Formats recognised by their first bytes, and what to say about the ones we cannot read.
_MAGIC = (
    (b"PAR1", "parquet", None),
    (b"PK\x03\x04", None, "a zip archive (an Excel .xlsx workbook?); export it as CSV first"),
    (b"%PDF", None, "a PDF document"),
    (b"\x89PNG", None, "a PNG image"),
    (b"\xff\xd8\xff", None, "a JPEG image"),
    (b"SQLite format 3\x00", None, "a SQLite database; to move a workspace use grounded import-workspace"),
    (b"\xd0\xcf\x11\xe0", None, "an old Office document (.xls?); export it as CSV first"),
)
FORMATS = ("csv", "tsv", "json", "jsonl", "parquet", "markdown")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".md": "markdown",
    ".markdown": "markdown",
}


@dataclass(frozen=True)
class Opened:
    """What a file turned out to be."""

    path: Path
    format: str
    compressed: bool
    encoding: str | None  # None for binary formats (Parquet)


#: The decoding error handler of every text grounded reads: each byte that does not decode
#: becomes the lone surrogate U+DC00 + byte, so the row holding it is quarantined with the
#: byte and its place (``readers.base.undecodable``). Python's own ``surrogateescape`` does
#: this for bytes from 0x80 only, and raises on others, such as a UTF-16 file's odd last byte.
ESCAPE_BYTES = "grounded-escape"


def _escape_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start : error.end]), error.end


codecs.register_error(ESCAPE_BYTES, _escape_bytes)


def sniff(path: Path, *, format_: str | None = None, encoding: str | None = None) -> Opened:
    """Decide format, compression and encoding, or refuse the file with the reason."""
    if format_ is not None:
        given, format_ = format_, format_.strip().lower()
        if format_ not in FORMATS:
            raise ImportRejected(f"--format {given!r} is not a format grounded reads: give one of {', '.join(FORMATS)}")
    _check_regular(path)
    with path.open("rb") as raw:
        head = raw.read(4)
    compressed = head[:2] == b"\x1f\x8b"
    with open_bytes(path, compressed) as stream:
        sample = stream.read(SAMPLE_BYTES)
    if not sample:
        raise ImportRejected(f"{path.name} is empty: there is nothing to import")
    detected = _magic(path, sample)
    if detected == "parquet":
        if compressed:
            raise ImportRejected(f"{path.name} is a gzipped Parquet file; Parquet compresses itself, gunzip it first")
        return Opened(path, "parquet", False, None)
    chosen = format_ or _format_from_name(path)
    if chosen == "parquet":
        raise ImportRejected(f"{path.name} is named or given as Parquet but is not one (no PAR1 header)")
    if encoding is None:
        return Opened(path, chosen, compressed, detect_encoding(sample, name=path.name))
    check_encoding(encoding)
    try:  # as text_stream will read it; a sample that stops inside a character may end so
        decoder = codecs.getincrementaldecoder(encoding)(errors=ESCAPE_BYTES)
        decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
    except UnicodeError as error:
        raise ImportRejected(
            f"{path.name} cannot be read as {encoding} ({error}); leave the encoding out to have it detected"
        ) from error
    return Opened(path, chosen, compressed, encoding)


def check_encoding(name: str) -> None:
    """Refuse an encoding Python does not know, or one that is not for text (rot13, base64)."""
    try:
        known = codecs.lookup(name)
    except LookupError:
        raise ImportRejected(f"unknown encoding {name!r}: give one such as utf-8, latin-1, cp1252 or utf-16") from None
    if not getattr(known, "_is_text_encoding", True):
        raise ImportRejected(f"{name!r} is not a text encoding: give one such as utf-8, latin-1, cp1252 or utf-16")


def _magic(path: Path, sample: bytes) -> str | None:
    for magic, fmt, refusal in _MAGIC:
        if sample.startswith(magic):
            if refusal:
                raise ImportRejected(f"{path.name} is {refusal}, not a text export")
            return fmt
    return None


def _check_regular(path: Path) -> None:
    """Refuse anything but a regular file, saying what it is: a file read as it is written
    (a named pipe, a device) cannot be read twice, and an import reads its file twice (its
    hash, then its rows)."""
    if path.is_file():
        return
    if not path.exists():
        if path.is_symlink():
            raise ImportRejected(f"{path} is a symbolic link that leads nowhere (to a missing file, or round a loop)")
        raise ImportRejected(f"{path} does not exist")
    raise ImportRejected(
        f"{path} is not a regular file (a named pipe, a device or a socket): save the export to a file and import that"
    )


def _format_from_name(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    for suffix in reversed(suffixes):
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
    raise ImportRejected(f"cannot tell the format of {path.name} from its name; pass --format ({', '.join(FORMATS)})")


def open_bytes(path: Path, compressed: bool) -> BinaryIO:
    if compressed:
        return io.BufferedReader(_Gunzip(path), buffer_size=1 << 16)
    return path.open("rb")


class _Gunzip(io.RawIOBase):
    """A gzip stream that ends where its data is damaged or cut short instead of raising,
    and says why in ``damage``: the rows before that point are read, and the reader
    reports the rest as one quarantined piece."""

    def __init__(self, path: Path) -> None:
        self._file = gzip.open(path, "rb")  # noqa: SIM115  (closed in close())
        self.damage: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.damage is not None:
            return 0
        try:  # read1: a piece at a time, so the data before a fault is handed over first
            data = self._file.read1(len(buffer))
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
            self.damage = f"the compressed data is damaged or cut short ({error})"
            return 0
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def damage(stream: Any) -> str | None:
    """Why a stream from text_stream/open_bytes ended early, if it did."""
    for _ in range(3):
        if isinstance(stream, _Gunzip):
            return stream.damage
        stream = getattr(stream, "buffer", None) or getattr(stream, "raw", None)
    return None


def detect_encoding(sample: bytes, *, name: str) -> str:
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if _looks_binary(sample):
        raise ImportRejected(f"{name} looks like a binary file, not text (many control bytes in its first megabyte)")
    if _utf8(sample):
        return "utf-8"
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _utf8(sample: bytes) -> bool:
    """UTF-8, allowing a character cut by the sample's end and a few stray bytes (the rows
    holding those are quarantined with the byte named)."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(sample) - 3 or _mostly_utf8(sample)
    return True


def _utf16_without_bom(sample: bytes) -> str | None:
    window = sample[:4096]
    if len(window) < 4:
        return None
    even_nuls = window[0::2].count(0) / (len(window) / 2)
    odd_nuls = window[1::2].count(0) / (len(window) / 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _looks_binary(sample: bytes) -> bool:
    window = sample[:65536]
    control = sum(1 for byte in window if byte < 9 or 13 < byte < 32)
    return control / len(window) > 0.1


def _mostly_utf8(sample: bytes) -> bool:
    text = sample.decode("utf-8", errors="replace")
    return text.count("\ufffd") <= max(3, len(text) // 10_000)


def text_stream(opened: Opened) -> io.TextIOWrapper:
    """The file as text with line endings untouched (\\n, \\r\\n and lone \\r all end a line).
    Undecodable bytes survive as lone surrogates so the row holding them can be quarantined."""
    assert opened.encoding is not None
    return io.TextIOWrapper(
        open_bytes(opened.path, opened.compressed), encoding=opened.encoding, errors=ESCAPE_BYTES, newline=""
    )

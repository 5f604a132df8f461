"""The CSV fast path (pyarrow, see readers.csvfast) reads exactly what the Python reader
reads: every record's line number, values, raw text and problem, on every kind of bad
input, wherever the pieces are cut, and it is really used where the file is clean."""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grounded.errors import ImportRejected
from grounded.ingest.encoding import sniff
from grounded.ingest.readers import csvfast
from grounded.ingest.readers.csvfile import CsvReader
from tests.ingest.conftest import ZENDESK_HEADER, abc_csv, zendesk_row

Seen = list[tuple[int, Any, str | None, str | None]]


def _read(path: Path, *, fast: bool, max_field_chars: int = 1_000_000) -> Seen:
    reader = CsvReader(sniff(path, format_="csv"), delimiter=None, fast=fast, max_field_chars=max_field_chars)
    return [(r.number, r.values, r.raw, r.problem) for r in reader.records()]


@pytest.fixture(params=[1 << 22, 97, 1], ids=["one piece", "97-byte pieces", "1-byte pieces"])
def piece(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(csvfast, "PIECE_BYTES", request.param)
    return int(request.param)


def _rows(count: int, start: int = 1) -> str:
    return "".join(zendesk_row(n) for n in range(start, start + count))


UNCLOSED = '2,Subject 2,"This quote never closes,2026-11-02T09:15:00Z,Dana,dana@x.example,Bluepeak,open,high,\n'
CORPUS: dict[str, str | bytes] = {
    "clean": ZENDESK_HEADER + _rows(30),
    "clean, no final line end": (ZENDESK_HEADER + _rows(5)).rstrip("\n"),
    "crlf": (ZENDESK_HEADER + _rows(12)).replace("\n", "\r\n"),
    "crlf with a quoted line break": (
        ZENDESK_HEADER + _rows(3) + zendesk_row(4, text="two\nlines") + _rows(3, 5)
    ).replace("\n", "\r\n"),
    "lone cr line ends": (ZENDESK_HEADER + _rows(4)).replace("\n", "\r"),
    "a lone cr inside a quoted field": ZENDESK_HEADER + _rows(3) + zendesk_row(4, text="a\rb") + _rows(3, 5),
    "unclosed quote": ZENDESK_HEADER + _rows(20) + UNCLOSED + _rows(10, 22),
    "ragged rows": ZENDESK_HEADER
    + _rows(10)
    + "11,too,few\n"
    + zendesk_row(12).rstrip("\n")
    + ",extra\n"
    + _rows(5, 13),
    "repeated header": ZENDESK_HEADER + _rows(8) + ZENDESK_HEADER + _rows(8, 9),
    "blank lines": ZENDESK_HEADER + _rows(6) + "\n\n" + _rows(6, 7),
    "nul byte": ZENDESK_HEADER + _rows(9) + zendesk_row(10, text="bad\x00byte") + _rows(4, 11),
    "quotes after a closing quote and inside fields": ZENDESK_HEADER
    + _rows(3)
    + '4,Sub"ject,"quoted"tail,2026-11-02T09:15:00Z,Dana,dana@x.example,"Blue""peak",open,high,"a"\n'
    + _rows(3, 5),
    "an odd quote at the end of an unterminated last line": ZENDESK_HEADER + _rows(3) + '4,a,"b',
    "header only": ZENDESK_HEADER,
    "bom": codecs.BOM_UTF8 + (ZENDESK_HEADER + _rows(5)).encode(),
    "bom in the middle (two files joined)": (ZENDESK_HEADER + _rows(3)).encode()
    + codecs.BOM_UTF8
    + (ZENDESK_HEADER + _rows(3, 4)).encode(),
    "invalid utf-8": (ZENDESK_HEADER + _rows(30)).encode() + zendesk_row(31).encode().replace(b"Ticket", b"Tick\xe9t"),
    "non-ascii": ZENDESK_HEADER + "".join(zendesk_row(n, text="Grüße aus Köln, 𝄞") for n in range(1, 20)),
    "cp1252": (ZENDESK_HEADER + zendesk_row(1, text="Crème brûlée") + _rows(3, 2)).encode("cp1252"),
    "semicolons": (ZENDESK_HEADER + _rows(6)).replace(",", ";"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_fast_and_python_readers_read_the_bad_input_corpus_alike(name: str, piece: int, tmp_path: Path) -> None:
    content = CORPUS[name]
    path = tmp_path / "t.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    slow = _read(path, fast=False)
    assert slow or name == "header only"
    assert _read(path, fast=True) == slow


def test_a_field_over_the_limit_is_found_by_either_path(piece: int, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(ZENDESK_HEADER + _rows(3) + zendesk_row(4, text="x" * 5000) + _rows(3, 5), encoding="utf-8")
    slow = _read(path, fast=False, max_field_chars=4096)
    assert [problem for *_, problem in slow if problem] == [
        "unreadable CSV: a field is longer than 4,096 characters (the field limit)"
    ]
    assert _read(path, fast=True, max_field_chars=4096) == slow


def test_a_clean_file_is_read_by_pyarrow_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text((ZENDESK_HEADER + _rows(1200)).replace("\n", "\r\n"), encoding="utf-8")
    reader = CsvReader(sniff(path), delimiter=None)
    found = reader._fast_plan()
    assert found is not None
    assert found.lines_before == 1
    chunks = list(csvfast.fast_chunks(found, 500, piece_bytes=40_000))
    assert all(not isinstance(chunk, int) for chunk in chunks)  # no piece handed to Python
    sizes = [len(chunk.rows) for chunk in chunks if not isinstance(chunk, int)]
    assert sum(sizes) == 1200
    assert max(sizes) <= 500
    assert len(sizes) > 3  # several pieces
    records = [r for chunk in chunks if not isinstance(chunk, int) for r in chunk.records(reader.columns)]
    assert [r.number for r in records] == list(range(2, 1202))
    assert records[0].values is not None
    assert records[0].values["Description"] == "Ticket body number 1, about weekly reports"
    assert records[-1].raw == zendesk_row(1200).replace("\n", "\r\n")


def test_records_on_several_lines_stay_on_the_fast_path(tmp_path: Path) -> None:
    """Descriptions with line breaks in them (as help-desk exports have): pyarrow reads
    them, and each row keeps the line it starts on and all its lines as raw text."""
    path = tmp_path / "t.csv"
    rows = "".join(zendesk_row(n, text=f"Hello,\r\nline two of {n}\r\n\r\nThanks") for n in range(1, 301))
    path.write_text(
        ZENDESK_HEADER.replace("\n", "\r\n") + rows.replace(",reporting\n", ",reporting\r\n"), encoding="utf-8"
    )
    reader = CsvReader(sniff(path), delimiter=None)
    found = reader._fast_plan()
    assert found is not None
    chunks = list(csvfast.fast_chunks(found, 500, piece_bytes=10_000))
    assert all(not isinstance(chunk, int) for chunk in chunks)
    records = [r for chunk in chunks if not isinstance(chunk, int) for r in chunk.records(reader.columns)]
    assert [r.number for r in records] == list(range(2, 2 + 4 * 300, 4))
    assert records[1].raw == zendesk_row(2, text="Hello,\r\nline two of 2\r\n\r\nThanks").replace("g\n", "g\r\n")
    assert records[1].values is not None
    assert records[1].values["Description"] == "Hello,\r\nline two of 2\r\n\r\nThanks"
    assert [(r.number, r.values, r.raw, r.problem) for r in records] == _read(path, fast=False)


def test_the_python_reader_takes_over_at_the_first_piece_that_is_not_plain(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(ZENDESK_HEADER + _rows(100) + UNCLOSED + _rows(50, 102), encoding="utf-8")
    reader = CsvReader(sniff(path), delimiter=None)
    found = reader._fast_plan()
    assert found is not None
    items = list(csvfast.fast_chunks(found, 500, piece_bytes=2000))
    handed_over = items[-1]
    assert isinstance(handed_over, int)
    read_fast = sum(len(item.rows) for item in items if not isinstance(item, int))
    assert handed_over == 1 + read_fast  # the header and the rows read so far
    assert 0 < read_fast < 101


def test_compressed_and_other_encodings_are_left_to_python(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes((ZENDESK_HEADER + _rows(3)).encode("utf-16"))
    assert CsvReader(sniff(path), delimiter=None)._fast_plan() is None
    multi = tmp_path / "m.csv"
    multi.write_text('"Id\nx",Subject\n1,a\n', encoding="utf-8")  # a header on two lines
    assert CsvReader(sniff(multi), delimiter=None)._fast_plan() is None


csv_cells = st.text(alphabet=st.sampled_from(list('ab ,;"\n\r\té\x00\ufeff')), max_size=12)


@given(
    rows=st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=30),
    raw_tail=st.text(alphabet=st.sampled_from(list('ab,"\n\r')), max_size=20),
    piece_bytes=st.sampled_from([1, 5, 64, 1 << 20]),
    header=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_any_csv_reads_the_same_on_both_paths(
    rows: list[list[str]], raw_tail: str, piece_bytes: int, header: bool
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "t.csv"
        path.write_bytes(abc_csv(rows, raw_tail))
        original = csvfast.PIECE_BYTES
        csvfast.PIECE_BYTES = piece_bytes
        try:
            seen = []
            for fast in (False, True):
                try:
                    reader = CsvReader(
                        sniff(path, format_="csv", encoding="utf-8"), delimiter=",", fast=fast, header=header
                    )
                except ImportRejected:
                    return
                seen.append([(r.number, r.values, r.raw, r.problem) for r in reader.records()])
        finally:
            csvfast.PIECE_BYTES = original
    assert seen[0] == seen[1]


well_formed_cells = st.text(alphabet=st.sampled_from(list('ab ,"\né')), max_size=12)


@given(
    rows=st.lists(st.lists(well_formed_cells, min_size=3, max_size=3), max_size=30),
    piece_bytes=st.sampled_from([7, 40, 200, 1 << 20]),
    crlf=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_well_formed_csv_with_quotes_and_line_breaks_reads_the_same(
    rows: list[list[str]], piece_bytes: int, crlf: bool
) -> None:
    """The files the fast path takes (quoted fields, line breaks in them, CRLF or LF),
    cut into pieces anywhere: the same records as Python's csv, line numbers and raw text
    included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["a", "b", "c"])
    for row in rows:
        writer.writerow(row)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "t.csv"
        path.write_bytes(buffer.getvalue().encode("utf-8"))
        original = csvfast.PIECE_BYTES
        csvfast.PIECE_BYTES = piece_bytes
        try:
            seen = [
                [(r.number, r.values, r.raw, r.problem) for r in reader.records()]
                for reader in (
                    CsvReader(sniff(path, format_="csv", encoding="utf-8"), delimiter=",", fast=fast)
                    for fast in (False, True)
                )
            ]
        finally:
            csvfast.PIECE_BYTES = original
    assert seen[0] == seen[1]

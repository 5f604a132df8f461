"""Every kind of bad input the issue names: a clear message or a quarantined row, and every
good row around it still lands."""

from __future__ import annotations

import codecs
import gzip
import json
import os
from pathlib import Path

import pytest

from grounded.errors import ImportRejected
from grounded.ingest import mapping as mappings
from tests.ingest.conftest import ZENDESK_HEADER, Importer, Write, counts_add_up, zendesk_row


def _reasons(importer: Importer) -> dict[int, str]:
    return {row.row_number: row.reason for row in importer.quarantined()}


def test_an_unbalanced_quote_quarantines_its_row_and_the_rows_after_it_land(importer: Importer, file: Write) -> None:
    broken = '2,Subject 2,"This quote never closes,2026-11-02T09:15:00Z,Dana,dana@x.example,Bluepeak,open,high,\n'
    path = file("t.csv", ZENDESK_HEADER + zendesk_row(1) + broken + zendesk_row(3) + zendesk_row(4) + zendesk_row(5))
    report = importer(path)
    counts_add_up(report)
    assert [e.external_id for e in importer.evidence()] == ["1", "3", "4", "5"]
    assert "unclosed quote" in _reasons(importer)[3]


def test_ragged_rows_are_quarantined(importer: Importer, file: Write) -> None:
    path = file("t.csv", ZENDESK_HEADER + zendesk_row(1) + "2,too,few\n" + zendesk_row(3).rstrip("\n") + ",extra\n")
    report = importer(path)
    counts_add_up(report)
    assert report.counts.new_count == 1
    assert _reasons(importer) == {3: "has 3 fields, the header has 10", 4: "has 11 fields, the header has 10"}


def test_a_missing_header_row_is_refused_naming_the_columns_it_saw(lite_importer: Importer, file: Write) -> None:
    path = file("t.csv", zendesk_row(1) + zendesk_row(2))
    with pytest.raises(ImportRejected, match=r"has no column 'Id' \(for external_id\).*Its columns are: 1, Subject 1"):
        lite_importer(path)


def test_duplicated_header_names_and_a_repeated_header_row(lite_importer: Importer, file: Write) -> None:
    header = ZENDESK_HEADER.replace("Tags", "Status")
    path = file("t.csv", header + zendesk_row(1) + header + zendesk_row(2))
    report = lite_importer(path)
    counts_add_up(report)
    assert report.counts.new_count == 2
    assert any("repeats the header name 'Status'" in note for note in report.notes)
    assert _reasons(lite_importer) == {3: "repeats the header row (were two files joined?)"}


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("latin-1", b""),
        ("cp1252", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-8", codecs.BOM_UTF8),
    ],
)
def test_encodings_and_byte_order_marks(lite_importer: Importer, file: Write, encoding: str, bom: bytes) -> None:
    text = ZENDESK_HEADER + zendesk_row(1, text="Crème brûlée reports, Zürich office") + zendesk_row(2)
    path = file("t.csv", bom + text.encode(encoding))
    report = lite_importer(path)
    assert report.counts.new_count == 2
    assert lite_importer.evidence()[0].text == "Crème brûlée reports, Zürich office"


def test_a_utf16_file_with_an_odd_last_byte_keeps_its_rows(lite_importer: Importer, file: Write) -> None:
    text = ZENDESK_HEADER + zendesk_row(1) + zendesk_row(2)
    path = file("t.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le") + b"A")
    report = lite_importer(path)
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count) == (2, 1)
    assert _reasons(lite_importer)[4].startswith("byte 0x41 at character 1 is not valid utf-16")


def test_crlf_and_lone_cr_line_endings(lite_importer: Importer, file: Write) -> None:
    rows = ZENDESK_HEADER + zendesk_row(1, text="two\nlines") + zendesk_row(2) + zendesk_row(3)
    for name, ending in (("crlf.csv", "\r\n"), ("cr.csv", "\r")):
        report = lite_importer(
            file(name, rows.replace("\n", ending)),
            mappings.Mapping.model_validate({**mappings.preset("zendesk").model_dump(), "source": name}),
        )
        assert (report.counts.new_count, report.counts.quarantined_count) == (3, 0)
    assert {e.text for e in lite_importer.evidence(external_id="1")} == {"two\r\nlines", "two\rlines"}


def test_nul_bytes_quarantine_their_row(lite_importer: Importer, file: Write) -> None:
    path = file("t.csv", ZENDESK_HEADER + zendesk_row(1) + zendesk_row(2, text="bad\x00byte") + zendesk_row(3))
    report = lite_importer(path)
    counts_add_up(report)
    assert [e.external_id for e in lite_importer.evidence()] == ["1", "3"]
    assert _reasons(lite_importer)[3].startswith("contains a NUL byte")


def test_invalid_bytes_in_a_utf8_file_quarantine_their_row(lite_importer: Importer, file: Write) -> None:
    good = (ZENDESK_HEADER + "".join(zendesk_row(n, text="Grüße aus Köln") for n in range(1, 40))).encode()
    path = file("t.csv", good + zendesk_row(40).encode().replace(b"Ticket", b"Tick\xe9t"))
    report = lite_importer(path)
    assert (report.counts.new_count, report.counts.quarantined_count) == (39, 1)
    assert "byte 0xE9" in _reasons(lite_importer)[41]


def test_a_50_mb_field_is_quarantined_and_the_rest_lands(lite_importer: Importer, file: Write) -> None:
    huge = "x" * 50_000_000
    path = file("t.csv", ZENDESK_HEADER + zendesk_row(1) + zendesk_row(2, text=huge) + zendesk_row(3))
    report = lite_importer(path)
    counts_add_up(report)
    assert [e.external_id for e in lite_importer.evidence()] == ["1", "3"]
    quarantined = lite_importer.quarantined()[0]
    assert "longer than 1,000,000 characters" in quarantined.reason
    assert len(quarantined.raw) < 70_000  # the raw text is kept in part, with its size


def test_an_empty_file_and_a_binary_one_are_refused(lite_importer: Importer, file: Write) -> None:
    with pytest.raises(ImportRejected, match="is empty"):
        lite_importer(file("empty.csv", ""))
    with pytest.raises(ImportRejected, match="zip archive"):
        lite_importer(file("book.csv", b"PK\x03\x04" + bytes(range(256)) * 50))
    with pytest.raises(ImportRejected, match="binary file"):
        lite_importer(file("noise.csv", bytes(range(32)) * 1000))


def test_what_is_not_a_regular_file_is_refused_saying_what_it_is(lite_importer: Importer, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match=r"missing\.csv does not exist$"):
        lite_importer(tmp_path / "missing.csv")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # read as written: an import reads its file twice (hash, then rows)
    with pytest.raises(ImportRejected, match=r"pipe\.csv is not a regular file \(a named pipe"):
        lite_importer(pipe)
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    for name in ("loop.csv", "dangling.csv"):
        with pytest.raises(ImportRejected, match=f"{name} is a symbolic link that leads nowhere"):
            lite_importer(tmp_path / name)
    folder = tmp_path / "tickets.csv"
    folder.mkdir()  # a folder is read as interview notes
    with pytest.raises(ImportRejected, match=r"tickets\.csv is a folder, read as Markdown interview notes"):
        lite_importer(folder)
    assert lite_importer.evidence() == []


def test_a_format_grounded_does_not_read_is_refused_naming_those_it_does(lite_importer: Importer, file: Write) -> None:
    exported = file("t.csv", ZENDESK_HEADER + zendesk_row(1))
    for wrong in ("xml", "XML"):
        with pytest.raises(
            ImportRejected, match=f"--format '{wrong}' is not a format grounded reads: give one of csv, tsv"
        ):
            lite_importer(exported, format=wrong)
    assert lite_importer.evidence() == []
    assert lite_importer(exported, format=" CSV").counts.new_count == 1  # the same file, a format it reads


def test_json_with_the_wrong_types(lite_importer: Importer, file: Write) -> None:
    rows = [
        {"Id": 1, "Subject": "Fine", "Description": "A good one", "Created at": "2026-11-02T09:00:00Z"},
        {"Id": 2, "Subject": "Object", "Description": {"nested": True}, "Created at": "2026-11-02T09:00:00Z"},
        {"Id": 3, "Subject": ["a", "list"], "Description": "text", "Created at": "2026-11-02T09:00:00Z"},
        {"Id": 4, "Subject": "Number date", "Description": "epoch", "Created at": 1793955600},
        {"Id": 5, "Subject": "Bool date", "Description": "no", "Created at": True},
        "not an object",
    ]
    report = lite_importer(file("t.json", json.dumps(rows)))
    counts_add_up(report)
    assert [e.external_id for e in lite_importer.evidence()] == ["1", "4"]
    assert _reasons(lite_importer) == {
        2: "text: expected text, got an object",
        3: "title: expected text, got a list",
        5: "occurred_at: expected a date, got true/false",
        6: "element 6 is a JSON str, not an object",
    }


def test_jsonl_with_one_broken_line_in_the_middle(importer: Importer, file: Write) -> None:
    line = '{{"Id": {n}, "Subject": "S{n}", "Description": "Body {n}", "Created at": "2026-11-02T09:00:00Z"}}\n'
    text = "".join(line.format(n=n) for n in range(1, 4)) + '{"Id": 4, "Subject": "broken\n' + line.format(n=5)
    report = importer(file("t.jsonl", text))
    counts_add_up(report)
    assert [e.external_id for e in importer.evidence()] == ["1", "2", "3", "5"]
    assert _reasons(importer)[4].startswith("not valid JSON")


def test_a_broken_json_array_keeps_what_came_before(lite_importer: Importer, file: Write) -> None:
    good = json.dumps({"Id": 1, "Subject": "S", "Description": "D", "Created at": "2026-11-02"})
    report = lite_importer(file("t.json", f'[{good}, {{"Id": 2, "Subject": oops}}, {good}]'))
    counts_add_up(report)
    assert report.counts.new_count == 1
    assert "JSON syntax error at line 1" in _reasons(lite_importer)[2]


def test_json_too_deep_or_with_too_long_a_number_is_quarantined_and_the_rest_lands(
    lite_importer: Importer, file: Write
) -> None:
    def good(n: int) -> str:
        return json.dumps({"Id": n, "Subject": f"S{n}", "Description": f"Body {n}", "Created at": "2026-11-02"})

    deep = "[" * 100_000 + "]" * 100_000
    deep_inside = '{"Id": 3, "Subject": "s", "Description": ' + deep + ', "Created at": "2026-11-02"}'
    long_number = '{"Id": 5, "Subject": "s", "Description": ' + "7" * 5000 + ', "Created at": "2026-11-02"}'
    elements = [good(1), deep, deep_inside, good(4), long_number, "9" * 5000, good(7)]
    report = lite_importer(file("t.json", "[" + ", ".join(elements) + "]"))
    counts_add_up(report)
    assert [e.external_id for e in lite_importer.evidence()] == ["1", "4", "7"]
    reasons = _reasons(lite_importer)
    assert sorted(reasons) == [2, 3, 5, 6]
    assert reasons[2].startswith("element 2 is nested too deeply to read")
    assert reasons[3].startswith("element 3 is nested too deeply to read")
    assert reasons[5].startswith("element 5 holds a number too long to read")
    assert reasons[6].startswith("element 6 holds a number too long to read")

    lines = [good(1), deep, good(3), long_number, good(5)]
    report = lite_importer(file("t.jsonl", "\n".join(lines) + "\n"))
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count) == (2, 2)  # 1 is unchanged
    reasons = _reasons(lite_importer)
    assert reasons[2].startswith("is nested too deeply to read")
    assert reasons[4].startswith("holds a number too long to read")


def test_a_json_array_cut_inside_a_too_deep_element_keeps_what_came_before(
    lite_importer: Importer, file: Write
) -> None:
    good = json.dumps({"Id": 1, "Subject": "S", "Description": "D", "Created at": "2026-11-02"})
    report = lite_importer(file("t.json", f"[{good}, " + "[" * 5000))
    counts_add_up(report)
    assert report.counts.new_count == 1
    assert "the rest of the file could not be read" in _reasons(lite_importer)[2]


def test_markdown_without_front_matter_is_quarantined_whole(importer: Importer, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text('---\ninterviewee: Dana\ndate: 2026-10-02\n---\nReporting is fine.\n> "It is fine."\n')
    (notes / "b.md").write_text("# Just a note\nNo front matter here.\n")
    report = importer(notes, "interviews")
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count, report.quotes) == (1, 1, 1)
    assert "b.md has no front matter" in _reasons(importer)[2]


def test_markdown_with_an_impossible_date_deep_or_unclosed_front_matter(importer: Importer, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text('---\ninterviewee: Dana\ndate: 2026-10-02\n---\nReporting is fine.\n> "It is fine."\n')
    (notes / "b.md").write_text("---\ninterviewee: Cy\ndate: 2026-02-30\n---\nBody\n")
    (notes / "c.md").write_text("---\nx: " + "[" * 3000 + "]" * 3000 + "\n---\nBody\n")
    (notes / "d.md").write_text("---\ninterviewee: Eve\ndate: 2026-10-03\nBody without the closing line\n")
    (notes / "e.md").write_text("---\ninterviewee: Fay\ndate: 2026-10-04\n---\nAlso fine.\n")
    report = importer(notes, "interviews")
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count, report.quotes) == (2, 3, 1)
    reasons = _reasons(importer)
    assert reasons[2] == "b.md: front matter holds a value that is not valid (day is out of range for month)"
    assert reasons[3] == "c.md: front matter is nested too deeply to read"
    assert reasons[4] == "d.md: its front matter is not closed: end it with a line of ---"
    assert sorted(e.external_id for e in importer.evidence() if e.kind == "interview_note") == ["a", "e"]


def test_markdown_notes_in_an_encoding_they_are_not_in_are_quarantined_each(importer: Importer, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("---\ninterviewee: Dana\ndate: 2026-10-02\n---\nFine.\n")
    (notes / "b.md").write_text("---\ninterviewee: Cy\ndate: 2026-10-03\n---\nAlso fine.\n")
    report = importer(notes, "interviews", encoding="utf-32")
    counts_add_up(report)
    assert (report.counts.new_count, report.counts.quarantined_count) == (0, 2)
    assert _reasons(importer)[1] == "a.md: byte 0x2D at character 1 is not valid utf-32"
    with pytest.raises(ImportRejected, match="unknown encoding 'klingon'"):
        importer(notes, "interviews", encoding="klingon")


def test_dates_in_three_formats_and_time_zones(importer: Importer, file: Write) -> None:
    mapping = mappings.Mapping.model_validate(
        {
            **mappings.preset("zendesk").model_dump(),
            "fields": {
                **mappings.preset("zendesk").fields,
                "occurred_at": {"column": "Created at", "timezone": "Europe/Berlin"},
            },
        }
    )
    rows = [
        zendesk_row(1, when="2026-07-01T10:00:00+02:00"),
        zendesk_row(2, when="2026-07-01 10:00:00"),
        zendesk_row(3, when="2026-07-01T08:00:00Z"),
        zendesk_row(4, when="1782892800"),
        zendesk_row(5, when="13/07/2026 10:00"),
        zendesk_row(6, when="01/07/2026 10:00"),
    ]
    report = importer(file("t.csv", ZENDESK_HEADER + "".join(rows)), mapping)
    assert report.counts.new_count == 6
    stamps = {e.external_id: e.occurred_at.isoformat() for e in importer.evidence()}
    assert stamps["1"] == stamps["2"] == stamps["3"] == "2026-07-01T08:00:00+00:00"  # 10:00 Berlin summer time
    assert stamps["4"] == "2026-07-01T08:00:00+00:00"  # epoch seconds are UTC
    assert stamps["5"] == "2026-07-13T08:00:00+00:00"
    assert stamps["6"] == "2026-07-01T08:00:00+00:00"  # day first, learned from row 5


def test_duplicate_external_ids_inside_one_file(importer: Importer, file: Write) -> None:
    path = file("t.csv", ZENDESK_HEADER + zendesk_row(1) + zendesk_row(2) + zendesk_row(1, text="again"))
    report = importer(path)
    counts_add_up(report)
    assert report.counts.new_count == 2
    assert _reasons(importer) == {
        4: "external id '1' appears again (first at row 2); keep one, or give each row its own id"
    }
    assert importer.evidence(external_id="1")[0].text.startswith("Ticket body")


def test_a_gzipped_export_reads_like_the_plain_one(lite_importer: Importer, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv.gz"
    path.write_bytes(gzip.compress((ZENDESK_HEADER + zendesk_row(1) + zendesk_row(2)).encode()))
    assert lite_importer(path).counts.new_count == 2


def test_a_gzipped_export_cut_short_keeps_what_came_before(lite_importer: Importer, tmp_path: Path) -> None:
    rows = ZENDESK_HEADER + "".join(zendesk_row(n, text=f"Body {n} " + "words " * 40) for n in range(1, 400))
    whole = gzip.compress(rows.encode())
    for name, data in (("cut.csv.gz", whole[: len(whole) // 2]), ("cut.jsonl.gz", None)):
        if data is None:
            lines = "".join(
                json.dumps({"Id": 1000 + n, "Subject": "S", "Description": "words " * 40, "Created at": "2026-11-02"})
                + "\n"
                for n in range(1, 400)
            )
            packed = gzip.compress(lines.encode())
            data = packed[: len(packed) // 2]
        path = tmp_path / name
        path.write_bytes(data)
        report = lite_importer(path)
        counts_add_up(report)
        assert 0 < report.counts.new_count < 399
        last = lite_importer.quarantined()[-1]
        assert last.reason.startswith("the file ends early: the compressed data is damaged or cut short")


def test_a_damaged_parquet_file_is_refused_or_cut(lite_importer: Importer, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"Id": ["1"], "Subject": ["S"], "Description": ["D"], "Created at": ["2026-11-02"]}), path)
    path.write_bytes(path.read_bytes()[:-40])  # the footer is gone
    with pytest.raises(ImportRejected, match="is not a readable Parquet file"):
        lite_importer(path)


def test_parquet_times_python_cannot_hold_quarantine_their_rows(lite_importer: Importer, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    table = pa.table(
        {
            "Id": ["1", "2", "3"],
            "Subject": ["a", "b", "c"],
            "Description": ["d", "e", "f"],
            "Created at": pa.array([1_767_225_600, 10**15, -(10**15)], pa.timestamp("s")),
        }
    )
    pq.write_table(table, path)
    report = lite_importer(path)
    counts_add_up(report)
    assert [e.external_id for e in lite_importer.evidence()] == ["1"]
    reasons = _reasons(lite_importer)
    assert sorted(reasons) == [2, 3]
    assert reasons[2].startswith("Created at cannot be read: out of the range Python can hold")
    raw = json.loads(lite_importer.quarantined()[0].raw)
    # Parquet keeps seconds as milliseconds: the stored count, with its unit
    assert raw == {"Id": "2", "Subject": "b", "Description": "e", "Created at": f"{10**18} ms from 1970-01-01"}


def test_a_nul_character_in_json_is_quarantined_on_every_database(importer: Importer, file: Write) -> None:
    rows = [
        {"Id": 1, "Subject": "Fine", "Description": "ok", "Created at": "2026-11-02", "Status": "open"},
        {"Id": 2, "Subject": "Nul", "Description": "a\u0000b", "Created at": "2026-11-02"},
        {"Id": "3\u0000", "Subject": "Nul id", "Description": "ok", "Created at": "2026-11-02"},
        {"Id": 4, "Subject": "Nul attribute", "Description": "ok", "Created at": "2026-11-02", "Status": "x\u0000"},
        {"Id": 5, "Subject": "Fine", "Description": "ok", "Created at": "2026-11-02"},
    ]
    report = importer(file("t.jsonl", "".join(json.dumps(row) + "\n" for row in rows)))
    counts_add_up(report)
    assert [e.external_id for e in importer.evidence()] == ["1", "5"]
    reasons = _reasons(importer)
    assert sorted(reasons) == [2, 3, 4]
    assert all("NUL character" in reason for reason in reasons.values())
    assert reasons[4].startswith("attributes.status:")

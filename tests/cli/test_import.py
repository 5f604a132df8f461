"""``grounded import`` at the command line."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Invoke
from tests.ingest.conftest import ZENDESK_HEADER, zendesk_row


def _export(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "tickets.csv"
    path.write_text(ZENDESK_HEADER + rows)
    return path


def test_import_report_errors_and_runs(ready: Invoke, tmp_path: Path) -> None:
    path = _export(tmp_path, zendesk_row(1) + zendesk_row(2) + "3,too,few\n")
    report = ready("import", "--preset", "zendesk", str(path), "--json").json()
    assert (report["source"], report["counts"]["new_count"], report["counts"]["quarantined_count"]) == ("SRC-1", 2, 1)
    assert report["rows_per_second"] > 0
    human = ready("import", str(path), "--preset", "zendesk")
    assert "unchanged" in human.stdout
    assert "grounded import errors SRC-2" in human.stdout
    errors = ready("import", "errors", "SRC-1", "--json").json()
    assert [(e["row_number"], e["reason"]) for e in errors["items"]] == [(4, "has 3 fields, the header has 10")]
    runs = ready("import", "runs", "--json").json()
    assert [(r["key"], r["status"], r["unchanged_count"]) for r in runs["items"]] == [
        ("SRC-2", "completed", 2),
        ("SRC-1", "completed", 0),
    ]
    assert ready("evidence", "list", "--source", "zendesk", "--json").json()["total"] == 2


def test_dry_run_and_redaction_flags(ready: Invoke, tmp_path: Path) -> None:
    path = _export(tmp_path, zendesk_row(1, text="mail me at dana@bluepeak.example"))
    dry = ready("import", str(path), "--preset", "zendesk", "--dry-run", "--json").json()
    assert (dry["dry_run"], dry["source"], dry["counts"]["new_count"]) == (True, None, 1)
    assert ready("evidence", "list", "--json").json()["total"] == 0
    ready("import", str(path), "--preset", "zendesk", "--redact")
    assert ready("evidence", "show", "E-1", "--json").json()["text"] == "mail me at [email]"


def test_presets_and_detect(ready: Invoke, tmp_path: Path) -> None:
    listed = {p["name"]: p["target"] for p in ready("import", "presets", "--json").json()}
    assert listed["usage_events"] == "events"
    assert "source: zendesk" in ready("import", "presets", "zendesk").stdout
    path = _export(tmp_path, zendesk_row(1))
    assert "looks like a 'zendesk' export" in ready("import", "--detect", str(path)).stdout


def test_a_custom_mapping_file(ready: Invoke, tmp_path: Path) -> None:
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        "target: evidence\nsource: helpdesk\nkind: ticket\nfields:\n  external_id: Id\n"
        "  text: Description\n  occurred_at: Created at\n"
    )
    path = _export(tmp_path, zendesk_row(1))
    assert ready("import", str(path), "--mapping", str(mapping), "--json").json()["counts"]["new_count"] == 1
    assert ready("evidence", "show", "E-1", "--json").json()["source_key"] == "helpdesk"


def test_bad_import_commands(ready: Invoke, tmp_path: Path) -> None:
    path = _export(tmp_path, zendesk_row(1))
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("target: evidence\nsource: x\nkind: ticket\nfields:\n  text: Description\n")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("target: [evidence\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "target: evidence\nsource: x\nkind: ticket\nfields:\n  external_id: Id\n  text: Description\n"
        "  occurred_at: Created at\n  title: {template: 'x {Subject} {'}\n"
    )
    bad_format = tmp_path / "format.yaml"
    bad_format.write_text(
        "target: evidence\nsource: x\nkind: ticket\nfields:\n  text: Description\n"
        "  occurred_at: {column: Created at, format: '%Q'}\n"
    )
    spelled_format = tmp_path / "spelled.yaml"
    spelled_format.write_text(bad_format.read_text().replace("'%Q'", "dd/mm/yyyy"))
    control = tmp_path / "control.yaml"
    control.write_text("target: evidence\nsource: x\u0087y\n")
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(b"PAR1" + b"\0" * 100)  # a header and no footer
    stub = tmp_path / "stub.parquet"
    stub.write_bytes(b"PAR1")
    cases = [
        (
            ("import", str(path), "--mapping", str(control)),
            4,
            "control.yaml: not valid YAML (the character U+0087 at character 27 is not allowed; remove it)",
        ),
        (("import", str(cut), "--preset", "zendesk"), 4, "cut.parquet is not a readable Parquet file"),
        (("import", str(stub), "--preset", "zendesk"), 4, "stub.parquet is not a readable Parquet file"),
        (("import", str(path), "--preset", "zendesk", "--encoding", "klingon"), 4, "unknown encoding 'klingon'"),
        (("import", str(path), "--preset", "zendesk", "--encoding", "rot13"), 4, "'rot13' is not a text encoding"),
        (("import", str(path), "--preset", "zendesk", "--encoding", "utf-32"), 4, "cannot be read as utf-32"),
        (("import", str(path), "--preset", "zendesk", "--delimiter", ";;"), 4, "the delimiter must be one character"),
        (("import", str(path), "--preset", "zendesk", "--delimiter", '"'), 4, "the delimiter must be one character"),
        (("import", str(path), "--mapping", str(template)), 4, "title: the template 'x {Subject} {' is not valid"),
        (
            ("import", str(path), "--mapping", str(bad_format)),
            4,
            "format.yaml line 6: fields.occurred_at.format: '%Q' is not a strptime pattern Python can read "
            "('Q' is a bad directive in format '%Q')",
        ),
        (
            ("import", str(path), "--mapping", str(spelled_format)),
            4,
            "spelled.yaml line 6: fields.occurred_at.format: 'dd/mm/yyyy' is not auto, iso, epoch, epoch_ms or a "
            "strptime pattern (such as %d/%m/%Y %H:%M)",
        ),
        (("import", str(path)), 4, "give a --preset or a --mapping"),
        (
            ("import", str(path), "--preset", "zendesk", "--mapping", str(bad_yaml)),
            4,
            "give --preset or --mapping, not both",
        ),
        (("import", str(path), "--preset", "freshdesk"), 4, "no preset 'freshdesk'"),
        (("import", str(path), "--mapping", str(bad_yaml)), 4, "bad.yaml line 4: fields.occurred_at: Field required"),
        (("import", str(path), "--mapping", str(broken_yaml)), 4, "broken.yaml line 2: not valid YAML"),
        (("import", str(tmp_path / "missing.csv"), "--preset", "zendesk"), 4, "does not exist"),
        (("import", "errors", "SRC-9"), 3, "source SRC-9 not found"),
        (("evidence", "list", "--offset", str(2**64)), 4, "offset: must be at most 1,000,000,000, got 1844"),
        (("import", "resolve", "SRC-9", "--all"), 3, "source SRC-9 not found"),
    ]
    for args, code, message in cases:
        run = ready(*args, ok=False)
        assert run.exit_code == code, (args, run.stderr)
        assert message in run.stderr, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1
    assert ready("evidence", "list", "--json").json()["total"] == 0


MAPPING_FIELDS = "target: evidence\nkind: ticket\nsource: s\nfields:\n  external_id: Id\n  text: Description\n"
MAPPING_FIELDS += "  occurred_at: Created at\n"


def _alias_bomb() -> str:
    """~1 KB of YAML that nine levels of aliases expand to 9**9 values (a "billion laughs")."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def test_a_mapping_that_expands_too_far_or_nests_too_deep_is_refused(ready: Invoke, tmp_path: Path) -> None:
    path = _export(tmp_path, zendesk_row(1))
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_alias_bomb() + MAPPING_FIELDS)
    deep = tmp_path / "deep.yaml"
    deep.write_text(MAPPING_FIELDS + "description: " + "[" * 3000 + "]" * 3000 + "\n")
    loop = tmp_path / "loop.yaml"
    loop.write_text(MAPPING_FIELDS + "description: &d [x, *d]\n")
    cases = [
        (bomb, "bomb.yaml: more than 100,000 values once its aliases (*name) are expanded"),
        (deep, "deep.yaml line 8: nested more than 100 levels deep"),
        (loop, "loop.yaml line 8: an alias refers to the value that holds it"),
    ]
    for mapping, message in cases:
        run = ready("import", str(path), "--mapping", str(mapping), ok=False)
        assert run.exit_code == 4, run.stderr
        assert message in run.stderr.replace("\n", " "), run.stderr
    assert ready("evidence", "list", "--json").json()["total"] == 0
    assert ready("import", "runs", "--json").json()["items"] == []


def test_a_mapping_key_given_twice_is_refused_naming_both_lines(ready: Invoke, tmp_path: Path) -> None:
    path = _export(tmp_path, zendesk_row(1))
    mapping = tmp_path / "twice.yaml"
    mapping.write_text(MAPPING_FIELDS + "source: t\n")
    run = ready("import", str(path), "--mapping", str(mapping), ok=False)
    assert run.exit_code == 4
    assert "twice.yaml line 8: key 'source' is given twice (lines 3 and 8); keep one" in run.stderr.replace("\n", " ")
    assert ready("evidence", "list", "--json").json()["total"] == 0
    nested = tmp_path / "nested.yaml"
    nested.write_text(MAPPING_FIELDS + "  text: Subject\n")
    run = ready("import", str(path), "--mapping", str(nested), ok=False)
    assert "nested.yaml line 8: key 'text' is given twice (lines 6 and 8)" in run.stderr.replace("\n", " ")
    assert ready("evidence", "list", "--json").json()["total"] == 0


def test_quarantined_rows_are_resolved_by_a_later_import_or_by_hand(ready: Invoke, tmp_path: Path) -> None:
    broken = zendesk_row(1) + zendesk_row(2, when="someday") + zendesk_row(3, when="never") + "4,too,few\n"
    first = ready("import", str(_export(tmp_path, broken)), "--preset", "zendesk", "--json").json()
    assert (first["counts"]["new_count"], first["counts"]["quarantined_count"], first["resolved"]) == (1, 3, 0)
    errors = ready("import", "errors", "SRC-1", "--json").json()["items"]
    assert [(e["row_number"], e["external_id"]) for e in errors] == [(3, "2"), (4, "3"), (5, None)]
    fixed = zendesk_row(1) + zendesk_row(2) + zendesk_row(3, when="never")
    second = ready("import", str(_export(tmp_path, fixed)), "--preset", "zendesk", "--json").json()
    assert (second["counts"]["new_count"], second["resolved"]) == (1, 1)  # row 2 landed: its old entry is resolved
    still_open = ready("import", "errors", "SRC-1", "--json").json()["items"]
    assert [e["row_number"] for e in still_open] == [4, 5]
    wrong = ready("import", "resolve", "SRC-1", "--row", "3", ok=False)
    assert wrong.exit_code == 4
    assert "SRC-1 has no open quarantined row 3 (open rows: 4, 5)" in wrong.stderr
    assert ready("import", "resolve", "SRC-1", ok=False).exit_code == 4
    by_hand = ready("import", "resolve", "SRC-1", "--row", "5", "--json").json()
    assert by_hand == {"source": "SRC-1", "resolved": [5]}
    assert [e["row_number"] for e in ready("import", "errors", "SRC-1", "--json").json()["items"]] == [4]
    everything = ready("import", "errors", "SRC-1", "--all", "--json").json()["items"]
    assert [(e["row_number"], e["resolved_at"] is not None) for e in everything] == [(3, True), (4, False), (5, True)]
    assert "1 quarantined row resolved" in ready("import", "resolve", "SRC-1", "--all").stdout


def test_a_tab_delimiter_can_be_named_and_a_template_that_does_not_fit_quarantines_its_row(
    ready: Invoke, tmp_path: Path
) -> None:
    tsv = tmp_path / "t.txt"
    tsv.write_text("Id\tSubject\tDescription\tCreated at\n1\tS\tD\t2026-11-02\n", encoding="utf-8")
    run = ready("import", str(tsv), "--preset", "zendesk", "--format", "csv", "--delimiter", "\\t", "--json").json()
    assert run["counts"]["new_count"] == 1
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "target: evidence\nsource: y\nkind: ticket\nfields:\n  external_id: Id\n  text: Description\n"
        "  occurred_at: Created at\n  title: {template: '{Subject:>d}'}\n"
    )
    run = ready("import", str(_export(tmp_path, zendesk_row(1) + zendesk_row(2))), "--mapping", str(mapping), "--json")
    counts = run.json()["counts"]
    assert (counts["new_count"], counts["quarantined_count"]) == (0, 2)
    errors = ready("import", "errors", "SRC-2", "--json").json()["items"]
    assert "title: the template '{Subject:>d}' could not be filled (Unknown format code 'd'" in errors[0]["reason"]

"""Bad input at the command line: one clear line on stderr, a stable exit code, no traceback,
and the database exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from grounded.db import migrate
from grounded.db.engine import make_engine
from tests.cli.conftest import Invoke


def test_commands_before_init_say_how_to_start(cli: Invoke) -> None:
    run = cli("problem", "list", ok=False)
    assert run.exit_code == 7
    assert run.stderr.strip().endswith("create one with: grounded init")
    assert len(run.stderr.strip().splitlines()) == 1


def test_an_outdated_database_says_how_to_upgrade(cli: Invoke, database: str) -> None:
    cli("init", "Acme")
    engine = make_engine(database)
    migrate.downgrade(engine, "0001")
    engine.dispose()
    run = cli("problem", "list", ok=False)
    assert run.exit_code == 7
    assert "upgrade with: grounded db upgrade" in run.stderr
    cli("db", "upgrade")
    cli("problem", "list")


def test_an_unreachable_server_is_named_without_its_password(cli: Invoke) -> None:
    run = cli("problem", "list", url="postgresql://someone:s3cret@127.0.0.1:1/nowhere", ok=False)
    assert run.exit_code == 7
    assert "cannot connect to postgresql+psycopg://someone:***@127.0.0.1:1/nowhere" in run.stderr
    assert "s3cret" not in run.stderr


def test_unsupported_database_urls_are_refused(cli: Invoke) -> None:
    run = cli("problem", "list", url="mysql://localhost/x", ok=False)
    assert run.exit_code == 4
    assert "unsupported database 'mysql'" in run.stderr


def test_no_workspace_selected(cli: Invoke) -> None:
    cli("init", "First", "--slug", "first")
    cli("workspace", "create", "Second", "--slug", "second", "--no-use")
    cli("problem", "list")  # the config file remembers 'first'
    run = cli("--workspace", "third", "problem", "list", ok=False)
    assert run.exit_code == 6
    assert "workspace 'third' does not exist" in run.stderr


def test_a_file_that_is_not_a_database_or_a_folder_that_cannot_be_made(cli: Invoke, tmp_path: Path) -> None:
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("not a database\n")
    run = cli("problem", "list", url=f"sqlite:///{not_a_database}", ok=False)
    assert run.exit_code == 7
    assert f"cannot connect to sqlite:///{not_a_database}: file is not a database" in run.stderr
    assert not_a_database.read_text() == "not a database\n"
    run = cli("problem", "list", url="sqlite:////proc/no-such-process/grounded.db", ok=False)
    assert run.exit_code == 4
    assert "cannot keep a database at /proc/no-such-process/grounded.db: its folder cannot be made" in run.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("problem", "show", "P-404"), 3, "problem P-404 not found"),
        (("problem", "show", "B-1"), 4, "'B-1' is not a problem key"),
        (("evidence", "add", "text", "--at", "yesterday"), 4, "at: 'yesterday' is not a date"),
        (("evidence", "add", "text", "--attr", "novalue"), 4, "attr: 'novalue' is not key=value"),
        (("evidence", "add", "text", "--account", "NOPE"), 3, "account NOPE not found"),
        (("evidence", "add", ""), 4, "text: String should have at least 1 character"),
        (("evidence", "list", "--limit", "0"), 4, "limit: must be between 1 and 1000"),
        (("problem", "new", "ab"), 4, "title: String should have at least 3 characters"),
        (("request", "new", "Need a thing", "--account", "X=lots"), 4, "deal value must be a whole number"),
        (("decision", "signal", "D-1", "Tickets", "--condition", "about 40", "--metric", "m"), 4, "is not a condition"),
        (("bet", "new", "A bet", "--effort", "soon"), 4, "effort: 'soon' is not weeks"),
        (
            ("decision", "signal", "D-1", "Tickets", "--evidence", "[" * 5000 + "]" * 5000, "--condition", "> 40"),
            4,
            "evidence: the JSON is nested too deeply to read",
        ),
        (("search", "!!!"), 4, "query: needs at least one word"),
        (("import-workspace", "missing.json"), 4, "missing.json does not exist"),
        (("import-workspace", "."), 4, "file: . is a folder: give a workspace export"),
        (("export", "-o", ""), 4, "output: needs a file name, such as backup.json"),
        (("workspace", "create", "X", "--slug", "Bad Slug!"), 4, "error: slug: use lowercase letters, digits"),
        (("import-workspace", "/dev/null"), 4, "file: /dev/null is not a regular file"),
        (("problem", "list", "--offset", "9223372036854775808"), 4, "offset: must be at most 1,000,000,000"),
    ],
)
def test_bad_values_get_one_line_and_a_code(ready: Invoke, args: tuple[str, ...], code: int, message: str) -> None:
    run = ready(*args, ok=False)
    assert run.exit_code == code, run.stderr
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2_with_the_option_named(ready: Invoke) -> None:
    run = ready("evidence", "add", "x", "--kind", "tweet", ok=False)
    assert run.exit_code == 2
    assert "--kind" in run.stderr
    assert "tweet" in run.stderr


def test_illegal_transitions_name_the_allowed_states(ready: Invoke) -> None:
    ready("problem", "new", "Reports are rebuilt by hand")
    run = ready("problem", "status", "P-1", "solved", ok=False)
    assert run.exit_code == 5
    assert "problem P-1 cannot move from 'hypothesis' to 'solved'" in run.stderr
    assert "invalidated, parked, validated" in run.stderr


def test_a_failing_command_changes_nothing(ready: Invoke) -> None:
    ready("problem", "new", "Reports are rebuilt by hand")
    before = ready("request", "list", "--json").json()["total"]
    ready("request", "new", "Custom export", "--problem", "P-1", "--account", "MISSING", ok=False)
    assert ready("request", "list", "--json").json()["total"] == before
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    ready("decision", "propose", "D-1")
    history = len(ready("decision", "history", "D-1", "--json").json())
    ready("decision", "accept", "D-1", "--option", "7", ok=False)
    assert len(ready("decision", "history", "D-1", "--json").json()) == history
    assert ready("decision", "show", "D-1", "--json").json()["status"] == "proposed"


def test_a_broken_import_writes_nothing(ready: Invoke, tmp_path: Path) -> None:
    ready("evidence", "add", "We rebuild the sheet")
    export = tmp_path / "acme.json"
    ready("export", "-o", str(export))
    damaged = (
        export.read_text().replace('"kind": "ticket"', '"kind": "tweet"').replace('"kind": "note"', '"kind": "tweet"')
    )
    (tmp_path / "damaged.json").write_text(damaged)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    ready("init", "Other", "--slug", "other", url=target)
    run = ready("import-workspace", str(tmp_path / "damaged.json"), url=target, ok=False)
    assert run.exit_code == 4
    assert "kind" in run.stderr
    listed = ready("workspace", "list", "--json", url=target).json()
    assert [w["slug"] for w in listed["items"]] == ["other"]
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    run = ready("import-workspace", str(tmp_path / "binary.json"), url=target, ok=False)
    assert run.exit_code == 4
    assert "not UTF-8" in run.stderr


def test_a_mistyped_command_gets_a_suggestion(cli: Invoke) -> None:
    run = cli("problme", "list", ok=False)
    assert run.exit_code == 2
    assert "Did you mean 'problem'?" in run.stderr


def test_json_files_nested_too_deep_or_holding_too_long_a_number_are_refused(ready: Invoke, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    long_number = tmp_path / "long.json"
    long_number.write_text('{"title": "A bet", "reach": ' + "9" * 5000 + "}")
    cases = [
        (("bet", "new", "Deep bet", "--file", str(deep)), "deep.json is nested too deeply to read"),
        (
            ("bet", "new", "Long bet", "--file", str(long_number)),
            "long.json holds a number too long to read (Exceeds the limit",
        ),
        (("import-workspace", str(deep)), "deep.json is nested too deeply to read"),
        (("import-workspace", str(long_number)), "long.json holds a number too long to read (Exceeds the limit"),
    ]
    for args, message in cases:
        run = ready(*args, ok=False)
        assert run.exit_code == 4, (args, run.stderr)
        assert message in run.stderr, (args, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1
    assert ready("bet", "list", "--json").json()["total"] == 0

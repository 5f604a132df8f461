"""Bad input and race conditions found in review: each answered with one line and a code,
and the database left consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


def test_concurrent_writers_on_sqlite_queue_instead_of_failing(ready: Invoke, database: str, tmp_path: Path) -> None:
    env_code = "import sys; from grounded.cli.main import main; sys.argv = sys.argv[1:]; main()"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                env_code,
                "grounded",
                "--database",
                database,
                "--workspace",
                "acme",
                "problem",
                "new",
                f"Concurrent problem {i}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(8)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    failures = [err.decode() for p, (_, err) in zip(processes, results, strict=True) if p.returncode != 0]
    assert failures == []
    keys = sorted(p["key"] for p in ready("problem", "list", "--json").json()["items"])
    assert keys == sorted(f"P-{n}" for n in range(1, 9))


def test_json_null_for_a_required_field_is_refused(ready: Invoke, tmp_path: Path) -> None:
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    for field in ("non_goals", "context", "options"):
        payload = tmp_path / f"{field}.json"
        payload.write_text(json.dumps({field: None}))
        run = ready("decision", "update", "D-1", "--file", str(payload), ok=field == "options")
        if field != "options":  # options: null means "leave the options as they are"
            assert run.exit_code == 4
            assert f"{field}: cannot be empty (null)" in run.stderr
    assert ready("decision", "show", "D-1", "--json").json()["non_goals"] == []
    ready("decision", "log")


def test_a_proposal_cannot_be_edited_below_two_options(ready: Invoke) -> None:
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    ready("decision", "propose", "D-1")
    run = ready("decision", "update", "D-1", "--option", "Only", ok=False)
    assert run.exit_code == 4
    assert "at least 2 options" in run.stderr
    assert len(ready("decision", "show", "D-1", "--json").json()["options"]) == 2


def test_only_one_replacement_at_a_time(ready: Invoke) -> None:
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    ready("decision", "propose", "D-1")
    ready("decision", "accept", "D-1", "--option", "1")
    ready("decision", "supersede", "D-1")
    run = ready("decision", "supersede", "D-1", ok=False)
    assert run.exit_code == 5
    assert "D-2 is already drafted to supersede D-1" in run.stderr
    run = ready("assumption", "new", "It still holds", "--type", "viability", "--decision", "D-1", ok=False)
    assert run.exit_code == 5
    assert "part of what was decided" in run.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("problem", "show", "P-9999999999"), 4, "is not a problem key"),
        (("problem", "show", "P-999999999"), 3, "problem P-999999999 not found"),
        (("problem", "show", "P-\u0661"), 4, "is not a problem key"),  # an Arabic-Indic digit one
        (("request", "new", "Big deal", "--deal-value", "9999999999999999999"), 4, "deal_value"),
        (("request", "new", "Soon", "--hard-deadline"), 4, "a hard deadline needs a date"),
        (("evidence", "add", "x", "--at", "0001-01-01T00:00+05:00"), 4, "outside the range of dates"),
        (("decision", "signal", "D-1", "Tickets", "--condition", "> nan", "--evidence", "{}"), 4, "threshold"),
        (("decision", "signal", "D-1", "Tickets", "--condition", "> inf", "--evidence", "{}"), 4, "threshold"),
        (("search", "the"), 4, "very common words"),
        (("import-workspace", "x.json", "--name", "Copy"), 4, ""),
        (("demo", "--slug", "Bad Slug", "--events", "1000"), 4, "slug"),
    ],
)
def test_more_bad_values(ready: Invoke, args: tuple[str, ...], code: int, message: str) -> None:
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    run = ready(*args, ok=False)
    assert run.exit_code == code, run.stderr
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_file_and_directory_mistakes(ready: Invoke, tmp_path: Path) -> None:
    ready("decision", "new", "Pick one", "--context", "why", "--option", "A", "--option", "B")
    run = ready("decision", "update", "D-1", "--file", str(tmp_path), ok=False)
    assert run.exit_code == 4
    assert "cannot read" in run.stderr
    run = ready("export", "-o", str(tmp_path / "missing" / "x.json"), ok=False)
    assert run.exit_code == 4
    assert "cannot write" in run.stderr
    nul = tmp_path / "nul.json"
    nul.write_text(json.dumps({"context": "a\u0000b"}))
    run = ready("decision", "update", "D-1", "--file", str(nul), ok=False)
    assert run.exit_code == 4
    assert "NUL character" in run.stderr


def test_import_copies_check_their_slug_and_leave_tokens_behind(ready: Invoke, tmp_path: Path) -> None:
    from grounded.db.engine import make_engine, session_scope
    from grounded.models import ApiToken
    from grounded.models.enums import Role
    from grounded.workspace import service as workspaces
    from grounded.workspace import tokens, users
    from grounded.workspace.schemas import ApiTokenCreate

    engine = make_engine(ready("db", "status", "--json").json()["database"])
    with session_scope(engine) as session:
        workspace = workspaces.get(session, "acme")
        owner = users.ensure(session, "ci@example.com")
        tokens.create(
            session, workspace, owner, data=ApiTokenCreate(name="ci", role=Role.VIEWER), actor=users.actor_for(owner)
        )
    export = tmp_path / "acme.json"
    ready("export", "-o", str(export))
    for slug in ("", "Bad Slug!!"):
        run = ready("import-workspace", str(export), "--slug", slug, ok=False)
        assert run.exit_code == 4
        assert "slug" in run.stderr
    ready("import-workspace", str(export), "--slug", "acme-copy")
    with session_scope(engine) as session:
        copy = workspaces.get(session, "acme-copy")
        assert session.query(ApiToken).filter_by(workspace_id=copy.id).count() == 0
    engine.dispose()

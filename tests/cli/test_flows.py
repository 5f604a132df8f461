"""The CLI end to end: from evidence to a decision, with --json for every read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke


def test_workspaces_and_users(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROUNDED_USER", "owner@example.com")
    cli("init", "Acme Product")
    cli("workspace", "create", "Mobile team", "--slug", "mobile", "--no-use")
    listed = cli("workspace", "list", "--json").json()
    assert [w["slug"] for w in listed["items"]] == ["acme-product", "mobile"]
    assert listed["current"] == "acme-product"
    cli("workspace", "use", "mobile")
    assert cli("workspace", "show", "--json").json()["slug"] == "mobile"
    cli("user", "create", "sam@example.com", "Sam Lee", "--role", "editor")
    cli("user", "role", "sam@example.com", "admin")
    members = {m["email"]: m["role"] for m in cli("user", "list", "--json").json()}
    assert members == {"owner@example.com": "admin", "sam@example.com": "admin"}


def test_from_evidence_to_a_decision(ready: Invoke) -> None:
    ready(
        "evidence",
        "add",
        "We rebuild the revenue spreadsheet every Monday",
        "--kind",
        "ticket",
        "--title",
        "Weekly rebuild",
        "--at",
        "2026-11-02",
        "--attr",
        "channel=email",
        "--source",
        "zendesk",
        "--external-id",
        "ZD-1",
    )
    note = ready(
        "evidence", "add", "Reporting is fine, we just export it on Mondays", "--kind", "interview_note", "--json"
    ).json()
    ready("evidence", "add", "Reporting is fine", "--kind", "quote", "--parent", note["key"])
    shown = ready("evidence", "show", "E-1", "--json").json()
    assert (shown["source_key"], shown["external_id"], shown["attributes"]) == ("zendesk", "ZD-1", {"channel": "email"})
    assert shown["occurred_at"].startswith("2026-11-02T00:00:00")
    assert ready("evidence", "show", note["key"], "--json").json()["quote_keys"] == ["E-3"]
    listed = ready("evidence", "list", "--kind", "quote", "--json").json()
    assert [e["key"] for e in listed["items"]] == ["E-3"]
    assert listed["total"] == 1

    ready("problem", "new", "Reports are rebuilt by hand", "--who", "finance analysts", "--struggle", "reuse reports")
    ready("problem", "link", "P-1", "E-1")
    ready("problem", "link", "P-1", "E-3", "--role", "contradicts")
    ready("problem", "update", "P-1", "--struggle", "trust and reuse reports", "--note", "after interviews")
    ready("problem", "status", "P-1", "validated")
    problem = ready("problem", "show", "P-1", "--json").json()
    assert problem["status"] == "validated"
    assert problem["revision"] == 2
    assert problem["statement"].startswith("Finance analysts struggle to trust and reuse reports")
    assert [(link["target_key"], link["role"]) for link in problem["links"]] == [
        ("E-1", "supports"),
        ("E-3", "contradicts"),
    ]
    assert [r["note"] for r in ready("problem", "history", "P-1", "--json").json()] == ["created", "after interviews"]
    assert ready("evidence", "list", "--problem", "P-1", "--json").json()["total"] == 2

    ready("bet", "new", "Custom export", "--problem", "P-1", "--effort", "2-3", "--risk", "high", "--revenue", "180000")
    ready("bet", "new", "Report templates", "--problem", "P-1", "--effort", "4-6", "--reach", "120", "--impact", "2")
    ready("bet", "alternatives", "B-1", "B-2", "--title", "Hack or templates")
    bet = ready("bet", "show", "B-1", "--json").json()
    assert bet["feasibility"] == {"risk": "high", "operability": "", "debt_created": "", "debt_paid": "", "notes": ""}
    assert [a["key"] for a in bet["alternatives"]] == ["B-2"]
    assert bet["problems"] == ["P-1"]
    ready("bet", "status", "B-1", "not_yet", "--reason", "templates first")
    assert (
        ready("bet", "list", "--status", "not_yet", "--json").json()["items"][0]["status_reason"] == "templates first"
    )
    ready(
        "assumption",
        "new",
        "Analysts adopt templates",
        "--type",
        "desirability",
        "--bet",
        "B-2",
        "--importance",
        "5",
        "--evidence",
        "1",
    )
    ready(
        "assumption",
        "new",
        "Templates fit the data model",
        "--type",
        "feasibility",
        "--bet",
        "B-2",
        "--importance",
        "2",
        "--evidence",
        "3",
    )
    risks = [a["risk"] for a in ready("assumption", "list", "--bet", "B-2", "--json").json()["items"]]
    assert risks == [15, 2]
    ready("assumption", "status", "A-2", "supported")

    ready(
        "decision",
        "new",
        "How we fix reporting",
        "--context",
        "Sales wants a custom export",
        "--situation",
        "weekly rebuilds",
        "--facing",
        "a deal",
        "--achieve",
        "reuse",
        "--accepting",
        "a slip",
        "--option",
        "Custom export",
        "--option",
        "Templates",
        "--non-goal",
        "Closing the deal this quarter",
    )
    ready(
        "decision",
        "signal",
        "D-1",
        "Rebuild tickets",
        "--evidence",
        '{"search": "spreadsheet"}',
        "--condition",
        "> 40",
        "--periods",
        "3",
    )
    ready("decision", "propose", "D-1")
    ready("decision", "accept", "D-1", "--option", "2")
    decision = ready("decision", "show", "D-1", "--json").json()
    assert decision["status"] == "accepted"
    assert decision["summary"] == (
        "In the context of weekly rebuilds, facing a deal, we decided for Templates and "
        "against Custom export, to achieve reuse, accepting that a slip."
    )
    assert decision["signals"][0]["threshold"] == 40
    assert decision["signals"][0]["periods"] == 3
    run = ready("decision", "update", "D-1", "--rationale", "changed", ok=False)
    assert run.exit_code == 5
    assert "frozen" in run.stderr
    ready("decision", "supersede", "D-1", "--title", "Pipeline now")
    ready("decision", "propose", "D-2")
    ready("decision", "accept", "D-2", "--option", "1")
    log = ready("decision", "log", "--json").json()["items"]
    assert [(d["key"], d["status"]) for d in log] == [("D-2", "accepted"), ("D-1", "superseded")]
    assert [r["status"] for r in ready("decision", "history", "D-1", "--json").json()] == [
        "draft",
        "proposed",
        "accepted",
        "superseded",
    ]


def test_requests_metrics_and_search(ready: Invoke, tmp_path: Path) -> None:
    ready("problem", "new", "Reports are rebuilt by hand")
    ready(
        "request",
        "new",
        "Custom ledger export",
        "--group",
        "sales",
        "--requester",
        "Jordan",
        "--deal-value",
        "180000",
        "--deadline",
        "2026-12-15",
        "--hard-deadline",
        "--problem",
        "P-1",
    )
    ready("request", "new", "Same export again", "--group", "sales")
    ready("request", "triage", "R-2", "merged", "--into", "R-1")
    ready("request", "triage", "R-1", "not_yet", "--explanation", "Templates first", "--reevaluate", "2027-01-15")
    request = ready("request", "show", "R-1", "--json").json()
    assert (request["disposition"], request["deadline_kind"], request["problems"]) == (
        "not_yet",
        "hard",
        ["P-1 (symptom, accepted)"],
    )
    assert ready("request", "list", "--group", "sales", "--disposition", "merged", "--json").json()["total"] == 1

    spec = tmp_path / "exports.yaml"
    spec.write_text("key: weekly_csv_exports\nname: Weekly CSV exports\nkind: count\nevent: export_csv\ngood: down\n")
    defined = ready("metric", "define", str(spec), "--json").json()
    assert defined["metrics"][0]["status"] == "created"
    assert ready("metric", "define", str(spec), "--json").json()["metrics"][0]["status"] == "unchanged"
    ready("metric", "update", "weekly_csv_exports", "--kind", "unique")
    metric = ready("metric", "show", "weekly_csv_exports", "--json").json()
    assert (metric["version"], [v["kind"] for v in metric["versions"]]) == (2, ["count", "unique"])

    ready("evidence", "add", "Spreadsheet rebuilt by hand every week", "--kind", "ticket")
    hits = ready("search", "spreadsheet", "--json").json()
    assert [h["key"] for h in hits["hits"]] == ["E-1"]
    assert hits["terms"] == ["spreadsheet"]
    assert ready("search", "rebuilt", "--type", "problem", "--json").json()["hits"][0]["key"] == "P-1"
    assert "E-1" in ready("evidence", "search", "spreadsheet").stdout


def test_export_then_import_into_a_new_database(ready: Invoke, tmp_path: Path) -> None:
    ready("evidence", "add", "We rebuild the sheet", "--kind", "ticket")
    ready("problem", "new", "Reports are rebuilt by hand")
    ready("problem", "link", "P-1", "E-1")
    first = tmp_path / "first.json"
    ready("export", "-o", str(first))
    target = f"sqlite:///{tmp_path / 'second.db'}"
    ready("db", "upgrade", url=target)
    imported = ready("import-workspace", str(first), "--json", url=target).json()
    assert imported["slug"] == "acme"
    assert imported["rows"] > 10
    second = tmp_path / "second.json"
    ready("--workspace", "acme", "export", "-o", str(second), url=target)
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    a.pop("exported_at"), b.pop("exported_at")
    imported_event = [e for e in b["tables"]["audit_event"] if e["action"] == "import"]
    assert len(imported_event) == 1  # the import itself is recorded in the workspace's history
    b["tables"]["audit_event"].remove(imported_event[0])
    assert a == b
    ready("import-workspace", str(first), "--slug", "acme-copy", url=target)
    assert ready("--workspace", "acme-copy", "problem", "show", "P-1", "--json", url=target).json()["links"]
    streamed = ready("export", "-o", "-").stdout
    assert json.loads(streamed)["workspace"]["slug"] == "acme"


def test_export_without_credentials_for_sharing(ready: Invoke, tmp_path: Path) -> None:
    ready(
        "user",
        "create",
        "kim@example.com",
        "Kim",
        "--role",
        "editor",
        "--password-stdin",
        stdin="a long passphrase 42\n",
    )
    backup = json.loads(ready("export", "-o", "-").stdout)
    assert any((u["password_hash"] or "").startswith("$argon2") for u in backup["users"])
    shared_file = tmp_path / "shared.json"
    said = ready("export", "--without-credentials", "-o", str(shared_file)).stdout
    assert "without password hashes and API tokens" in said
    shared = json.loads(shared_file.read_text())
    assert shared["credentials"] is False
    assert "api_token" not in shared["tables"]
    assert [u["email"] for u in shared["users"]] == [u["email"] for u in backup["users"]]
    assert all(u["password_hash"] is None for u in shared["users"])


def test_db_status_and_version(cli: Invoke) -> None:
    run = cli("db", "status", "--json", ok=False)
    assert run.exit_code == 7
    assert run.json()["ready"] is False
    cli("db", "upgrade")
    assert cli("db", "status", "--json").json()["ready"] is True
    assert "already at revision" in cli("db", "upgrade").stdout
    assert cli("--version").stdout.startswith("grounded 0.")


def test_the_same_commands_on_postgresql(cli: Invoke, postgres_url: str, tmp_path: Path) -> None:
    cli("init", "Acme", url=postgres_url)
    cli("evidence", "add", "We rebuild the revenue spreadsheet", "--kind", "ticket", url=postgres_url)
    cli("problem", "new", "Reports are rebuilt by hand", url=postgres_url)
    cli("problem", "link", "P-1", "E-1", url=postgres_url)
    assert cli("search", "spreadsheets", "--json", url=postgres_url).json()["hits"][0]["key"] == "E-1"
    export = tmp_path / "pg.json"
    cli("export", "-o", str(export), url=postgres_url)
    lite = f"sqlite:///{tmp_path / 'from-pg.db'}"
    cli("db", "upgrade", url=lite)
    cli("import-workspace", str(export), url=lite)
    assert cli("problem", "show", "P-1", "--json", url=lite).json()["links"][0]["target_key"] == "E-1"


def test_the_audit_log_shows_who_changed_what(ready: Invoke) -> None:
    ready("--as", "priya@example.com", "problem", "new", "Reports are rebuilt by hand")
    ready("--as", "jun@example.com", "problem", "status", "P-1", "validated")
    events = ready("workspace", "audit", "--entity", "p-1", "--json").json()["items"]
    assert [(e["actor_name"], e["action"]) for e in events] == [
        ("jun@example.com", "transition"),
        ("priya@example.com", "create"),
    ]
    assert events[0]["before"] == {"status": "hypothesis"}
    assert "jun@example.com" in ready("workspace", "audit").stdout


def test_python_dash_m_grounded_is_the_same_program() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "grounded", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("grounded 0.")

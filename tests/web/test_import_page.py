"""Importing from the web: an upload through the same pipeline as the CLI, the run's page
with its quarantined rows, bad files answered on the form."""

from __future__ import annotations

from fastapi.testclient import TestClient

from grounded.models.enums import Role
from tests.web.conftest import World, csrf_of

TICKETS = (
    "Id,Subject,Description,Created at,Requester email,Organization\r\n"
    "101,Rebuild,We rebuild the revenue sheet every Monday,2026-10-01T09:00:00Z,ana@northwind.example,Northwind\r\n"
    "102,Dates,The export has the wrong dates,not a date,bo@northwind.example,Northwind\r\n"
    "103,Totals,Totals don't match the ledger,2026-10-03T09:00:00Z,cy@meridian.example,Meridian\r\n"
)


def _upload(browser: TestClient, world: World, content: bytes, name: str = "tickets.csv", **form: str) -> object:
    token = csrf_of(browser, f"/w/{world.slug}/import")
    return browser.post(
        f"/w/{world.slug}/import",
        data={"csrf_token": token, **form},
        files={"file": (name, content, "text/csv")},
    )


def test_an_upload_lands_and_its_bad_row_waits_in_quarantine(signed_in: dict[Role, TestClient], world: World) -> None:
    contributor = signed_in[Role.CONTRIBUTOR]
    answer = _upload(contributor, world, TICKETS.encode(), preset="zendesk")
    assert answer.status_code == 303, answer.text[:500]
    run = contributor.get(answer.headers["location"])
    assert run.status_code == 200
    assert "tickets.csv" in run.text
    assert "Quarantined rows (1 waiting)" in run.text
    key = answer.headers["location"].rsplit("/", 1)[1]
    detail = contributor.get(f"/api/v1/w/{world.slug}/import/runs/{key}").json()
    counts = {k: detail["source"][k] for k in ("rows_read", "new_count", "quarantined_count")}
    assert counts == {"rows_read": 3, "new_count": 2, "quarantined_count": 1}
    assert detail["quarantined"]["items"][0]["row_number"] == 3
    assert "not a date" in detail["quarantined"]["items"][0]["raw"]
    library = contributor.get(f"/api/v1/w/{world.slug}/evidence", params={"source_key": "zendesk"}).json()
    assert library["total"] == 2


def test_the_same_file_again_changes_nothing(signed_in: dict[Role, TestClient], world: World) -> None:
    contributor = signed_in[Role.CONTRIBUTOR]
    _upload(contributor, world, TICKETS.encode(), preset="zendesk")
    again = _upload(contributor, world, TICKETS.encode(), preset="zendesk")
    key = again.headers["location"].rsplit("/", 1)[1]
    source = contributor.get(f"/api/v1/w/{world.slug}/import/runs/{key}").json()["source"]
    assert (source["new_count"], source["unchanged_count"]) == (0, 2)


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(signed_in: dict[Role, TestClient], world: World) -> None:
    contributor = signed_in[Role.CONTRIBUTOR]
    answer = _upload(contributor, world, TICKETS.encode(), preset="zendesk", dry_run="true")
    assert answer.status_code == 200
    assert "Dry run: nothing was written." in answer.text
    assert "2 new" in answer.text
    assert contributor.get(f"/api/v1/w/{world.slug}/evidence", params={"source_key": "zendesk"}).json()["total"] == 0


def test_bad_files_are_answered_on_the_form(signed_in: dict[Role, TestClient], world: World) -> None:
    contributor = signed_in[Role.CONTRIBUTOR]
    empty = _upload(contributor, world, b"", preset="zendesk")
    assert empty.status_code == 422
    assert 'id="e-file"' in empty.text
    assert "empty" in empty.text.lower()
    binary = _upload(contributor, world, bytes(range(256)) * 40, name="image.csv", preset="zendesk")
    assert binary.status_code in (303, 422)
    nothing = _upload(contributor, world, TICKETS.encode())
    assert nothing.status_code == 422
    assert "choose a preset or paste a mapping" in nothing.text
    unknown = _upload(contributor, world, TICKETS.encode(), preset="salesforce")
    assert unknown.status_code == 422
    assert "no preset &#39;salesforce&#39;" in unknown.text
    assert '<option value="salesforce"' not in unknown.text

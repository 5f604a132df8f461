"""Every page renders for a viewer, with what the records hold; every JSON twin says the
same; forms keep what was typed and show errors beside the field."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grounded.models.enums import Role
from tests.web.conftest import World, csrf_of


def test_every_page_renders_for_a_viewer(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    w = f"/w/{world.slug}"
    pages = {
        f"{w}/": "This week in",
        f"{w}/evidence": "We rebuild the revenue spreadsheet every Monday",
        f"{w}/evidence/{world.evidence[0]}": "Northwind",
        f"{w}/themes": "No themes yet",
        f"{w}/problems": "Reports can&#39;t be reused",
        f"{w}/problems/{world.problem}": "Suggestions waiting for a person (1)",
        f"{w}/bets": "No bets yet",
        f"{w}/decisions": "How we fix reporting",
        f"{w}/decisions/{world.decision}": "Export hack",
        f"{w}/requests": "No requests yet",
        f"{w}/metrics": "No metrics yet",
        f"{w}/import": "Nothing imported yet",
    }
    for path, expected in pages.items():
        answer = viewer.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert expected in answer.text, path
        assert answer.headers["content-type"].startswith("text/html")


def test_the_json_twins_hold_the_same_records(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    api = f"/api/v1/w/{world.slug}"
    listed = viewer.get(f"{api}/evidence").json()
    assert listed["total"] == 3
    assert {item["key"] for item in listed["items"]} == set(world.evidence)
    one = viewer.get(f"{api}/evidence/{world.evidence[0]}").json()
    assert one["account_name"].startswith("Northwind")
    problem = viewer.get(f"{api}/problems/{world.problem}").json()
    assert [link["target_key"] for link in problem["suggested"]] == [world.suggested]
    assert problem["suggested"][0]["confidence"] == pytest.approx(0.71)
    decision = viewer.get(f"{api}/decisions/{world.decision}").json()
    assert [o["title"] for o in decision["decision"]["options"]] == ["Export hack", "New pipeline"]
    assert decision["decision"]["status"] == "draft"


def test_search_and_filters_narrow_the_library(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    api = f"/api/v1/w/{world.slug}/evidence"
    searched = viewer.get(api, params={"q": "spreadsheet"}).json()
    assert [i["key"] for i in searched["items"]] == [world.evidence[0]]
    assert "spreadsheet" in searched["items"][0]["snippet"]
    quotes = viewer.get(api, params={"kind": "quote"}).json()
    assert [i["key"] for i in quotes["items"]] == [world.evidence[2]]
    both = viewer.get(api, params={"q": "spreadsheet", "kind": "quote"}).json()
    assert both["total"] == 0
    paged = viewer.get(api, params={"limit": 2, "offset": 2}).json()
    assert (paged["total"], len(paged["items"]), paged["offset"]) == (3, 1, 2)


def test_bad_filters_name_the_field(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    api = f"/api/v1/w/{world.slug}/evidence"
    wrong_kind = viewer.get(api, params={"kind": "telegram"})
    assert wrong_kind.status_code == 422
    assert wrong_kind.headers["content-type"] == "application/problem+json"
    assert wrong_kind.json()["errors"][0]["field"] == "query.kind"
    backwards = viewer.get(api, params={"since": "2026-10-02T00:00:00Z", "until": "2026-10-01T00:00:00Z"})
    assert backwards.status_code == 422
    assert "since" in backwards.json()["detail"]
    limit = viewer.get(api, params={"limit": 0})
    assert limit.status_code == 422
    assert limit.json()["errors"][0]["field"] == "query.limit"


def test_unknown_pages_and_keys_are_friendly_404s(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    missing = viewer.get(f"/w/{world.slug}/problems/P-999")
    assert missing.status_code == 404
    assert "problem P-999 not found" in missing.text
    assert "<html" in missing.text
    nowhere = viewer.get("/no/such/page")
    assert nowhere.status_code == 404
    assert "there is no page at /no/such/page" in nowhere.text
    api = viewer.get(f"/api/v1/w/{world.slug}/decisions/D-404")
    assert api.status_code == 404
    assert api.json() == {
        "type": "https://grounded.dev/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "decision D-404 not found",
        "instance": f"/api/v1/w/{world.slug}/decisions/D-404",
    }
    garbled = viewer.get(f"/w/{world.slug}/evidence/not-a-key")
    assert garbled.status_code == 422


def test_a_form_with_an_error_keeps_what_was_typed(signed_in: dict[Role, TestClient], world: World) -> None:
    editor = signed_in[Role.EDITOR]
    token = csrf_of(editor, f"/w/{world.slug}/problems")
    answer = editor.post(
        f"/w/{world.slug}/problems",
        data={"csrf_token": token, "title": "", "who": "finance analysts", "struggle": "reuse last week's report"},
    )
    assert answer.status_code == 422
    assert 'id="e-title"' in answer.text  # the error sits beside the title field
    assert 'value="finance analysts"' in answer.text
    assert "reuse last week&#39;s report" in answer.text


def test_adding_evidence_from_the_page(signed_in: dict[Role, TestClient], world: World) -> None:
    contributor = signed_in[Role.CONTRIBUTOR]
    token = csrf_of(contributor, f"/w/{world.slug}/evidence")
    added = contributor.post(
        f"/w/{world.slug}/evidence",
        data={"csrf_token": token, "text": "Totals don't match the ledger", "kind": "ticket"},
    )
    assert added.status_code == 303
    page = contributor.get(added.headers["location"])
    assert "Totals don&#39;t match the ledger" in page.text
    empty = contributor.post(f"/w/{world.slug}/evidence", data={"csrf_token": token, "title": "Kept", "text": ""})
    assert empty.status_code == 422
    assert 'value="Kept"' in empty.text
    assert 'id="e-text"' in empty.text


def test_bulk_link_and_accepting_a_suggestion(signed_in: dict[Role, TestClient], world: World) -> None:
    editor = signed_in[Role.EDITOR]
    token = csrf_of(editor, f"/w/{world.slug}/evidence")
    linked = editor.post(
        f"/w/{world.slug}/evidence/link",
        data={
            "csrf_token": token,
            "problem": world.problem,
            "e": [world.evidence[0], world.evidence[2]],
            "role": "supports",
        },
    )
    assert linked.status_code == 200
    assert f"2 items linked: {world.evidence[0]}, {world.evidence[2]}" in linked.text
    again = editor.post(
        f"/w/{world.slug}/evidence/link",
        data={"csrf_token": token, "problem": world.problem, "e": [world.evidence[0]], "role": "supports"},
    )
    assert f"Already linked, left as they were: {world.evidence[0]}" in again.text
    accepted = editor.post(
        f"/w/{world.slug}/problems/{world.problem}/links/{world.suggested}/accept", data={"csrf_token": token}
    )
    assert accepted.status_code == 303
    problem = editor.get(f"/api/v1/w/{world.slug}/problems/{world.problem}").json()
    assert [link["target_key"] for link in problem["symptoms"]] == [world.suggested]
    assert sorted(link["target_key"] for link in problem["supports"]) == sorted([world.evidence[0], world.evidence[2]])
    assert problem["suggested"] == []


def test_proposing_and_accepting_a_decision(signed_in: dict[Role, TestClient], world: World) -> None:
    editor = signed_in[Role.EDITOR]
    path = f"/w/{world.slug}/decisions/{world.decision}"
    token = csrf_of(editor, path)
    assert editor.post(f"{path}/propose", data={"csrf_token": token, "note": "ready"}).status_code == 303
    assert editor.post(f"{path}/accept", data={"csrf_token": token, "option": "2"}).status_code == 303
    found = editor.get(f"/api/v1/w/{world.slug}/decisions/{world.decision}").json()
    assert found["decision"]["status"] == "accepted"
    assert [o["is_chosen"] for o in found["decision"]["options"]] == [False, True]
    assert [r["status"] for r in found["revisions"]][-2:] == ["proposed", "accepted"]
    frozen = editor.post(f"{path}/propose", data={"csrf_token": token})
    assert frozen.status_code == 409
    assert "cannot move from &#39;accepted&#39;" in frozen.text


def test_drafting_a_decision_from_the_log(signed_in: dict[Role, TestClient], world: World, app: FastAPI) -> None:
    editor = signed_in[Role.EDITOR]
    token = csrf_of(editor, f"/w/{world.slug}/decisions")
    made = editor.post(
        f"/w/{world.slug}/decisions",
        data={
            "csrf_token": token,
            "title": "Templates or export",
            "context": "Sales pressure",
            "options": "Templates\nExport\n\n",
        },
    )
    assert made.status_code == 303
    key = made.headers["location"].rsplit("/", 1)[1]
    found = editor.get(f"/api/v1/w/{world.slug}/decisions/{key}").json()["decision"]
    assert (found["title"], [o["title"] for o in found["options"]]) == ("Templates or export", ["Templates", "Export"])
    short = editor.post(f"/w/{world.slug}/decisions", data={"csrf_token": token, "title": "No", "options": "A"})
    assert short.status_code == 422
    assert 'value="No"' in short.text


def test_a_metric_range_refused_on_the_page_names_the_field_plainly(
    signed_in: dict[Role, TestClient], world: World
) -> None:
    """The API says ``body.until``; a person on the metric page reads ``until``."""
    from sqlalchemy.orm import Session

    from grounded.workspace import service as workspaces
    from tests.factories import make_actor, make_metric

    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        make_metric(session, workspace, make_actor(session), key="weekly_opens", definition={"event": "open"})
        session.commit()
    contributor = signed_in[Role.CONTRIBUTOR]
    token = csrf_of(contributor, f"/w/{world.slug}/metrics/weekly_opens")
    refused = contributor.post(
        f"/w/{world.slug}/metrics/weekly_opens/compute",
        data={"csrf_token": token, "since": "2026-02-01", "until": "2026-01-01"},
    )
    assert refused.status_code == 422
    assert "until: must be after since" in refused.text
    assert "body.until" not in refused.text

"""Bad input to the JSON API, each case the fuzzer (tests/web/test_api_fuzz.py) or a hand
check found: every one is a 4xx problem-details answer naming the value at fault, on SQLite
and on PostgreSQL (which cannot store, nor even compare, a NUL character)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from grounded.models import ThemeRun
from grounded.models.enums import Role
from grounded.web.deps import MAX_PATH_PARAM
from tests.web.conftest import World, client, seed_theme

PROBLEM = "application/problem+json"


def api(app: FastAPI, world: World) -> tuple[TestClient, str, dict[str, str]]:
    return client(app), f"/api/v1/w/{world.slug}", {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}


def refused(answer: Any, status: int = 422) -> dict[str, Any]:
    """The problem details of a refusal, checked for their shape."""
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = answer.json()
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


def test_the_description_declares_the_problem_answers(app: FastAPI) -> None:
    described = app.openapi()
    assert described["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "HTTPValidationError" not in described["components"]["schemas"]
    assert set(described["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
    }
    for path, item in described["paths"].items():
        for method, operation in item.items():
            expected = {"401", "403", "404", "422", "503"} | ({"409", "413"} if method != "get" else set())
            problems = {s for s, r in operation["responses"].items() if PROBLEM in r.get("content", {})}
            assert problems == expected, (method, path)
            assert operation["responses"]["422"]["content"][PROBLEM]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (b"{not json", "application/json", "the body is not valid JSON"),
        (b"\xff\xfe{}", "application/json", "the body is not valid JSON"),  # was a 400 nobody declared
        (b"[1, 2]", "application/json", "Input should be a valid dictionary"),
        (b'{"title": "x"}', "text/plain", "Input should be a valid dictionary"),
        (b"", "application/json", "Field required"),
    ],
)
def test_a_body_that_is_not_a_json_object_names_the_body(
    app: FastAPI, world: World, body: bytes, kind: str, message: str
) -> None:
    browser, base, auth = api(app, world)
    found = refused(browser.post(f"{base}/evidence", content=body, headers={**auth, "content-type": kind}))
    assert fields(found) == ["body"]
    assert found["errors"][0]["message"].startswith(message)


def test_a_broken_multipart_upload_names_the_body(app: FastAPI, world: World) -> None:
    """Was a 400 the description did not declare."""
    browser, base, auth = api(app, world)
    kind = "multipart/form-data; boundary=b0b"
    found = refused(
        browser.post(f"{base}/import", content=b"--b0b\r\n[]--b0b--\r\n", headers={**auth, "content-type": kind})
    )
    assert fields(found) == ["body"]
    assert found["errors"][0]["message"].startswith("the body could not be read as multipart/form-data")


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=" + "9" * 40, "query.limit"), ("offset=" + "9" * 5000, "query.offset"), ("offset=-1", "query.offset")],
)
def test_enormous_paging_numbers_are_refused(app: FastAPI, world: World, query: str, field: str) -> None:
    browser, base, auth = api(app, world)
    assert fields(refused(browser.get(f"{base}/evidence?{query}", headers=auth))) == [field]


NUL_IN_URL = [
    ("GET", "/evidence?q=a%00b", "query.q"),
    ("GET", "/evidence?account=a%00b", "query.account"),
    ("GET", "/decisions?q=a%00b", "query.q"),
    ("GET", "/bets?team=a%00b", "query.team"),
    ("GET", "/requests?group=a%00b", "query.group"),
    ("GET", "/audit?entity=P%00-1", "query.entity"),
    ("GET", "/evidence/E%00-1", "path.key"),
    ("GET", "/metrics/a%00b", "path.key"),
    ("POST", "/metrics/a%00b/compute", "path.key"),
    ("POST", "/problems/P-1/links/E%00-2/accept", "path.target"),
    ("POST", "/tokens/a%00b/revoke", "path.token_id"),
]


@pytest.mark.parametrize(("method", "url", "field"), NUL_IN_URL)
def test_a_nul_in_the_path_or_query_is_refused_naming_it(
    app: FastAPI, world: World, method: str, url: str, field: str
) -> None:
    """On PostgreSQL these were 500s: the value reached a query."""
    browser, base, auth = api(app, world)
    found = refused(browser.request(method, base + url, headers=auth))
    assert fields(found) == [field]
    assert "NUL character" in found["errors"][0]["message"]


def test_a_nul_in_the_workspace_slug_is_refused(app: FastAPI, world: World) -> None:
    browser, _, auth = api(app, world)
    assert fields(refused(browser.get("/api/v1/w/a%00b/evidence", headers=auth))) == ["path.ws"]


NUL_IN_BODY = [
    ("PUT /members", {"email": "a\x00b@example.com", "role": "viewer"}, "body.email"),
    ("POST /decisions", {"title": "Pick\x00one", "options": ["A", "B"]}, "body.title"),
    ("POST /decisions/D-1/propose", {"note": "ok\x00"}, "body.note"),
    ("POST /decisions/D-1/accept", {"option": 1, "note": "ok\x00"}, "body.note"),
    ("POST /evidence/link", {"problem": "P-1", "evidence": ["E-1"], "note": "n\x00"}, "body.note"),
    (
        "POST /evidence",
        {"title": "t", "text": "x", "kind": "note", "attributes": {"a": ["b", "\x00"]}},
        "body.attributes.a.1",
    ),
    ("POST /evidence", {"title": "t", "text": "x", "kind": "note", "attributes": {"\x00": None}}, "body.attributes"),
]


@pytest.mark.parametrize(("route", "body", "field"), NUL_IN_BODY)
def test_a_nul_in_a_body_is_refused_naming_the_field(
    app: FastAPI, world: World, route: str, body: dict[str, Any], field: str
) -> None:
    """The schemas named no field (a NUL was the whole object's fault), and the web's own
    bodies (a role change, a note) did not look at all: stored on SQLite, a 500 on PostgreSQL."""
    browser, base, auth = api(app, world)
    method, url = route.split(" ")
    assert fields(refused(browser.request(method, base + url, json=body, headers=auth))) == [field]


@pytest.mark.parametrize(
    ("route", "text"),
    [
        ("POST /evidence", '{"kind": "note", "text": "hello there", "attributes": {"a": 1e999}}'),
        ("POST /evidence", '{"kind": "note", "text": "hello there", "attributes": {"b": [1, NaN]}}'),
        ("POST /evidence", '{"kind": "note", "text": "hello there", "attributes": {"c": {"d": -Infinity}}}'),
    ],
)
def test_a_number_json_cannot_hold_in_attributes_is_refused_not_nulled(
    app: FastAPI, world: World, route: str, text: str
) -> None:
    browser, base, auth = api(app, world)
    method, url = route.split(" ")
    answer = browser.request(method, base + url, content=text, headers={**auth, "content-type": "application/json"})
    body = refused(answer)
    assert fields(body) == ["body.attributes"]
    assert body["errors"][0]["message"].endswith(", not a finite number: JSON cannot hold it")
    assert not body["errors"][0]["message"].startswith("Value error")
    listed = browser.get(base + url, headers=auth).json()
    assert all(item["text"] != "hello there" for item in listed["items"])


def test_odd_path_parameters_are_refused(app: FastAPI, world: World) -> None:
    browser, base, auth = api(app, world)
    surrogate = refused(browser.get(f"{base}/evidence/%ED%A0%80", headers=auth))  # a lone surrogate, as UTF-8
    assert "is not a evidence key" in surrogate["detail"]
    long = refused(browser.get(f"{base}/evidence/{'x' * 20_000}", headers=auth))
    assert fields(long) == ["path.key"]
    assert long["errors"][0]["message"] == f"at most {MAX_PATH_PARAM} characters, got 20000"
    assert len(long["detail"]) < 200


@pytest.mark.parametrize(
    ("path", "field", "expected"),
    [
        ("/problems/not-a-key", "path.key", "P-<number>"),
        ("/evidence/P-1", "path.key", "E-<number>"),
        ("/themes/T-x", "path.key", "T-<number>"),
        ("/evidence?problem=B-2", "query.problem", "P-<number>"),
    ],
)
def test_a_malformed_key_names_where_it_was_given(
    app: FastAPI, world: World, path: str, field: str, expected: str
) -> None:
    """A 422 as docs/web.md promises, with the field like every other malformed value."""
    browser, base, auth = api(app, world)
    given = path.rsplit("/", 1)[-1].rsplit("=", 1)[-1]
    body = refused(browser.get(base + path, headers=auth))
    assert fields(body) == [field]
    assert body["detail"].startswith(f"{field}: '{given}' is not a")
    assert body["errors"][0]["message"].endswith(f"(expected {expected})")


@pytest.mark.parametrize("slug", ["nope", "%ED%A0%80", "x" * 150])
def test_an_unknown_workspace_is_a_404(app: FastAPI, world: World, slug: str) -> None:
    browser, _, auth = api(app, world)
    assert refused(browser.get(f"/api/v1/w/{slug}/evidence", headers=auth), 404)["detail"].startswith("workspace ")


def test_say_do_answers_with_a_token(app: FastAPI, world: World) -> None:
    """The request's transaction was still open while the vectors were written on another
    connection: over SQLite it held the write lock (the token's last use) and say vs do
    waited out the busy timeout and answered 503, or it held a read snapshot from before the
    vectors and answered 422 (themes "built with another model")."""
    from grounded.config import Settings
    from grounded.synthesis import embeddings, vectors
    from grounded.workspace import service as workspaces

    seed_theme(world)
    model = vectors.key(embeddings.embedder(embeddings.DEFAULT, Settings().model_dir))
    with Session(world.engine) as session:
        ours = workspaces.get(session, world.slug).id
        session.query(ThemeRun).filter(ThemeRun.workspace_id == ours).update({ThemeRun.model_version: model})
        session.commit()
    browser, base, auth = api(app, world)
    answer = browser.get(f"{base}/problems/{world.problem}/say-do", headers=auth)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["subject"] == world.problem


def test_a_value_a_service_refuses_is_named_where_the_request_gave_it(app: FastAPI, world: World) -> None:
    """The framework's checks name ``body.title``; a service's own check named only
    ``parent`` or ``expires_at``. Both now say where the value was."""
    browser, base, auth = api(app, world)
    made = [
        browser.post(f"{base}/problems", json={"title": f"Exports rebuilt by hand {n}"}, headers=auth).json()["key"]
        for n in (1, 2)
    ]
    assert browser.patch(f"{base}/problems/{made[1]}", json={"parent": made[0]}, headers=auth).status_code == 200
    cycle = refused(browser.patch(f"{base}/problems/{made[0]}", json={"parent": made[1]}, headers=auth))
    assert fields(cycle) == ["body.parent"]
    assert cycle["detail"] == f"body.parent: {made[1]} is {made[0]} or sits under it; that would make a cycle"
    late = refused(
        browser.post(
            f"{base}/tokens", json={"name": "late", "role": "viewer", "expires_at": "2020-01-01"}, headers=auth
        )
    )
    assert fields(late) == ["body.expires_at"]
    assert late["detail"].startswith("body.expires_at: ")
    common = refused(browser.get(f"{base}/evidence", params={"q": "the"}, headers=auth))
    assert fields(common) == ["query.q"]  # the search service calls it "query"
    assert common["detail"].startswith("query.q: needs at least one word")
    malformed = refused(browser.post(f"{base}/problems", json={"title": "Nested", "parent": "X-9"}, headers=auth))
    assert fields(malformed) == ["body"]
    assert malformed["detail"] == "body: 'X-9' is not a problem key (expected P-<number>)"

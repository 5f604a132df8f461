"""Hostile input: script and HTML in evidence rendered inert everywhere, forms without the
CSRF token refused, SQL-looking search harmless, oversized uploads refused unread."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session

from grounded.models.enums import Role
from grounded.workspace import service as workspaces
from tests.factories import make_actor, make_evidence
from tests.web.conftest import World, client, csrf_of

PAYLOADS = (
    "<script>alert('owned')</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(2)>',
    "javascript:alert(3)",
)


def test_script_in_evidence_is_inert_on_every_page(signed_in: dict[Role, TestClient], world: World) -> None:
    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        actor = make_actor(session, "mallory")
        made = [make_evidence(session, workspace, actor, title=p, text=f"hostile {p} text").key for p in PAYLOADS]
        session.commit()
    viewer = signed_in[Role.VIEWER]
    lists = [f"/w/{world.slug}/evidence", f"/w/{world.slug}/evidence?q=hostile"]
    for path in lists:
        html = viewer.get(path).text
        for raw in ("<script>alert", "<img src=x", "<svg onload"):
            assert raw not in html, path
        assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html, path
    for key, payload in zip(made, PAYLOADS, strict=True):
        html = viewer.get(f"/w/{world.slug}/evidence/{key}").text
        if "<" in payload:
            assert payload not in html, key
        assert str(escape(f"hostile {payload} text")) in html, key
        assert 'href="javascript:' not in html
    assert "script-src 'self'" in viewer.get(lists[0]).headers["content-security-policy"]


def test_a_form_without_its_csrf_token_is_refused(signed_in: dict[Role, TestClient], world: World) -> None:
    editor = signed_in[Role.EDITOR]
    missing = editor.post(f"/w/{world.slug}/problems", data={"title": "Planted by another site"})
    assert missing.status_code == 403
    assert "security token" in missing.text
    wrong = editor.post(f"/w/{world.slug}/problems", data={"title": "Planted", "csrf_token": "guess"})
    assert wrong.status_code == 403
    other = signed_in[Role.ADMIN]
    stolen = csrf_of(other, f"/w/{world.slug}/")  # another session's token is no good either
    assert editor.post(f"/w/{world.slug}/problems", data={"title": "Planted", "csrf_token": stolen}).status_code == 403
    listed = editor.get(f"/api/v1/w/{world.slug}/problems").json()
    assert all("Planted" not in p["title"] for p in listed["items"])


def test_a_cookie_caller_needs_the_token_in_a_header_for_json(signed_in: dict[Role, TestClient], world: World) -> None:
    editor = signed_in[Role.EDITOR]
    refused = editor.post(f"/api/v1/w/{world.slug}/problems", json={"title": "From a cross-site fetch"})
    assert refused.status_code == 403
    token = csrf_of(editor, f"/w/{world.slug}/")
    allowed = editor.post(
        f"/api/v1/w/{world.slug}/problems", json={"title": "From our page"}, headers={"X-CSRF-Token": token}
    )
    assert allowed.status_code == 201


def test_sql_looking_search_is_harmless(signed_in: dict[Role, TestClient], world: World) -> None:
    viewer = signed_in[Role.VIEWER]
    for text in (
        "'; DROP TABLE evidence; --",
        '" OR 1=1 --',
        "rebuild) UNION SELECT * FROM user --",
        "%' AND 1=1 AND '%'='",
    ):
        page = viewer.get(f"/w/{world.slug}/evidence", params={"q": text})
        assert page.status_code == 200, text
        api = viewer.get(f"/api/v1/w/{world.slug}/evidence", params={"q": text})
        assert api.status_code == 200, text
        assert api.json()["total"] == 0, text
    assert viewer.get(f"/api/v1/w/{world.slug}/evidence").json()["total"] == 3


def test_an_oversized_upload_is_refused_before_it_is_read(app: FastAPI, world: World) -> None:
    api = client(app)
    headers = {
        "Authorization": f"Bearer {world.tokens[Role.CONTRIBUTOR]}",
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(app.state.config.max_upload_bytes + 1),
    }
    answer = api.post(f"/api/v1/w/{world.slug}/import", headers=headers, content=b"--x--\r\n")
    assert answer.status_code == 413
    assert answer.json()["title"] == "Too large"


def test_a_body_larger_than_it_says_is_cut_off(app: FastAPI, world: World) -> None:
    api = client(app)
    chunks = (b"x" * 1024 * 1024 for _ in range(3))  # 3 MB streamed without a length: over the 2 MB form limit
    answer = api.post(
        f"/api/v1/w/{world.slug}/problems",
        headers={"Authorization": f"Bearer {world.tokens[Role.EDITOR]}", "Content-Type": "application/json"},
        content=chunks,
    )
    assert answer.status_code == 413


def test_a_hostile_metric_name_is_inert_in_its_inline_chart(signed_in: dict[Role, TestClient], world: World) -> None:
    from datetime import date

    from grounded.metrics import catalogue
    from grounded.metrics.results import Value
    from tests.factories import make_metric

    hostile = "<script>alert('chart')</script> --> <img src=x onerror=alert(4)>"
    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        metric = make_metric(session, workspace, make_actor(session, "mallory"), key="hostile_views", name=hostile)
        values = [
            Value(period_start=date(2026, 10, d), period_end=date(2026, 10, d), value=float(d)) for d in (1, 2, 3)
        ]
        catalogue.store_values(session, workspace, metric, values, engine="duckdb")
        session.commit()
    html = signed_in[Role.VIEWER].get(f"/w/{world.slug}/metrics/hostile_views").text
    assert "<svg" in html  # the chart is inline
    assert "<script>alert" not in html
    assert "<img src=x" not in html

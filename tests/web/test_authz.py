"""The authorisation matrix: every route that changes something (and the admin-only
reads), for every role, with no token, and with a revoked token.

The expected minimum role is written down here, apart from the code: a route the table
does not know fails the test, so a new route must be placed in it on purpose.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from grounded.models.enums import Role
from grounded.web.identity import at_least
from grounded.web.routes import ROUTERS
from tests.web.conftest import ROLES, World, client, csrf_of

C, E, A = Role.CONTRIBUTOR, Role.EDITOR, Role.ADMIN
API = "/api/v1/w/{ws}"
PAGES = "/w/{ws}"
EXPECTED: dict[tuple[str, str], Role] = {
    ("POST", f"{API}/evidence"): C,
    ("POST", f"{API}/evidence/link"): E,
    ("POST", f"{API}/problems"): E,
    ("PATCH", f"{API}/problems/{{key}}"): E,
    ("POST", f"{API}/problems/{{key}}/links/{{target}}/accept"): E,
    ("POST", f"{API}/problems/{{key}}/links/{{target}}/reject"): E,
    ("POST", f"{API}/themes/{{key}}/problem"): E,
    ("POST", f"{API}/decisions"): E,
    ("POST", f"{API}/decisions/{{key}}/propose"): E,
    ("POST", f"{API}/decisions/{{key}}/accept"): E,
    ("POST", f"{API}/metrics/{{key}}/compute"): C,
    ("POST", f"{API}/import"): C,
    ("GET", f"{API}/members"): A,
    ("PUT", f"{API}/members"): A,
    ("GET", f"{API}/tokens"): A,
    ("POST", f"{API}/tokens"): A,
    ("POST", f"{API}/tokens/{{token_id}}/revoke"): A,
    ("GET", f"{API}/audit"): A,
    ("POST", f"{PAGES}/evidence"): C,
    ("POST", f"{PAGES}/evidence/link"): E,
    ("POST", f"{PAGES}/problems"): E,
    ("POST", f"{PAGES}/problems/{{key}}/links/{{target}}/{{verdict}}"): E,
    ("POST", f"{PAGES}/themes/{{key}}/problem"): E,
    ("POST", f"{PAGES}/decisions"): E,
    ("POST", f"{PAGES}/decisions/{{key}}/propose"): E,
    ("POST", f"{PAGES}/decisions/{{key}}/accept"): E,
    ("POST", f"{PAGES}/metrics/{{key}}/compute"): C,
    ("POST", f"{PAGES}/import"): C,
    ("GET", f"{PAGES}/settings"): A,
    ("POST", f"{PAGES}/settings/members"): A,
    ("POST", f"{PAGES}/settings/tokens"): A,
    ("POST", f"{PAGES}/settings/tokens/{{token_id}}/revoke"): A,
}
FILLERS = {"key": "X-1", "target": "E-1", "verdict": "accept", "token_id": str(uuid.UUID(int=7))}


def _guarded() -> set[tuple[str, str]]:
    """Every workspace route that changes something, and every one EXPECTED lists."""
    found = set()
    for route in (r for router in ROUTERS for r in router.routes):
        if not isinstance(route, APIRoute) or not route.path.startswith((API, PAGES)):
            continue
        for method in route.methods:
            if method != "GET" or (method, route.path) in EXPECTED:
                found.add((method, route.path))
    return found


def _url(path: str, world: World) -> str:
    return path.format(ws=world.slug, **FILLERS)


def test_the_table_knows_every_route_that_changes_something() -> None:
    assert _guarded() == set(EXPECTED)


def test_every_api_route_refuses_roles_below_its_own(app: FastAPI, world: World) -> None:
    api = client(app)
    for (method, path), needed in EXPECTED.items():
        if not path.startswith(API):
            continue
        for role in ROLES:
            answer = api.request(
                method, _url(path, world), headers={"Authorization": f"Bearer {world.tokens[role]}"}, json={}
            )
            if at_least(role, needed):
                assert answer.status_code not in (401, 403), (method, path, role, answer.text[:300])
            else:
                assert answer.status_code == 403, (method, path, role, answer.status_code)
                assert answer.json()["detail"].startswith(f"this needs the {needed.value} role")
        assert api.request(method, _url(path, world), json={}).status_code == 401, (method, path)


def test_every_page_form_refuses_roles_below_its_own(
    app: FastAPI, world: World, signed_in: dict[Role, TestClient]
) -> None:
    tokens = {role: csrf_of(browser, f"/w/{world.slug}/") for role, browser in signed_in.items()}
    for (method, path), needed in EXPECTED.items():
        if not path.startswith(PAGES):
            continue
        for role in ROLES:
            browser = signed_in[role]
            data = {"csrf_token": tokens[role]} if method == "POST" else None
            answer = browser.request(method, _url(path, world), data=data)
            if at_least(role, needed):
                assert answer.status_code not in (401, 403), (method, path, role, answer.text[:300])
            else:
                assert answer.status_code == 403, (method, path, role, answer.status_code)
                assert f"this needs the {needed.value} role" in answer.text


def test_a_revoked_token_opens_nothing(app: FastAPI, world: World) -> None:
    api = client(app)
    admin = {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    listed = api.get(f"/api/v1/w/{world.slug}/tokens", headers=admin).json()
    for token in listed:
        if token["role"] != "admin":
            api.post(f"/api/v1/w/{world.slug}/tokens/{token['id']}/revoke", headers=admin)
    for role in (Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        assert api.get(f"/api/v1/w/{world.slug}/evidence", headers=headers).status_code == 401
        assert api.post(f"/api/v1/w/{world.slug}/evidence", headers=headers, json={"text": "x"}).status_code == 401

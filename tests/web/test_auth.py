"""Signing in and out, sessions, tokens, throttling, and the single-user local mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grounded.errors import InvalidInput
from grounded.models.enums import Role
from grounded.web.config import WebConfig
from tests.web.conftest import BASE, LOGIN_CSRF, World, build_world, client, csrf_of, make_app, sign_in


def _login(browser: TestClient, email: str, password: str, **extra: str) -> object:
    found = LOGIN_CSRF.search(browser.get("/login").text)
    assert found
    return browser.post("/login", data={"email": email, "password": password, "login_csrf": found.group(1), **extra})


def test_signing_in_sets_a_safe_cookie_and_opens_the_workspace(app: FastAPI, world: World) -> None:
    browser = client(app)
    answer = _login(browser, world.emails[Role.EDITOR], "correct horse battery staple")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/w/{world.slug}/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    home = browser.get(f"/w/{world.slug}/")
    assert home.status_code == 200
    assert world.emails[Role.EDITOR] in home.text
    assert "editor" in home.text


def test_a_wrong_password_is_refused_without_saying_which_part(app: FastAPI, world: World) -> None:
    browser = client(app)
    wrong = _login(browser, world.emails[Role.VIEWER], "not the password at all")
    unknown = _login(browser, "nobody@example.com", "not the password at all")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "wrong e-mail or password" in answer.text
        assert 'value="' in answer.text  # the e-mail typed is kept
    assert browser.get(f"/w/{world.slug}/").status_code == 303


def test_too_many_failures_are_throttled(app: FastAPI, world: World) -> None:
    browser = client(app)
    email = world.emails[Role.ADMIN]
    statuses = [_login(browser, email, f"guess number {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    throttled = _login(browser, email, "correct horse battery staple")  # even the right one waits
    assert throttled.status_code == 429
    assert "retry" in throttled.text.lower() or "try again" in throttled.text.lower()


def test_the_login_form_needs_its_own_token(app: FastAPI, world: World) -> None:
    browser = client(app)
    forged = browser.post(
        "/login", data={"email": world.emails[Role.ADMIN], "password": "correct horse battery staple"}
    )
    assert forged.status_code == 403
    assert "expired" in forged.text


def test_next_only_goes_to_a_page_of_this_site(app: FastAPI, world: World) -> None:
    browser = client(app)
    inside = _login(
        browser, world.emails[Role.VIEWER], "correct horse battery staple", next=f"/w/{world.slug}/evidence"
    )
    assert inside.headers["location"] == f"/w/{world.slug}/evidence"
    browser = client(app)
    outside = _login(browser, world.emails[Role.VIEWER], "correct horse battery staple", next="//evil.example/x")
    assert outside.headers["location"] == f"/w/{world.slug}/"


def test_pages_send_you_to_sign_in_and_the_api_answers_401(app: FastAPI, world: World) -> None:
    anonymous = client(app)
    page = anonymous.get(f"/w/{world.slug}/problems")
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/w/{world.slug}/problems"
    api = anonymous.get(f"/api/v1/w/{world.slug}/problems")
    assert api.status_code == 401
    assert api.json()["title"] == "Sign in needed"


def test_signing_out_ends_the_session(app: FastAPI, world: World) -> None:
    browser = sign_in(app, world.emails[Role.VIEWER])
    token = csrf_of(browser, f"/w/{world.slug}/")
    stolen = browser.cookies.get("grounded_session")
    out = browser.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    assert "Max-Age=0" in out.headers["set-cookie"]
    replay = client(app)
    replay.cookies.set("grounded_session", stolen or "")
    assert replay.get(f"/w/{world.slug}/").status_code == 303  # the old cookie opens nothing


def test_a_token_expiry_without_a_zone_is_utc_and_one_in_the_past_is_refused(app: FastAPI, world: World) -> None:
    api = client(app)
    admin = {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    url = f"/api/v1/w/{world.slug}/tokens"
    for given in ("2030-01-01", "2030-01-01T00:00:00", "2030-01-01T01:00:00+01:00"):
        made = api.post(url, json={"name": f"until {given}", "role": "viewer", "expires_at": given}, headers=admin)
        assert made.status_code == 201, made.text
        assert made.json()["token"]["expires_at"].startswith("2030-01-01T00:00:00"), made.json()
    past = api.post(url, json={"name": "late", "role": "viewer", "expires_at": "2020-01-01"}, headers=admin)
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "body.expires_at"


def test_a_session_opens_only_its_own_workspace(app: FastAPI, world: World) -> None:
    other = build_world(world.engine)
    browser = sign_in(app, world.emails[Role.ADMIN])
    refused = browser.get(f"/api/v1/w/{other.slug}/problems")
    assert refused.status_code == 403
    assert "another workspace" in refused.json()["detail"]


def test_api_tokens_act_with_their_role_until_revoked(app: FastAPI, world: World) -> None:
    api = client(app)
    headers = {"Authorization": f"Bearer {world.tokens[Role.EDITOR]}"}
    made = api.post(f"/api/v1/w/{world.slug}/problems", json={"title": "Made by a script"}, headers=headers)
    assert made.status_code == 201
    assert made.json()["title"] == "Made by a script"
    admin = {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    listed = api.get(f"/api/v1/w/{world.slug}/tokens", headers=admin).json()
    editor_token = next(t for t in listed if t["role"] == "editor")
    revoked = api.post(f"/api/v1/w/{world.slug}/tokens/{editor_token['id']}/revoke", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    after = api.get(f"/api/v1/w/{world.slug}/problems", headers=headers)
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]
    garbage = api.get(f"/api/v1/w/{world.slug}/problems", headers={"Authorization": "Bearer grd_nonsense"})
    assert garbage.status_code == 401


def test_a_token_in_use_shows_when_it_was_last_used_noted_once_a_minute(app: FastAPI, world: World) -> None:
    fresh = build_world(world.engine)
    api = client(app)
    admin = {"Authorization": f"Bearer {fresh.tokens[Role.ADMIN]}"}
    viewer = {"Authorization": f"Bearer {fresh.tokens[Role.VIEWER]}"}

    def last_used() -> str | None:
        listed = api.get(f"/api/v1/w/{fresh.slug}/tokens", headers=admin).json()
        return next(t["last_used_at"] for t in listed if t["role"] == "viewer")

    assert last_used() is None
    assert api.get(f"/api/v1/w/{fresh.slug}/problems", headers=viewer).status_code == 200
    first = last_used()
    assert first is not None
    assert api.get(f"/api/v1/w/{fresh.slug}/problems", headers=viewer).status_code == 200
    assert last_used() == first  # a second use within the minute writes nothing


def test_a_token_of_one_workspace_opens_no_other(app: FastAPI, world: World) -> None:
    other = build_world(world.engine)
    answer = client(app).get(
        f"/api/v1/w/{other.slug}/problems", headers={"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    )
    assert answer.status_code == 403
    assert "not valid for workspace" in answer.json()["detail"]


def test_a_token_on_a_workspace_that_does_not_exist_finds_nothing(app: FastAPI, world: World) -> None:
    bearer = {"Authorization": f"Bearer {world.tokens[Role.ADMIN]}"}
    missing = client(app).get("/api/v1/w/no-such-space/problems", headers=bearer)
    assert missing.status_code == 404
    assert "no-such-space" in missing.json()["detail"]
    unknown = client(app).get("/api/v1/w/no-such-space/problems", headers={"Authorization": "Bearer grd_nope"})
    assert unknown.status_code == 401  # an unknown token learns nothing of which workspaces exist


def test_a_new_token_is_shown_once_and_never_again(signed_in: dict[Role, TestClient], world: World) -> None:
    admin = signed_in[Role.ADMIN]
    token = csrf_of(admin, f"/w/{world.slug}/settings")
    shown = admin.post(
        f"/w/{world.slug}/settings/tokens", data={"csrf_token": token, "name": "nightly", "role": "viewer"}
    )
    assert shown.status_code == 200
    plaintext = shown.text.split('<code class="token">', 1)[1].split("</code>", 1)[0]
    assert plaintext.startswith("grd_")
    assert plaintext not in admin.get(f"/w/{world.slug}/settings").text
    works = client(admin.app).get(f"/api/v1/w/{world.slug}/home", headers={"Authorization": f"Bearer {plaintext}"})
    assert works.status_code == 200


def test_local_mode_needs_no_sign_in_on_loopback(world: World, tmp_path: Path) -> None:
    local = make_app(world.engine, tmp_path / "data", WebConfig(local_user=f"me-{world.slug}"))
    browser = TestClient(local, base_url=BASE, follow_redirects=False)
    home = browser.get(f"/w/{world.slug}/")
    assert home.status_code == 200
    assert "admin" in home.text
    assert "grounded_session=" in home.headers["set-cookie"]  # forms still carry a CSRF token
    token = csrf_of(browser, f"/w/{world.slug}/problems")
    made = browser.post(f"/w/{world.slug}/problems", data={"csrf_token": token, "title": "Local problem"})
    assert made.status_code == 303
    rebinding = TestClient(local, base_url="http://attacker.example", follow_redirects=False)
    assert rebinding.get(f"/w/{world.slug}/").status_code == 400


def test_local_mode_is_refused_off_loopback() -> None:
    with pytest.raises(InvalidInput, match="only listens on loopback"):
        WebConfig(host="0.0.0.0", local_user="me")
    assert WebConfig(host="::1", local_user="me").local

"""The web app over a real, migrated database (SQLite and PostgreSQL), a small workspace
with one user per role, and test clients signed in as each.

The app commits, so tests do not share one rolled-back transaction: each test gets its own
workspace, users and records (unique names), in a database shared by the module.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.config import Settings
from grounded.models.enums import LinkOrigin, LinkRole, Role
from grounded.problem import links
from grounded.problem.schemas import ProblemLinkCreate
from grounded.web.app import create_app
from grounded.web.config import WebConfig
from grounded.workspace import passwords, tokens, users
from grounded.workspace.schemas import ApiTokenCreate, UserCreate
from tests.conftest import BACKENDS, fresh_database
from tests.factories import (
    make_account,
    make_actor,
    make_decision,
    make_evidence,
    make_problem,
    make_workspace,
)

PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1"
ROLES = (Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR, Role.ADMIN)


@functools.cache
def _password_hash() -> str:
    """One argon2id hash of PASSWORD for every test user: hashing costs ~0.1 s a time."""
    return passwords.hash_password(PASSWORD)


@dataclass
class World:
    """One workspace with a user per role (each with a password and an API token), a
    problem, evidence, a suggested link and a draft decision with two options."""

    engine: Engine
    slug: str
    emails: dict[Role, str]
    tokens: dict[Role, str]
    problem: str
    evidence: list[str]
    suggested: str
    decision: str
    extra: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def web_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    with fresh_database(request.param, tmp_path_factory.mktemp("web")) as engine:
        yield engine


def build_world(engine: Engine) -> World:
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as session:
        owner = make_actor(session, f"owner-{tag}")
        ws = make_workspace(session, owner, slug=f"w-{tag}", name=f"Team {tag}")
        emails, plain = {}, {}
        for role in ROLES:
            email = f"{role.value}-{tag}@example.com"
            user = users.create(session, data=UserCreate(email=email, name=role.value.title()), actor=owner)
            user.password_hash = _password_hash()  # set_password's own tests are in tests/workspace
            users.set_role(session, ws, user, role, actor=owner)
            _, plain[role] = tokens.create(
                session, ws, user, data=ApiTokenCreate(name=f"{role} script", role=role), actor=owner
            )
            emails[role] = email
        account = make_account(session, ws, owner, name=f"Northwind {tag}")
        problem = make_problem(session, ws, owner, title="Reports can't be reused")
        items = [
            make_evidence(
                session,
                ws,
                owner,
                title="Rebuild",
                text="We rebuild the revenue spreadsheet every Monday",
                account=account.external_id,
            ),
            make_evidence(session, ws, owner, title="Export", text="Need a CSV export of the ledger for our auditors"),
            make_evidence(session, ws, owner, title="Fine", text="Reporting is fine for us", kind="quote"),
        ]
        suggested = items[1]
        links.link(
            session,
            ws,
            problem,
            data=ProblemLinkCreate(
                target=suggested.key,
                role=LinkRole.SYMPTOM,
                origin=LinkOrigin.SUGGESTED,
                confidence=0.71,
                receipts={
                    "model": "minilm-int8",
                    "similarity": 0.64,
                    "quotes": [{"evidence": items[0].key, "similarity": 0.6, "text": items[0].text}],
                },
            ),
            actor=owner,
        )
        decision = make_decision(
            session,
            ws,
            owner,
            title="How we fix reporting",
            context="Analysts rebuild reports by hand",
            options=[{"title": "Export hack"}, {"title": "New pipeline"}],
        )
        session.commit()
        return World(
            engine=engine,
            slug=ws.slug,
            emails=emails,
            tokens=plain,
            problem=problem.key,
            evidence=[e.key for e in items],
            suggested=suggested.key,
            decision=decision.key,
        )


@pytest.fixture
def world(web_engine: Engine) -> World:
    return build_world(web_engine)


def make_app(engine: Engine, data_dir: Path, config: WebConfig | None = None) -> FastAPI:
    settings = Settings(data_dir=data_dir, database_url=str(engine.url.render_as_string(hide_password=False)))
    return create_app(settings, config or WebConfig(), engine=engine)


@pytest.fixture
def app(world: World, tmp_path: Path) -> FastAPI:
    return make_app(world.engine, tmp_path / "data")


def client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE, follow_redirects=False)


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')
LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')


def sign_in(app: FastAPI, email: str, password: str = PASSWORD, workspace: str = "") -> TestClient:
    browser = client(app)
    form = browser.get("/login")
    found = LOGIN_CSRF.search(form.text)
    assert found, form.text[:500]
    answer = browser.post(
        "/login", data={"email": email, "password": password, "login_csrf": found.group(1), "workspace": workspace}
    )
    assert answer.status_code == 303, answer.text[:800]
    return browser


def csrf_of(browser: TestClient, path: str) -> str:
    """The CSRF token the page's forms carry (every form on it must carry the same one)."""
    page = browser.get(path)
    assert page.status_code == 200, page.text[:800]
    found = set(CSRF_INPUT.findall(page.text))
    assert len(found) == 1, f"forms on {path} carry tokens {found}"
    assert "" not in found, f"a form on {path} carries an empty token"
    return found.pop()


@pytest.fixture
def signed_in(app: FastAPI, world: World) -> dict[Role, TestClient]:
    return {role: sign_in(app, world.emails[role], workspace=world.slug) for role in ROLES}


def seed_theme(world: World, label: str = "rebuild / spreadsheet / monday") -> str:
    """A finished theme run with one theme over the first two items, as a build would leave it."""
    from grounded.evidence import service as evidence
    from grounded.synthesis import themes
    from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate
    from grounded.workspace import service as workspaces

    with Session(world.engine) as session:
        workspace = workspaces.get(session, world.slug)
        actor = make_actor(session, "theme-builder")
        items = [evidence.get(session, workspace, key) for key in world.evidence[:2]]
        run = themes.start_run(
            session, workspace, data=ThemeRunCreate(model="minilm-int8", model_version="test"), actor=actor
        )
        theme = themes.add_theme(
            session,
            run,
            data=ThemeCreate(label=label, keywords=["rebuild", "spreadsheet"], representative_ids=[str(items[0].id)]),
        )
        themes.assign(session, theme, {item.id: 0.1 for item in items})
        themes.finish_run(session, run, evidence_count=3, unthemed_count=1, actor=actor)
        session.commit()
        return theme.key

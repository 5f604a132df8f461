"""The running example in the web app: a small demo, served in local mode, every page and
its JSON twin answering with the story's records, and the walk from evidence to decision in
Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.demo.build import DemoOptions, build
from grounded.web.config import WebConfig
from grounded.workspace import users
from tests.conftest import fresh_database
from tests.demo.test_demo import AS_OF, SMALL
from tests.web.conftest import BASE, make_app
from tests.web.serving import serving
from tests.web.test_browser import chromium  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    data = tmp_path_factory.mktemp("web-demo")
    with fresh_database("sqlite", data) as engine:
        with session_scope(engine) as session:
            actor = users.actor_for(users.ensure(session, "demo@example.com"))
        build(
            engine, data_dir=data / "data", actor=actor, options=DemoOptions(as_of=AS_OF, seed=7, slug="demo", **SMALL)
        )
        yield engine, data


@pytest.fixture(scope="module")
def local_app(demo: tuple[Engine, Path]) -> FastAPI:
    engine, data = demo
    return make_app(engine, data / "data", WebConfig(local_user="analyst@example.com"))


def test_every_demo_page_and_twin_answers(local_app: FastAPI) -> None:
    browser = TestClient(local_app, base_url=BASE, follow_redirects=False)
    assert browser.get("/").headers["location"] == "/w/demo/"
    expectations = {
        "": "This week in Fernhill Analytics",
        "evidence?q=rebuild+spreadsheet": "rebuild",
        "problems": "P-1",
        "problems/P-1": "Symptoms",
        "bets": "B-1",
        "bets/B-1": "Side by side with its alternatives",
        "bets/B-2": "Assumptions, riskiest first",
        "decisions": "D-1",
        "decisions/D-1": "What we chose not to optimise for",
        "requests": "Northwind",
        "metrics": "weekly_report_views",
        "metrics/weekly_report_views": "Definition",
        "metrics/nps": "Definition",
        "import": "zendesk-tickets.csv",
        "settings": "analyst@example.com",
        "themes": "No themes yet",
    }
    for path, expected in expectations.items():
        page = browser.get(f"/w/demo/{path}")
        assert page.status_code == 200, (path, page.text[:500])
        assert expected in page.text, path
    twins = [
        "home",
        "evidence",
        "problems",
        "problems/P-1",
        "bets",
        "bets/B-1",
        "decisions",
        "decisions/D-1",
        "requests",
        "metrics",
        "metrics/weekly_report_views",
        "import/runs",
        "import/runs/SRC-1",
        "themes",
    ]
    for path in twins:
        answer = browser.get(f"/api/v1/w/demo/{path}")
        assert answer.status_code == 200, (path, answer.text[:500])
    decision = browser.get("/api/v1/w/demo/decisions/D-1").json()
    assert decision["decision"]["status"] == "accepted"
    assert decision["decision"]["non_goals"], "the demo decision names what it will not optimise for"
    assert decision["signals"], "the demo decision watches signals"
    card = browser.get("/api/v1/w/demo/bets/B-1").json()
    assert card["alternatives"], "the hack sits beside its alternatives"
    assert card["riskiest"] == card["assumptions"][0]["key"]


def test_computing_a_metric_draws_its_chart(local_app: FastAPI) -> None:
    browser = TestClient(local_app, base_url=BASE, follow_redirects=False)
    page = browser.get("/w/demo/metrics/weekly_report_views")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    done = browser.post("/w/demo/metrics/weekly_report_views/compute", data={"csrf_token": token.group(1)})
    assert done.status_code == 303
    page = browser.get("/w/demo/metrics/weekly_report_views")
    assert "<svg" in page.text
    assert "Computed" in page.text
    values = browser.get("/api/v1/w/demo/metrics/weekly_report_views").json()["values"]
    assert values
    assert all(v["value"] is None or v["value"] >= 0 for v in values)


@pytest.fixture(scope="module")
def demo_served(local_app: FastAPI) -> Iterator[str]:
    with serving(local_app) as url:
        yield url


def test_walking_the_running_example_in_the_browser(chromium: object, demo_served: str) -> None:  # noqa: F811
    page = chromium.new_page(base_url=demo_served)  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    page.goto("/")
    assert "This week in Fernhill Analytics" in page.inner_text("h1")
    page.get_by_role("searchbox", name="Search evidence").fill("rebuild spreadsheet")
    page.get_by_role("button", name="Search", exact=True).click()
    assert "matching “rebuild spreadsheet”" in page.inner_text("main")
    page.get_by_role("link", name="Problems").click()
    page.get_by_role("link", name="P-1", exact=True).click()
    assert "Symptoms" in page.inner_text("main")
    page.get_by_role("link", name="B-1", exact=True).first.click()
    assert "Side by side with its alternatives" in page.inner_text("main")
    page.get_by_role("link", name="Decisions").click()
    page.get_by_role("link", name=re.compile(r"^D-1 ")).click()
    main = page.inner_text("main")
    assert "What we chose not to optimise for" in main
    assert "Signals that would change the plan" in main
    page.screenshot(
        path=str(Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "demo-decision.png"),
        full_page=True,
    )

"""The say vs do page and its JSON twin show the usage metrics tied to the subject, their
two windows and reading, and a metric that could not be read with the reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from grounded.db.engine import session_scope
from grounded.models import Workspace
from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.web.config import WebConfig
from tests.conftest import fresh_database
from tests.synthesis.test_saydo_usage import reporting_workspace
from tests.web.conftest import BASE, make_app


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    data = tmp_path_factory.mktemp("web-saydo")
    model = MiniLM(tmp_path_factory.getbasetemp().parent / "grounded-models", quantized=True)
    with fresh_database("sqlite", data) as engine:
        workspace_id = reporting_workspace(engine, model, data)
        app = make_app(engine, data / "data", WebConfig(local_user="analyst@example.com"))
        yield TestClient(app, base_url=BASE, follow_redirects=False), _slug(engine, workspace_id)


def _slug(engine: Engine, workspace_id: uuid.UUID) -> str:
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        return workspace.slug


def test_the_page_shows_usage_beside_the_evidence(world: tuple[TestClient, str]) -> None:
    browser, slug = world
    page = browser.get(f"/w/{slug}/problems/P-1/say-do")
    assert page.status_code == 200, page.text[:500]
    assert "They disagree." in page.text
    assert f'<a href="/w/{slug}/metrics/weekly_exports">weekly_exports</a>' in page.text
    assert "bet B-1" in page.text
    assert "2.5 exports" in page.text
    assert "5.5 exports" in page.text
    assert "2026-01-19 to 2026-02-15" in page.text  # the four weeks before
    assert "getting worse" in page.text
    assert "shows a struggle" in page.text
    twin = browser.get(f"/api/v1/w/{slug}/problems/P-1/say-do").json()
    assert twin["struggle_shown_by"] == ["usage"]
    assert twin["do"]["usage"]["metrics"][0]["trend"]["recent_mean"] == 5.5


def test_a_metric_that_cannot_be_read_is_shown_with_its_reason(world: tuple[TestClient, str]) -> None:
    browser, slug = world
    page = browser.get(f"/w/{slug}/problems/P-2/say-do")
    assert page.status_code == 200, page.text[:500]
    assert "usage unavailable: metric broken" in page.text
    assert "They disagree." not in page.text


def test_a_subject_with_no_tied_metric_says_so(world: tuple[TestClient, str]) -> None:
    browser, slug = world
    key = browser.get(f"/api/v1/w/{slug}/themes").json()["items"][0]["key"]  # no theme is linked to a problem
    page = browser.get(f"/w/{slug}/themes/{key}/say-do")
    assert page.status_code == 200, page.text[:500]
    assert f"No metric is tied to {key}" in page.text

"""The themes list pages 25 themes at a time unless asked for another page size."""

from __future__ import annotations

from fastapi import FastAPI

from grounded.models.enums import Role
from tests.web.conftest import World, client


def test_themes_come_25_to_a_page_by_default_and_other_lists_50(app: FastAPI, world: World) -> None:
    api = client(app)
    headers = {"Authorization": f"Bearer {world.tokens[Role.VIEWER]}"}
    themes = api.get(f"/api/v1/w/{world.slug}/themes", headers=headers).json()
    assert (themes["limit"], themes["offset"]) == (25, 0)
    asked = api.get(f"/api/v1/w/{world.slug}/themes?limit=7&offset=2", headers=headers).json()
    assert (asked["limit"], asked["offset"]) == (7, 2)
    assert api.get(f"/api/v1/w/{world.slug}/problems", headers=headers).json()["limit"] == 50
    refused = api.get(f"/api/v1/w/{world.slug}/themes?limit=0", headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "query.limit"

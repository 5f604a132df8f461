"""Answers kept for a few seconds: reused while fresh, remade when stale, forgotten at once
when a change in the workspace goes through this process."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from grounded.models.enums import Role
from grounded.web.recent import Recent
from grounded.workspace import service as workspaces
from tests.factories import make_actor, make_evidence
from tests.web.conftest import World, csrf_of


def test_an_answer_is_kept_until_it_is_stale() -> None:
    now = [100.0]
    recent = Recent(seconds=10, clock=lambda: now[0])
    made: list[int] = []
    ws, other = uuid.uuid4(), uuid.uuid4()

    def make() -> int:
        made.append(1)
        return len(made)

    assert recent.get(ws, "home", make) == 1
    now[0] = 109.9
    assert recent.get(ws, "home", make) == 1  # still fresh: not made again
    assert recent.get(other, "home", make) == 2  # another workspace has its own
    now[0] = 110.0
    assert recent.get(ws, "home", make) == 3  # stale: made again
    recent.forget(ws)
    assert recent.get(ws, "home", make) == 4
    assert recent.get(other, "home", make) == 2


def test_home_lags_a_change_made_elsewhere_but_not_one_made_here(
    signed_in: dict[Role, TestClient], world: World
) -> None:
    viewer, contributor = signed_in[Role.VIEWER], signed_in[Role.CONTRIBUTOR]
    api = f"/api/v1/w/{world.slug}/home"
    before = viewer.get(api).json()["counts"]["evidence"]
    with Session(world.engine) as session:  # a change outside this process (the CLI, an import)
        make_evidence(session, workspaces.get(session, world.slug), make_actor(session, "cli"), text="from the CLI")
        session.commit()
    assert viewer.get(api).json()["counts"]["evidence"] == before  # kept for a few seconds
    token = csrf_of(contributor, f"/w/{world.slug}/evidence")
    added = contributor.post(
        f"/w/{world.slug}/evidence", data={"csrf_token": token, "text": "from the page", "kind": "note"}
    )
    assert added.status_code == 303
    assert viewer.get(api).json()["counts"]["evidence"] == before + 2  # a change here forgets it

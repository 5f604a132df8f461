"""The requests board: each row's accounts and linked problems, read for the whole page at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from grounded.core.pagination import PageParams
from grounded.problem import links
from grounded.problem.schemas import ProblemLinkCreate
from grounded.web.views.requests import board
from tests.factories import make_account, make_actor, make_problem, make_request, make_workspace


def test_each_request_row_has_its_own_accounts_and_accepted_problems(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_account(session, workspace, actor, external_id="Z", name="Zulu", arr=5_000)
    make_account(session, workspace, actor, external_id="A", name="Alpha", arr=7_000)
    first = make_request(
        session, workspace, actor, accounts=[{"account": "Z", "deal_value": 10}, {"account": "A", "deal_value": 20}]
    )
    second = make_request(session, workspace, actor, group="support", accounts=[{"account": "Z", "deal_value": 30}])
    alone = make_request(session, workspace, actor)
    p1, p2 = make_problem(session, workspace, actor), make_problem(session, workspace, actor)
    for problem in (p2, p1):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target=first.key), actor=actor)
    links.link(session, workspace, p2, data=ProblemLinkCreate(target=second.key), actor=actor)
    session.flush()

    found = {row.key: row for row in board(session, workspace, disposition=None, group=None, page=PageParams()).items}
    assert [(s["account"], s["arr"], s["deal_value"]) for s in found[first.key].accounts] == [
        ("A", 7_000, 20),
        ("Z", 5_000, 10),
    ]
    assert found[first.key].problems == [p1.key, p2.key]
    assert [(s["account"], s["deal_value"]) for s in found[second.key].accounts] == [("Z", 30)]
    assert found[second.key].problems == [p2.key]
    assert (found[second.key].group, found[first.key].group) == ("support", "sales")
    assert (found[alone.key].accounts, found[alone.key].problems) == ([], [])

"""Duplicates: the same evidence twice from one voice (not the same words from two), the
same ask from two reps merged with every stake kept, and two teams' bets on one problem."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from grounded.db.engine import session_scope
from grounded.models import Workspace
from grounded.planning import requests as request_service
from grounded.synthesis import duplicates
from grounded.synthesis.embeddings.minilm import MiniLM
from grounded.synthesis.vectors import ensure
from tests.factories import (
    make_account,
    make_actor,
    make_bet,
    make_evidence,
    make_problem,
    make_request,
    make_workspace,
)


def test_pairs_and_groups_are_exact_and_transitive() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(6, 16)).astype(np.float32)
    base[1] = base[0] + 0.01  # a near copy of 0
    base[2] = base[1] + 0.01  # a near copy of 1: joins the same group
    base[5] = base[4] * 2  # the same direction
    matrix = base / np.linalg.norm(base, axis=1, keepdims=True)
    found = list(duplicates.pairs(matrix, 0.99))
    assert {(i, j) for i, j, _ in found} == {(0, 1), (0, 2), (1, 2), (4, 5)}
    groups = duplicates._groups(len(matrix), found)
    assert [members for members, _ in groups] == [[0, 1, 2], [4, 5]]
    assert groups[1][1] == pytest.approx(1.0, abs=1e-4)


def test_the_same_ticket_twice_from_one_account_is_a_duplicate_the_same_words_from_two_are_not(
    engine: Engine, model: MiniLM
) -> None:
    with session_scope(engine) as session:
        actor = make_actor(session)
        workspace = make_workspace(session, actor)
        acme, globex = (make_account(session, workspace, actor).external_id for _ in range(2))
        text = "The revenue report loses its grouping every time I save it, so I rebuild it in Excel."
        make_evidence(session, workspace, actor, text=text, account=acme)  # E-1
        make_evidence(session, workspace, actor, text=text + " Thanks!", account=acme)  # E-2, pasted again
        make_evidence(session, workspace, actor, text=text, account=globex)  # E-3, another voice
        make_evidence(session, workspace, actor, text="SSO login fails for every user", account=acme)
        workspace_id = workspace.id
    ensure(engine, workspace_id, model)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        found = duplicates.evidence(session, workspace, model)
    assert [g.keys for g in found] == [["E-1", "E-2"]]
    assert found[0].similarity >= duplicates.EVIDENCE_THRESHOLD


def test_duplicate_requests_are_found_and_merged_keeping_every_stake(session: Session, model: MiniLM) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    north, merid = (make_account(session, workspace, actor).external_id for _ in range(2))
    make_request(
        session,
        workspace,
        actor,
        title="Fixed-width ledger file export",
        requester_name="Jordan",
        accounts=[{"account": north, "deal_value": 180_000}],
    )
    make_request(
        session,
        workspace,
        actor,
        title="Fixed-width ledger file export",
        requester_name="Alex",
        accounts=[{"account": merid, "deal_value": 90_000}],
    )
    make_request(session, workspace, actor, title="PO numbers on invoices", requester_name="Helen")
    found = duplicates.requests(session, workspace, model)
    assert [g.keys for g in found] == [["R-1", "R-2"]]
    assert "requesters: Alex, Jordan" in found[0].note
    assert "180,000, 90,000" in found[0].note
    assert duplicates.merge(session, workspace, found, actor=actor) == ["R-2→R-1"]
    survivor = request_service.get(session, workspace, "R-1")
    merged = request_service.get(session, workspace, "R-2")
    assert merged.disposition.value == "merged"
    assert merged.merged_into_id == survivor.id
    assert survivor.deal_value == 270_000
    assert sorted(s["deal_value"] for s in request_service.stakes(session, survivor)) == [90_000, 180_000]
    assert duplicates.requests(session, workspace, model) == []  # merged ones are no longer open


def test_bets_of_two_teams_on_one_problem_overlap(session: Session, model: MiniLM) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    other = make_problem(session, workspace, actor)
    make_bet(session, workspace, actor, title="Saved report templates", team="Reporting", problems=[problem.key])
    make_bet(session, workspace, actor, title="Scheduled CSV delivery to S3", team="Platform", problems=[problem.key])
    make_bet(session, workspace, actor, title="Report layouts that persist", team="Reporting", problems=[problem.key])
    make_bet(session, workspace, actor, title="Faster SSO setup", team="Identity", problems=[other.key])
    found = duplicates.bets(session, workspace, model)
    pairs = {tuple(g.keys) for g in found}
    assert pairs == {("B-1", "B-2"), ("B-2", "B-3")}  # different teams, the same problem; B-1/B-3 share a team
    assert all(f"both answer {problem.key}" in g.note for g in found)

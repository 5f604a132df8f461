"""Problems: revisions of the statement, the lifecycle, root causes, links with receipts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from grounded.models import Problem, ProblemLink
from grounded.models.enums import LinkOrigin, LinkRole, LinkStatus, ProblemStatus
from grounded.problem import links
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemLinkCreate, ProblemUpdate
from grounded.workspace import audit_log
from tests.factories import make_actor, make_bet, make_evidence, make_problem, make_request, make_workspace


def test_statement_edits_append_revisions_other_edits_do_not(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor, struggle="reuse reports")
    problems.update(
        session, workspace, problem, data=ProblemUpdate(struggle="trust reports", note="5 interviews"), actor=actor
    )
    problems.update(session, workspace, problem, data=ProblemUpdate(owner="tester"), actor=actor)
    history = problems.revisions(session, problem)
    assert [(r.revision, r.snapshot["struggle"], r.note) for r in history] == [
        (1, "reuse reports", "created"),
        (2, "trust reports", "5 interviews"),
    ]
    assert problem.revision == 2


def test_statement_reads_as_a_sentence(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(
        session,
        workspace,
        actor,
        who="finance analysts",
        struggle="reuse last week's report.",
        why_it_matters="hours are lost",
        current_workaround="rebuild it by hand",
    )
    assert problems.statement(problem) == (
        "Finance analysts struggle to reuse last week's report. This matters because hours are lost. "
        "Today they rebuild it by hand."
    )


def test_lifecycle(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    for target in (ProblemStatus.VALIDATED, ProblemStatus.SOLVED, ProblemStatus.VALIDATED, ProblemStatus.PARKED):
        problems.transition(session, problem, target=target, actor=actor)
    assert problem.status == ProblemStatus.PARKED
    with pytest.raises(InvalidTransition, match="from 'parked' it can move to: hypothesis, validated"):
        problems.transition(session, problem, target=ProblemStatus.SOLVED, actor=actor)


def test_root_causes_refuse_cycles(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    root = make_problem(session, workspace, actor)
    child = make_problem(session, workspace, actor, parent=root.key)
    grandchild = make_problem(session, workspace, actor, parent=child.key)
    assert [p.key for p in problems.list_(session, workspace, parent=root.key).items] == [child.key]
    with pytest.raises(InvalidInput, match="cycle"):
        problems.update(session, workspace, root, data=ProblemUpdate(parent=grandchild.key), actor=actor)
    with pytest.raises(InvalidInput, match="cycle"):
        problems.update(session, workspace, root, data=ProblemUpdate(parent=root.key), actor=actor)


def test_human_links_are_accepted_at_once(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    ticket = make_evidence(session, workspace, actor, title="Rebuilding the sheet")
    request = make_request(session, workspace, actor, problem=problem.key)
    links.link(session, workspace, problem, data=ProblemLinkCreate(target=ticket.key.lower()), actor=actor)
    rows = links.list_(session, problem)
    assert [(r.target_key, r.role, r.status, r.origin) for r in rows] == [
        (request.key, LinkRole.SYMPTOM, LinkStatus.ACCEPTED, LinkOrigin.HUMAN),
        (ticket.key, LinkRole.SUPPORTS, LinkStatus.ACCEPTED, LinkOrigin.HUMAN),
    ]
    assert rows[1].target_title == "Rebuilding the sheet"
    assert links.counts(session, problem) == {"supports": 1, "contradicts": 0, "symptom": 1}
    with pytest.raises(Conflict, match="already linked"):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target=ticket.key), actor=actor)


def test_each_link_lists_its_own_target_of_every_kind(session: Session) -> None:
    """The targets of a problem's links are loaded together; each link still names its own."""
    from grounded.synthesis import themes
    from grounded.synthesis.schemas import ThemeCreate, ThemeRunCreate

    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    items = [make_evidence(session, workspace, actor, title=f"Item {n}") for n in range(3)]
    request = make_request(session, workspace, actor)
    run = themes.start_run(session, workspace, data=ThemeRunCreate(model="m", model_version="v"), actor=actor)
    theme = themes.add_theme(session, run, data=ThemeCreate(label="Exports break", keywords=["x"]))
    themes.finish_run(session, run, evidence_count=3, unthemed_count=3, actor=actor)
    for target in (items[2].key, theme.key, request.key, items[0].key, items[1].key):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target=target), actor=actor)
    rows = links.list_(session, problem)
    assert [(r.target_type, r.target_key, r.target_title) for r in rows] == [
        ("evidence", items[2].key, "Item 2"),
        ("theme", theme.key, "Exports break"),
        ("request", request.key, request.title),
        ("evidence", items[0].key, "Item 0"),
        ("evidence", items[1].key, "Item 1"),
    ]
    assert rows == [links.read(session, row) for row in _rows(session, problem)]


def _rows(session: Session, problem: Problem) -> list[ProblemLink]:
    query = sa.select(ProblemLink).where(ProblemLink.problem_id == problem.id)
    return list(session.scalars(query.order_by(ProblemLink.created_at, ProblemLink.id)))


def test_suggestions_need_receipts_and_wait_for_a_person(session: Session) -> None:
    actor = make_actor(session, "reviewer@example.com")
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    ticket = make_evidence(session, workspace, actor)
    with pytest.raises(ValidationError, match="receipts"):
        ProblemLinkCreate(target=ticket.key, origin="suggested")
    receipts = {"model": "all-MiniLM-L6-v2", "version": "1", "similarity": 0.71, "quotes": ["E-9"]}
    suggestion = links.link(
        session,
        workspace,
        problem,
        actor=actor,
        data=ProblemLinkCreate(target=ticket.key, origin="suggested", confidence=0.71, receipts=receipts),
    )
    assert suggestion.status == LinkStatus.SUGGESTED
    assert suggestion.reviewed_at is None
    assert links.counts(session, problem)["supports"] == 0
    links.review(session, suggestion, accept=True, actor=actor)
    assert suggestion.status == LinkStatus.ACCEPTED
    assert suggestion.reviewed_by_id == actor.user_id
    assert links.counts(session, problem)["supports"] == 1
    links.review(session, suggestion, accept=False, actor=actor)
    assert suggestion.status == LinkStatus.REJECTED
    with pytest.raises(InvalidTransition):
        links.review(session, suggestion, accept=False, actor=actor)
    actions = [e.action for e in audit_log.list_(session, workspace, entity_id=suggestion.id).items]
    assert actions == ["transition", "transition", "create"]
    assert links.list_(session, problem)[0].receipts == receipts


@pytest.mark.parametrize("target", ["X-1", "problem", "E-", "B-1"])
def test_link_targets_must_be_evidence_themes_or_requests(session: Session, target: str) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    with pytest.raises(InvalidInput, match=r"evidence \(E-…\), a theme \(T-…\) or a request \(R-…\)"):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target=target), actor=actor)


def test_linking_something_that_does_not_exist(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    with pytest.raises(NotFound, match="evidence E-99 not found"):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target="E-99"), actor=actor)
    with pytest.raises(NotFound, match="theme T-1 not found"):
        links.link(session, workspace, problem, data=ProblemLinkCreate(target="T-1"), actor=actor)


def test_unlink_removes_and_audits(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    ticket = make_evidence(session, workspace, actor)
    row = links.link(session, workspace, problem, data=ProblemLinkCreate(target=ticket.key), actor=actor)
    links.unlink(session, links.get(session, workspace, problem, ticket.key), actor=actor)
    assert links.list_(session, problem) == []
    assert [e.action for e in audit_log.list_(session, workspace, entity_id=row.id).items] == ["delete", "create"]
    with pytest.raises(InvalidInput, match="is not linked"):
        links.get(session, workspace, problem, ticket.key)


def test_a_problem_page_lists_the_bets_answering_it(session: Session) -> None:
    from grounded.web.views import problems as page

    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem, other = make_problem(session, workspace, actor), make_problem(session, workspace, actor)
    second = make_bet(session, workspace, actor, problems=[problem.key, other.key])
    elsewhere = make_bet(session, workspace, actor, problems=[other.key])
    first = make_bet(session, workspace, actor, problems=[problem.key])
    assert [b.key for b in page.detail(session, workspace, problem.key).bets] == [second.key, first.key]
    assert [b.key for b in page.detail(session, workspace, other.key).bets] == [second.key, elsewhere.key]

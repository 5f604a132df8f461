"""Generic get/list/update: lookups by key and id, pagination, and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from grounded.core import crud
from grounded.core.pagination import PageParams
from grounded.errors import InvalidInput, InvalidTransition, NotFound
from grounded.models import Problem
from grounded.models.enums import ProblemStatus
from grounded.problem import service as problems
from grounded.problem.schemas import ProblemUpdate
from grounded.workspace import audit_log
from tests.factories import make_actor, make_problem, make_workspace


def test_get_by_key_and_by_id(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    assert crud.get(session, Problem, workspace=workspace, ref="p-1").id == problem.id
    assert crud.get(session, Problem, workspace=workspace, ref=str(problem.id)).key == "P-1"


def test_get_never_crosses_workspaces(session: Session) -> None:
    actor = make_actor(session)
    mine, other = make_workspace(session, actor), make_workspace(session, actor)
    problem = make_problem(session, other, actor)
    with pytest.raises(NotFound, match="problem P-1 not found"):
        crud.get(session, Problem, workspace=mine, ref="P-1")
    with pytest.raises(NotFound):
        crud.get(session, Problem, workspace=mine, ref=problem.id)


def test_list_pages_and_counts(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    for _ in range(7):
        make_problem(session, workspace, actor)
    page = crud.list_(session, Problem, workspace=workspace, page=PageParams(limit=3, offset=3))
    assert [p.key for p in page.items] == ["P-4", "P-5", "P-6"]
    assert page.total == 7
    assert page.has_more


@pytest.mark.parametrize(
    ("limit", "offset", "field"), [(0, 0, "limit"), (1001, 0, "limit"), (10, -1, "offset"), (10, 2**63, "offset")]
)
def test_bad_paging_is_refused(limit: int, offset: int, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        PageParams(limit=limit, offset=offset)
    assert refused.value.field == field


def test_every_change_writes_an_audit_event_with_before_and_after(session: Session) -> None:
    actor = make_actor(session, "auditor@example.com")
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor, title="First title")
    problems.update(session, workspace, problem, data=ProblemUpdate(title="Second title"), actor=actor)
    problems.transition(session, problem, target=ProblemStatus.VALIDATED, actor=actor)
    events = audit_log.list_(session, workspace, entity_id=problem.id).items
    assert [e.action for e in events] == ["transition", "update", "create"]
    assert events[1].before == {"title": "First title"}
    assert events[1].after == {"title": "Second title"}
    assert events[0].before == {"status": "hypothesis"}
    assert events[0].after == {"status": "validated"}
    assert {e.actor_name for e in events} == {"auditor@example.com"}
    assert events[2].entity_key == "P-1"


def test_an_update_that_changes_nothing_writes_nothing(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor, title="Same")
    problems.update(session, workspace, problem, data=ProblemUpdate(title="Same"), actor=actor)
    assert [e.action for e in audit_log.list_(session, workspace, entity_id=problem.id).items] == ["create"]
    assert problem.revision == 1


def test_illegal_transition_names_the_current_and_allowed_states(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    with pytest.raises(InvalidTransition) as caught:
        problems.transition(session, problem, target=ProblemStatus.SOLVED, actor=actor)
    assert str(caught.value) == (
        "problem P-1 cannot move from 'hypothesis' to 'solved'; "
        "from 'hypothesis' it can move to: invalidated, parked, validated"
    )
    assert caught.value.allowed == ["invalidated", "parked", "validated"]
    assert problem.status == ProblemStatus.HYPOTHESIS


def test_the_audit_log_finds_a_record_by_its_key_however_it_is_typed(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    make_problem(session, workspace, actor)
    for typed in ("P-1", "p-1", " P-01 "):
        assert [e.action for e in audit_log.list_(session, workspace, entity_key=typed).items] == ["create"]


def test_none_for_a_required_column_is_refused(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    problem = make_problem(session, workspace, actor)
    with pytest.raises(InvalidInput, match="who: cannot be empty"):
        problems.update(session, workspace, problem, data=ProblemUpdate(who=None), actor=actor)

"""Decisions: proposing, accepting, the freeze, superseding and amending, the history, the summary."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from grounded.decision import service as decisions
from grounded.decision.schemas import DecisionUpdate
from grounded.errors import Conflict, ImmutableRecord, InvalidInput, InvalidTransition
from grounded.models.enums import DecisionLinkKind, DecisionStatus
from tests.factories import make_actor, make_bet, make_decision, make_workspace


def _accepted(session: Session, **overrides: object):  # type: ignore[no-untyped-def]
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    decision = make_decision(session, workspace, actor, **overrides)
    decisions.propose(session, decision, actor=actor)
    decisions.accept(session, decision, actor=actor, option=1)
    return actor, workspace, decision


def test_proposing_needs_context_and_two_options(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bare = make_decision(session, workspace, actor, context="", options=[{"title": "Only one"}])
    with pytest.raises(InvalidInput, match="context"):
        decisions.propose(session, bare, actor=actor)
    decisions.update(session, workspace, bare, data=DecisionUpdate(context="Why now"), actor=actor)
    with pytest.raises(InvalidInput, match="at least 2 options"):
        decisions.propose(session, bare, actor=actor)
    assert bare.status == DecisionStatus.DRAFT


def test_accepting_needs_exactly_one_choice(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    decision = make_decision(session, workspace, actor)
    decisions.propose(session, decision, actor=actor)
    with pytest.raises(InvalidInput, match="choose one of the 2 options"):
        decisions.accept(session, decision, actor=actor)
    with pytest.raises(InvalidInput, match="has options 1 to 2, not 3"):
        decisions.accept(session, decision, actor=actor, option=3)
    decisions.accept(session, decision, actor=actor, option=2)
    assert decision.status == DecisionStatus.ACCEPTED
    assert decision.decided_at is not None
    assert [o.is_chosen for o in decisions.options(session, decision)] == [False, True]


def test_accepted_decisions_are_frozen(session: Session) -> None:
    actor, workspace, decision = _accepted(session)
    with pytest.raises(ImmutableRecord, match="grounded decision supersede D-1"):
        decisions.update(session, workspace, decision, data=DecisionUpdate(rationale="changed"), actor=actor)
    with pytest.raises(InvalidTransition, match="from 'accepted' it can move to: deprecated, superseded, under_review"):
        decisions.withdraw(session, decision, actor=actor)


def test_every_change_appends_a_revision(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    decision = make_decision(session, workspace, actor)
    decisions.update(
        session, workspace, decision, data=DecisionUpdate(rationale="because", note="first pass"), actor=actor
    )
    decisions.propose(session, decision, actor=actor)
    decisions.accept(session, decision, actor=actor, option=1)
    decisions.review(session, decision, actor=actor, note="tickets doubled")
    decisions.reaffirm(session, decision, actor=actor, note="one customer's migration")
    history = decisions.revisions(session, decision)
    assert [(r.revision, r.status.value, r.note) for r in history] == [
        (1, "draft", "drafted"),
        (2, "draft", "first pass"),
        (3, "proposed", "proposed"),
        (4, "accepted", "accepted"),
        (5, "under_review", "tickets doubled"),
        (6, "reaffirmed", "one customer's migration"),
    ]
    assert history[0].snapshot["rationale"] == ""
    assert history[1].snapshot["rationale"] == "because"
    assert history[3].snapshot["options"][0]["is_chosen"] is True
    with pytest.raises(InvalidInput, match="say why"):
        decisions.review(session, decision, actor=actor, note="  ")


def test_superseding_copies_links_and_takes_effect_on_acceptance(session: Session) -> None:
    actor, workspace, old = _accepted(session, rationale="templates first")
    new = decisions.supersede(session, workspace, old, data=DecisionUpdate(title="Pipeline now"), actor=actor)
    assert (new.status, new.rationale, new.title) == (DecisionStatus.DRAFT, "templates first", "Pipeline now")
    assert [o.title for o in decisions.options(session, new)] == ["Option A", "Option B"]
    assert old.status == DecisionStatus.ACCEPTED
    decisions.propose(session, new, actor=actor)
    decisions.accept(session, new, actor=actor, option=2)
    assert old.status == DecisionStatus.SUPERSEDED
    assert decisions.links(session, new) == [{"kind": "supersedes", "key": old.key, "direction": "to"}]
    assert decisions.links(session, old) == [{"kind": "supersedes", "key": new.key, "direction": "from"}]
    assert decisions.revisions(session, old)[-1].note == f"superseded by {new.key}"
    with pytest.raises(Conflict, match="only a decision in force"):
        decisions.supersede(session, workspace, old, data=DecisionUpdate(), actor=actor)


def test_amending_leaves_the_original_in_force(session: Session) -> None:
    actor, workspace, old = _accepted(session)
    amendment = decisions.supersede(
        session,
        workspace,
        old,
        data=DecisionUpdate(title="Add a legal review"),
        actor=actor,
        kind=DecisionLinkKind.AMENDS,
    )
    decisions.propose(session, amendment, actor=actor)
    decisions.accept(session, amendment, actor=actor, option=1)
    assert old.status == DecisionStatus.ACCEPTED
    assert decisions.links(session, amendment)[0]["kind"] == "amends"


def test_one_line_summary(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    decision = make_decision(
        session,
        workspace,
        actor,
        situation="a crowded quarter",
        facing="a sales ask",
        to_achieve="focus.",
        accepting="one deal may slip",
        options=[{"title": "the hack"}, {"title": "templates", "chosen": True}, {"title": "the pipeline"}],
    )
    assert decisions.summary(session, decision) == (
        "In the context of a crowded quarter, facing a sales ask, we decided for templates and against the hack "
        "and the pipeline, to achieve focus, accepting that one deal may slip."
    )


def test_options_can_point_at_bets_and_only_one_is_chosen(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    bet = make_bet(session, workspace, actor)
    decision = make_decision(session, workspace, actor, options=[{"title": "Do it", "bet": bet.key}, {"title": "No"}])
    assert decisions.options(session, decision)[0].bet_id == bet.id
    with pytest.raises(ValueError, match="only one option can be chosen"):
        make_decision(
            session, workspace, actor, options=[{"title": "a", "chosen": True}, {"title": "b", "chosen": True}]
        )


def test_log_is_newest_first(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    first, second, third = (make_decision(session, workspace, actor) for _ in range(3))
    decisions.propose(session, first, actor=actor)
    decisions.accept(session, first, actor=actor, option=1)
    keys = [d.key for d in decisions.log(session, workspace).items]
    assert keys[0] == first.key  # decided most recently
    assert keys[1:] == [third.key, second.key]
    assert [d.key for d in decisions.log(session, workspace, status=DecisionStatus.ACCEPTED).items] == [first.key]

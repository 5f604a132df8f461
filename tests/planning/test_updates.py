"""Edits the other tests do not reach: option sets, event sources, exceptions, groups, users."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from grounded.account import service as accounts
from grounded.account.schemas import StakeholderGroupUpdate
from grounded.bet import service as bets
from grounded.bet.schemas import OptionSetCreate, OptionSetUpdate
from grounded.errors import ImmutableRecord
from grounded.metrics import event_sources
from grounded.metrics.schemas import EventSourceCreate, EventSourceUpdate
from grounded.planning import exceptions
from grounded.planning.schemas import ExceptionCreate, ExceptionDecide, ExceptionUpdate
from grounded.workspace import audit_log, users
from grounded.workspace.schemas import UserUpdate
from tests.factories import make_actor, make_workspace


def test_option_sets_groups_and_event_sources_can_be_edited(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    options = bets.create_option_set(session, workspace, data=OptionSetCreate(title="Hack or pipeline"), actor=actor)
    bets.update_option_set(session, options, data=OptionSetUpdate(question="What do we tell Northwind?"), actor=actor)
    assert options.question == "What do we tell Northwind?"
    sales = accounts.get_group(session, workspace, "sales")
    accounts.update_group(session, sales, data=StakeholderGroupUpdate(name="Sales (EMEA)"), actor=actor)
    assert accounts.get_group(session, workspace, "sales").name == "Sales (EMEA)"
    first = event_sources.create(
        session,
        workspace,
        actor=actor,
        data=EventSourceCreate(name="events", kind="parquet", location="/a.parquet", is_default=True),
    )
    second = event_sources.create(
        session, workspace, actor=actor, data=EventSourceCreate(name="archive", kind="parquet", location="/b.parquet")
    )
    event_sources.update(session, workspace, second, data=EventSourceUpdate(is_default=True), actor=actor)
    session.refresh(first)
    assert (first.is_default, second.is_default) == (False, True)
    assert audit_log.list_(session, workspace, entity_key="os-1").items[0].after == {
        "question": "What do we tell Northwind?"
    }


def test_exceptions_are_editable_only_until_decided(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    row = exceptions.create(session, workspace, actor=actor, data=ExceptionCreate(title="Export now", raised_by="VP"))
    exceptions.update(session, row, data=ExceptionUpdate(cost_weeks=3), actor=actor)
    exceptions.decide(session, workspace, row, data=ExceptionDecide(accept=True, resolution="Worth it"), actor=actor)
    with pytest.raises(ImmutableRecord, match="was accepted"):
        exceptions.update(session, row, data=ExceptionUpdate(cost_weeks=5), actor=actor)
    assert row.cost_weeks == 3


def test_users_can_be_renamed_and_deactivated(session: Session) -> None:
    user = users.ensure(session, "sam@example.com")
    users.update(session, user, data=UserUpdate(name="Sam Lee", is_active=False))
    assert (users.get(session, "sam@example.com").name, user.is_active) == ("Sam Lee", False)

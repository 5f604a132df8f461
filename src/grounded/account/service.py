"""Accounts, people and stakeholder groups: create, find by external id or slug, list, update."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from grounded.account.schemas import (
    AccountCreate,
    AccountUpdate,
    PersonCreate,
    PersonUpdate,
    StakeholderGroupCreate,
    StakeholderGroupUpdate,
)
from grounded.core import crud
from grounded.core.actor import Actor
from grounded.core.pagination import Page, PageParams
from grounded.errors import Conflict, NotFound
from grounded.models import Account, Person, StakeholderGroup, Workspace


def _by_column(session: Session, model: type[crud.ModelT], workspace: Workspace, column: str, ref: str) -> crud.ModelT:
    return crud.get_by(session, model, workspace=workspace, column=column, ref=ref)


def _exists(session: Session, model: type[crud.ModelT], workspace: Workspace, column: str, value: str) -> bool:
    try:
        _by_column(session, model, workspace, column, value)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------- accounts
def create_account(session: Session, workspace: Workspace, *, data: AccountCreate, actor: Actor) -> Account:
    if _exists(session, Account, workspace, "external_id", data.external_id):
        raise Conflict(f"an account with external id '{data.external_id}' already exists")
    return crud.add(session, Account(workspace_id=workspace.id, **data.model_dump()), actor=actor)


def get_account(session: Session, workspace: Workspace, ref: str) -> Account:
    return _by_column(session, Account, workspace, "external_id", ref)


def list_accounts(
    session: Session, workspace: Workspace, *, segment: str | None = None, page: PageParams | None = None
) -> Page[Account]:
    where: list[ColumnElement[bool]] = []
    if segment:
        where.append(Account.segment == segment)
    return crud.list_(session, Account, workspace=workspace, where=where, order_by=(Account.name,), page=page)


def update_account(session: Session, account: Account, *, data: AccountUpdate, actor: Actor) -> Account:
    crud.update(session, account, actor=actor, changes=data.model_dump(exclude_unset=True))
    return account


# ---------------------------------------------------------------- people
def create_person(session: Session, workspace: Workspace, *, data: PersonCreate, actor: Actor) -> Person:
    if _exists(session, Person, workspace, "external_id", data.external_id):
        raise Conflict(f"a person with external id '{data.external_id}' already exists")
    values = data.model_dump(exclude={"account"})
    values["account_id"] = _account_id(session, workspace, data.account)
    return crud.add(session, Person(workspace_id=workspace.id, **values), actor=actor)


def get_person(session: Session, workspace: Workspace, ref: str) -> Person:
    return _by_column(session, Person, workspace, "external_id", ref)


def list_people(
    session: Session, workspace: Workspace, *, account: str | None = None, page: PageParams | None = None
) -> Page[Person]:
    where: list[ColumnElement[bool]] = []
    if account:
        where.append(Person.account_id == get_account(session, workspace, account).id)
    return crud.list_(session, Person, workspace=workspace, where=where, order_by=(Person.external_id,), page=page)


def update_person(
    session: Session, workspace: Workspace, person: Person, *, data: PersonUpdate, actor: Actor
) -> Person:
    changes = data.model_dump(exclude_unset=True, exclude={"account"})
    if "account" in data.model_fields_set:
        changes["account_id"] = _account_id(session, workspace, data.account)
    crud.update(session, person, actor=actor, changes=changes)
    return person


def _account_id(session: Session, workspace: Workspace, ref: str | None) -> uuid.UUID | None:
    return get_account(session, workspace, ref).id if ref else None


# ---------------------------------------------------------------- stakeholder groups
def create_group(
    session: Session, workspace: Workspace, *, data: StakeholderGroupCreate, actor: Actor
) -> StakeholderGroup:
    if _exists(session, StakeholderGroup, workspace, "slug", data.slug):
        raise Conflict(f"a stakeholder group '{data.slug}' already exists")
    return crud.add(session, StakeholderGroup(workspace_id=workspace.id, **data.model_dump()), actor=actor)


def get_group(session: Session, workspace: Workspace, ref: str) -> StakeholderGroup:
    return _by_column(session, StakeholderGroup, workspace, "slug", ref)


def update_group(
    session: Session, group: StakeholderGroup, *, data: StakeholderGroupUpdate, actor: Actor
) -> StakeholderGroup:
    crud.update(session, group, actor=actor, changes=data.model_dump(exclude_unset=True))
    return group


def list_groups(session: Session, workspace: Workspace) -> Page[StakeholderGroup]:
    return crud.list_(
        session, StakeholderGroup, workspace=workspace, order_by=(StakeholderGroup.slug,), page=PageParams(limit=1000)
    )

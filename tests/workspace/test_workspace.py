"""Workspaces, users, roles and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from grounded.account import service as accounts
from grounded.errors import Conflict, InvalidInput, NoWorkspace
from grounded.models.enums import Role
from grounded.workspace import service as workspaces
from grounded.workspace import tokens, users
from grounded.workspace.schemas import ApiTokenCreate, WorkspaceCreate
from tests.factories import make_actor, make_workspace


def test_a_new_workspace_has_the_standard_groups_and_its_creator_as_admin(session: Session) -> None:
    actor = make_actor(session, "owner@example.com")
    workspace = make_workspace(session, actor, slug="acme")
    groups = [g.slug for g in accounts.list_groups(session, workspace).items]
    assert groups == sorted(
        ["sales", "marketing", "finance", "legal", "support", "engineering", "design", "leadership", "customer-success"]
    )
    owner = users.get(session, "owner@example.com")
    assert users.members(session, workspace) == [(owner, Role.ADMIN)]


def test_slugs_are_unique(session: Session) -> None:
    actor = make_actor(session)
    make_workspace(session, actor, slug="acme")
    with pytest.raises(Conflict, match="slug 'acme' already exists"):
        make_workspace(session, actor, slug="acme")


@pytest.mark.parametrize("slug", ["Acme", "acme team", "-acme", "acme-", "a" * 65, ""])
def test_bad_slugs_are_refused(slug: str) -> None:
    with pytest.raises(ValidationError):
        WorkspaceCreate(slug=slug, name="x")


def test_resolve_picks_the_only_workspace_or_asks_which(session: Session) -> None:
    actor = make_actor(session)
    with pytest.raises(NoWorkspace, match="grounded init"):
        workspaces.resolve(session, None)
    only = make_workspace(session, actor, slug="only")
    assert workspaces.resolve(session, None).id == only.id
    make_workspace(session, actor, slug="second")
    with pytest.raises(NoWorkspace, match="grounded workspace use"):
        workspaces.resolve(session, None)
    assert workspaces.resolve(session, "second").slug == "second"
    with pytest.raises(NoWorkspace, match="'missing' does not exist"):
        workspaces.resolve(session, "missing")


def test_login_names_become_local_users_once(session: Session) -> None:
    first = users.ensure(session, "Alice")
    again = users.ensure(session, "alice")
    assert first.id == again.id
    assert first.email == "alice@localhost"


def test_roles_are_ordered_and_changing_one_is_audited(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    sam = users.ensure(session, "sam@example.com")
    users.set_role(session, workspace, sam, Role.VIEWER, actor=actor)
    users.set_role(session, workspace, sam, Role.EDITOR, actor=actor)
    member = users.membership(session, workspace, sam)
    assert member is not None
    assert member.role == Role.EDITOR
    assert users.has_role(Role.EDITOR, Role.CONTRIBUTOR)
    assert not users.has_role(Role.VIEWER, Role.CONTRIBUTOR)
    assert not users.has_role(None, Role.VIEWER)


def test_tokens_are_shown_once_stored_hashed_and_revocable(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    owner = users.ensure(session, "tester")
    token, plaintext = tokens.create(
        session, workspace, owner, data=ApiTokenCreate(name="ci", role=Role.EDITOR), actor=actor
    )
    assert plaintext.startswith("grd_")
    assert len(plaintext) > 40
    assert token.token_hash != plaintext
    assert plaintext not in token.token_hash
    verified = tokens.verify(session, plaintext)
    assert verified is not None
    assert verified.id == token.id
    assert verified.last_used_at is not None
    assert tokens.verify(session, plaintext + "x") is None
    tokens.revoke(session, workspace, str(token.id), actor=actor)
    assert tokens.verify(session, plaintext) is None
    with pytest.raises(Conflict, match="already revoked"):
        tokens.revoke(session, workspace, str(token.id), actor=actor)


def test_expired_tokens_do_not_verify(session: Session) -> None:
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    owner = users.ensure(session, "tester")
    soon = datetime.now(UTC) + timedelta(seconds=5)
    token, plaintext = tokens.create(
        session, workspace, owner, data=ApiTokenCreate(name="t", expires_at=soon), actor=actor
    )
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    assert tokens.verify(session, plaintext) is None
    with pytest.raises(InvalidInput, match="expires_at"):
        tokens.create(
            session,
            workspace,
            owner,
            actor=actor,
            data=ApiTokenCreate(name="t", expires_at=datetime.now(UTC) - timedelta(days=1)),
        )

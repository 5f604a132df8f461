"""Server-side web sessions: only the token's hash stored, idle and absolute expiry,
sign-out, ending them all, CSRF tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.base import table_of
from grounded.errors import NotAuthenticated
from grounded.models import ApiToken, AuditEvent, User, WebSession, Workspace
from grounded.workspace import passwords, tokens, users, web_sessions
from grounded.workspace.schemas import ApiTokenCreate, UserUpdate
from tests.factories import make_actor, make_workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return make_workspace(session, make_actor(session, "sam@example.com"))


@pytest.fixture
def sam(session: Session, workspace: Workspace) -> User:
    return users.get(session, "sam@example.com")


def open_session(
    session: Session, user: User, workspace: Workspace, at: datetime = T0, **options: str
) -> tuple[WebSession, str]:
    return web_sessions.start(session, user=user, workspace=workspace, now=at, **options)


def test_the_cookie_token_is_stored_only_as_its_hash(session: Session, sam: User, workspace: Workspace) -> None:
    row, token = open_session(session, sam, workspace, client="192.0.2.1", user_agent="Firefox")
    assert len(token) >= 43
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = (
        session.execute(sa.select(table_of(WebSession)).where(table_of(WebSession).c.id == row.id)).mappings().one()
    )
    assert all(token not in str(value) for value in stored.values())
    assert (row.user_id, row.workspace_id, row.client, row.user_agent) == (sam.id, workspace.id, "192.0.2.1", "Firefox")
    assert (row.created_at, row.last_seen_at, row.expires_at) == (T0, T0, T0 + timedelta(days=14))
    assert len(row.csrf_token) >= 43
    assert row.csrf_token != token


def test_each_sign_in_gets_its_own_token_and_csrf_token(session: Session, sam: User, workspace: Workspace) -> None:
    first, first_token = open_session(session, sam, workspace)
    second, second_token = open_session(session, sam, workspace)
    assert first_token != second_token
    assert first.csrf_token != second.csrf_token


def test_signing_in_and_out_is_audited_in_the_sessions_workspace(
    session: Session, sam: User, workspace: Workspace
) -> None:
    row, token = open_session(session, sam, workspace, client="192.0.2.1")
    web_sessions.end(session, token, now=T0 + timedelta(hours=1))
    web_sessions.end(session, token, now=T0 + timedelta(hours=2))  # already ended: nothing more
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_id == row.id).order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    assert [(e.action, e.workspace_id, e.actor_id, e.after) for e in events] == [
        ("sign_in", workspace.id, sam.id, {"client": "192.0.2.1"}),
        ("sign_out", workspace.id, sam.id, {"client": "192.0.2.1"}),
    ]
    assert row.revoked_at == T0 + timedelta(hours=1)
    assert web_sessions.resolve(session, token, now=T0 + timedelta(hours=1, minutes=1)) is None


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 10_000, "\x00"])
def test_unknown_tokens_resolve_to_nothing_and_ending_them_is_harmless(
    session: Session, sam: User, workspace: Workspace, token: str
) -> None:
    open_session(session, sam, workspace)
    assert web_sessions.resolve(session, token, now=T0) is None
    web_sessions.end(session, token, now=T0)
    assert session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "sign_out")) == 0


def test_the_last_visit_is_written_at_most_once_a_minute(session: Session, sam: User, workspace: Workspace) -> None:
    row, token = open_session(session, sam, workspace)
    assert web_sessions.resolve(session, token, now=T0 + timedelta(seconds=59)) is row
    assert row.last_seen_at == T0
    assert web_sessions.resolve(session, token, now=T0 + timedelta(minutes=2)) is row
    assert row.last_seen_at == T0 + timedelta(minutes=2)


def test_a_session_idle_for_twelve_hours_is_over(session: Session, sam: User, workspace: Workspace) -> None:
    _, token = open_session(session, sam, workspace)
    assert web_sessions.resolve(session, token, now=T0 + timedelta(hours=11, minutes=59)) is not None
    assert web_sessions.resolve(session, token, now=T0 + timedelta(hours=23, minutes=58)) is not None
    assert web_sessions.resolve(session, token, now=T0 + timedelta(hours=35, minutes=58)) is None


def test_a_session_in_constant_use_is_over_after_fourteen_days(
    session: Session, sam: User, workspace: Workspace
) -> None:
    _, token = open_session(session, sam, workspace)
    moment = T0
    while moment < T0 + timedelta(days=14) - timedelta(hours=10):
        moment += timedelta(hours=10)
        assert web_sessions.resolve(session, token, now=moment) is not None
    assert web_sessions.resolve(session, token, now=T0 + timedelta(days=14) - timedelta(seconds=1)) is not None
    assert web_sessions.resolve(session, token, now=T0 + timedelta(days=14)) is None


def test_ending_all_of_a_users_sessions_leaves_others_alone(session: Session, sam: User, workspace: Workspace) -> None:
    kim = users.ensure(session, "kim@example.com")
    _, first = open_session(session, sam, workspace)
    _, second = open_session(session, sam, workspace)
    _, ended = open_session(session, sam, workspace)
    web_sessions.end(session, ended, now=T0)
    _, kims = open_session(session, kim, workspace)
    assert len(web_sessions.list_(session, sam, now=T0)) == 2
    assert web_sessions.end_all(session, sam, now=T0 + timedelta(minutes=5)) == 2
    assert web_sessions.resolve(session, first, now=T0 + timedelta(minutes=6)) is None
    assert web_sessions.resolve(session, second, now=T0 + timedelta(minutes=6)) is None
    assert web_sessions.resolve(session, kims, now=T0 + timedelta(minutes=6)) is not None
    assert web_sessions.end_all(session, sam, now=T0 + timedelta(minutes=7)) == 0


def test_a_password_change_ends_the_users_sessions(session: Session, sam: User, workspace: Workspace) -> None:
    _, token = web_sessions.start(session, user=sam, workspace=workspace)
    assert web_sessions.resolve(session, token) is not None
    passwords.set_password(session, sam, "a brand new secret", actor=users.actor_for(sam))
    assert web_sessions.resolve(session, token) is None


def test_deactivating_a_user_ends_their_sessions_and_stops_their_api_tokens(
    session: Session, sam: User, workspace: Workspace
) -> None:
    _, token = web_sessions.start(session, user=sam, workspace=workspace)
    _, api = tokens.create(session, workspace, sam, data=ApiTokenCreate(name="ci"), actor=users.actor_for(sam))
    admin = make_actor(session, "admin@example.com")
    users.update(session, sam, data=UserUpdate(is_active=False), actor=admin)
    assert web_sessions.resolve(session, token) is None
    assert web_sessions.list_(session, sam) == []
    assert tokens.verify(session, api) is None
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == sam.id)).all()
    assert [(e.action, e.before, e.after, e.actor_name) for e in events] == [
        ("update", {"is_active": True}, {"is_active": False}, "admin@example.com")
    ]
    users.update(session, sam, data=UserUpdate(is_active=True), actor=admin)
    assert isinstance(tokens.verify(session, api), ApiToken)
    assert web_sessions.resolve(session, token) is None  # ended sessions stay ended


def test_a_deactivated_users_session_does_not_resolve_and_they_cannot_start_one(
    session: Session, sam: User, workspace: Workspace
) -> None:
    _, token = open_session(session, sam, workspace)
    sam.is_active = False
    session.flush()
    assert web_sessions.resolve(session, token, now=T0) is None
    with pytest.raises(NotAuthenticated, match=r"sam@example\.com is deactivated"):
        open_session(session, sam, workspace)


def test_ended_and_expired_sessions_are_deleted_a_day_later_at_the_next_sign_in(
    session: Session, sam: User, workspace: Workspace
) -> None:
    ended, ended_token = open_session(session, sam, workspace)
    web_sessions.end(session, ended_token, now=T0)
    expired, _ = open_session(session, sam, workspace, at=T0 - timedelta(days=15))
    live, _ = open_session(session, sam, workspace)
    latest, _ = open_session(session, sam, workspace, at=T0 + timedelta(days=1, minutes=1))
    left = set(session.scalars(sa.select(WebSession.id).where(WebSession.user_id == sam.id)))
    assert left == {latest.id, live.id}
    assert ended.id not in left
    assert expired.id not in left


def test_client_and_user_agent_are_cleaned_and_cut(session: Session, sam: User, workspace: Workspace) -> None:
    row, _ = open_session(session, sam, workspace, client=" 192.0.2.1\x00 ", user_agent="Agent/1.0 " + "x" * 1000)
    assert row.client == "192.0.2.1"
    assert row.user_agent == ("Agent/1.0 " + "x" * 1000)[:300]


@pytest.mark.parametrize("presented", [None, "", "wrong", "é" * 43, "\x00"])
def test_a_csrf_token_matches_only_its_own_session(
    session: Session, sam: User, workspace: Workspace, presented: str | None
) -> None:
    row, _ = open_session(session, sam, workspace)
    other, _ = open_session(session, sam, workspace)
    assert web_sessions.csrf_matches(row, row.csrf_token) is True
    assert web_sessions.csrf_matches(row, other.csrf_token) is False
    assert web_sessions.csrf_matches(row, presented) is False

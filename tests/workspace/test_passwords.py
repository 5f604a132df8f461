"""Passwords: argon2id hashing, setting one, and signing in with it."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from grounded.errors import InvalidInput, NotAuthenticated, Throttled
from grounded.models import AuditEvent, LoginAttempt, Membership, User
from grounded.models.enums import Role
from grounded.workspace import passwords, users
from grounded.workspace.schemas import UserCreate, UserUpdate
from tests.factories import make_actor, make_workspace

GOOD = "correct horse battery"
CLIENT = "192.0.2.10"


@pytest.fixture
def sam(session: Session) -> User:
    actor = make_actor(session, "admin@example.com")
    workspace = make_workspace(session, actor)
    user = users.create(session, data=UserCreate(email="sam@example.com", name="Sam"), actor=actor)
    users.set_role(session, workspace, user, Role.EDITOR, actor=actor)
    passwords.set_password(session, user, GOOD, actor=actor)
    return user


def sign_in(session: Session, email: str, password: str, client: str = CLIENT) -> User:
    return passwords.authenticate(session, email=email, password=password, client=client)


def test_hashes_are_salted_argon2id_and_verify_only_the_right_password() -> None:
    first, second = passwords.hash_password(GOOD), passwords.hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert passwords.verify_password(first, GOOD)
    assert passwords.verify_password(second, GOOD)
    assert not passwords.verify_password(first, GOOD + " ")
    assert not passwords.verify_password(first, "")


@pytest.mark.parametrize(
    "stored",
    [None, "", "garbage", "$argon2id$v=19$m=65536,t=3,p=4$broken", hashlib.sha256(GOOD.encode()).hexdigest()],
)
def test_a_missing_or_foreign_hash_verifies_nothing(stored: str | None) -> None:
    assert passwords.verify_password(stored, GOOD) is False


def test_setting_a_password_stores_only_its_hash_and_audits_it_without_the_hash(session: Session, sam: User) -> None:
    assert sam.password_hash is not None
    assert sam.password_hash.startswith("$argon2id$")
    assert GOOD not in sam.password_hash
    passwords.set_password(session, sam, "another long secret", actor=users.actor_for(sam))
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_id == sam.id).order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    assert [(e.action, e.before, e.after) for e in events] == [
        ("set_password", {"password": "none"}, {"password": "set"}),
        ("set_password", {"password": "set"}, {"password": "changed"}),
    ]
    assert all(e.entity_type == "user" for e in events)
    assert sam.password_hash not in repr([(e.before, e.after) for e in events])


def test_a_password_change_is_audited_in_every_workspace_of_the_user(session: Session, sam: User) -> None:
    actor = users.actor_for(sam)
    owner = make_actor(session, "owner@example.com")
    second = make_workspace(session, owner)  # sam joins it as a viewer (its admin is its owner)
    users.set_role(session, second, sam, Role.VIEWER, actor=owner)
    passwords.set_password(session, sam, "another long secret", actor=actor)
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_id == sam.id, AuditEvent.action == "set_password")
    ).all()
    workspaces = [e.workspace_id for e in events if e.after == {"password": "changed"}]
    memberships = session.scalars(sa.select(Membership.workspace_id).where(Membership.user_id == sam.id)).all()
    assert len(memberships) == 2
    assert second.id in memberships
    assert sorted(workspaces) == sorted(memberships)


@pytest.mark.parametrize(
    ("plain", "message"),
    [
        ("", "password: must be at least 10 characters (this one has 0)"),
        ("123456789", "password: must be at least 10 characters (this one has 9)"),
        ("x" * 1025, "password: must be at most 1024 characters (this one has 1025)"),
        ("Sam@Example.com", "password: must not be the e-mail address"),
    ],
)
def test_bad_passwords_are_refused_and_the_old_one_is_kept(
    session: Session, sam: User, plain: str, message: str
) -> None:
    before = sam.password_hash
    with pytest.raises(InvalidInput) as caught:
        passwords.set_password(session, sam, plain, actor=users.actor_for(sam))
    assert str(caught.value) == message
    assert caught.value.field == "password"
    assert sam.password_hash == before
    assert sign_in(session, "sam@example.com", GOOD).id == sam.id


def test_ten_characters_and_1024_characters_are_accepted(session: Session, sam: User) -> None:
    for plain in ("0123456789", "y" * 1024):
        passwords.set_password(session, sam, plain, actor=users.actor_for(sam))
        assert sign_in(session, "sam@example.com", plain).id == sam.id


def test_signing_in_by_e_mail_in_any_case_or_by_login_name(session: Session, sam: User) -> None:
    assert sign_in(session, " SAM@example.com", GOOD).id == sam.id
    local = users.ensure(session, "kim")
    passwords.set_password(session, local, "kims long password", actor=users.actor_for(local))
    assert sign_in(session, "Kim", "kims long password").id == local.id
    rows = session.scalars(sa.select(LoginAttempt).order_by(LoginAttempt.attempted_at)).all()
    assert [(r.email, r.client, r.succeeded) for r in rows][-2:] == [
        ("sam@example.com", CLIENT, True),
        ("kim@localhost", CLIENT, True),
    ]


def test_every_wrong_sign_in_gets_the_same_message_and_is_counted(session: Session, sam: User) -> None:
    actor = users.actor_for(sam)
    users.create(session, data=UserCreate(email="nopass@example.com", name="No"), actor=actor)
    gone = users.create(session, data=UserCreate(email="gone@example.com", name="Gone"), actor=actor)
    passwords.set_password(session, gone, GOOD, actor=actor)
    users.update(session, gone, data=UserUpdate(is_active=False), actor=actor)
    attempts = [
        ("sam@example.com", "wrong password!"),
        ("nobody@example.com", GOOD),
        ("gone@example.com", GOOD),
        ("nopass@example.com", GOOD),
        ("nopass@example.com", ""),
        ("sam@example.com", GOOD + "x" * 2000),
    ]
    for email, password in attempts:
        with pytest.raises(NotAuthenticated) as caught:
            sign_in(session, email, password, client=email)
        assert type(caught.value) is NotAuthenticated
        assert str(caught.value) == "wrong e-mail or password"
    failed = session.scalars(sa.select(LoginAttempt.email).where(LoginAttempt.succeeded.is_(False))).all()
    assert sorted(failed) == sorted(email for email, _ in attempts)


def test_an_unknown_address_is_checked_against_a_hash_like_a_known_one(
    session: Session, sam: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    real = passwords.verify_password

    def spy(stored: str | None, plain: str) -> bool:
        checked.append(stored)
        return real(stored, plain)

    monkeypatch.setattr(passwords, "verify_password", spy)
    for email in ("nobody@example.com", "sam@example.com"):
        with pytest.raises(NotAuthenticated):
            sign_in(session, email, "wrong password!")
    assert len(checked) == 2
    assert all(stored is not None and stored.startswith("$argon2id$") for stored in checked)
    assert checked[0] != sam.password_hash


def test_after_five_failures_even_the_right_password_is_throttled_and_not_counted(session: Session, sam: User) -> None:
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            sign_in(session, "sam@example.com", "wrong password!")
    with pytest.raises(Throttled) as caught:
        sign_in(session, "sam@example.com", GOOD)
    assert 1 <= caught.value.retry_after <= 900
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 5
    with pytest.raises(Throttled):  # counted per address, whatever the client
        sign_in(session, "sam@example.com", GOOD, client="another client")


def test_a_hash_with_weaker_parameters_is_replaced_at_sign_in(session: Session, sam: User) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    sam.password_hash = weak
    session.flush()
    assert sign_in(session, "sam@example.com", GOOD).id == sam.id
    assert sam.password_hash != weak
    assert not PasswordHasher().check_needs_rehash(sam.password_hash)
    assert passwords.verify_password(sam.password_hash, GOOD)

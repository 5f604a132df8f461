"""Passwords: argon2id hashes, setting one, and signing in with one.

Hashing uses argon2-cffi's ``PasswordHasher`` with its defaults (argon2id, RFC 9106's
low-memory profile); a hash made with weaker parameters is replaced at the next sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error
from sqlalchemy.orm import Session

from grounded.core.actor import Actor
from grounded.errors import InvalidInput, NotAuthenticated
from grounded.models import User
from grounded.workspace import throttle, users, web_sessions

MIN_LENGTH = 10
MAX_LENGTH = 1024
WRONG = "wrong e-mail or password"

_hasher = PasswordHasher()


def hash_password(plain: str) -> str:
    """The argon2id hash of ``plain`` (``$argon2id$...``), salted afresh each time."""
    return _hasher.hash(plain)


def verify_password(stored: str | None, plain: str) -> bool:
    """Whether ``plain`` matches ``stored``; False for no hash or one that is not argon2."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, plain)
    except (Argon2Error, ValueError, TypeError):
        return False


def validate(plain: str, *, email: str = "") -> None:
    """Refuse a password that is too short, too long or the user's own e-mail address."""
    if len(plain) < MIN_LENGTH:
        raise InvalidInput(f"must be at least {MIN_LENGTH} characters (this one has {len(plain)})", field="password")
    if len(plain) > MAX_LENGTH:
        raise InvalidInput(f"must be at most {MAX_LENGTH} characters (this one has {len(plain)})", field="password")
    if email and plain.strip().lower() == email.lower():
        raise InvalidInput("must not be the e-mail address", field="password")


def set_password(session: Session, user: User, plain: str, *, actor: Actor) -> None:
    """Set or change ``user``'s password; their open web sessions end."""
    validate(plain, email=user.email)
    had_one = bool(user.password_hash)
    user.password_hash = hash_password(plain)
    session.flush()
    web_sessions.end_all(session, user)
    users.audit_everywhere(
        session,
        user,
        actor=actor,
        action="set_password",
        before={"password": "set" if had_one else "none"},
        after={"password": "changed" if had_one else "set"},
    )


def authenticate(session: Session, *, email: str, password: str, client: str) -> User:
    """The active user whose e-mail (or login name) and password these are.

    Raises ``Throttled`` before looking at the password when this address or client has
    failed too often, and ``NotAuthenticated`` with the same message (and about the same
    time spent) whatever was wrong. The attempt is flushed before either outcome is known
    to the caller: commit after a ``NotAuthenticated`` so that the failure counts.
    """
    throttle.check(session, email=email, client=client)
    address = throttle.normalise_email(email)
    user = users.find(session, address)
    if len(password) > MAX_LENGTH:  # never a stored password; hashing it would only cost time
        matched = False
    elif user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)  # spend the same time as for a real user
        matched = False
    else:
        matched = verify_password(user.password_hash, password) and user.is_active
    throttle.record(session, email=address, client=client, succeeded=matched)
    if not matched or user is None:
        raise NotAuthenticated(WRONG)
    if _hasher.check_needs_rehash(str(user.password_hash)):
        user.password_hash = hash_password(password)
        session.flush()
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("grounded: no such user, a password nobody has")

"""Server-side web sessions: the cookie holds only a random token, the database its SHA-256.

A session lives until it is ended (sign-out, a password change, the user deactivated), until
``ABSOLUTE_TIMEOUT`` after it started, or until it has been idle for ``IDLE_TIMEOUT``. Each
session has its own CSRF token, which every form posts back (``csrf_matches``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.core import audit
from grounded.core.actor import Actor
from grounded.db.types import utcnow
from grounded.errors import NotAuthenticated
from grounded.models import User, WebSession, Workspace
from grounded.workspace.tokens import digest

IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=14)
#: ``last_seen_at`` is written at most this often (not on every request).
TOUCH_INTERVAL = timedelta(minutes=1)
#: Ended and expired sessions are deleted this long after (sign-ins and sign-outs stay audited).
KEEP_ENDED = timedelta(days=1)
_TOKEN_BYTES = 32
_MAX_TOKEN = 200


def start(
    session: Session,
    *,
    user: User,
    workspace: Workspace,
    client: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> tuple[WebSession, str]:
    """Open a session for ``user`` (already authenticated) in ``workspace``; return it with
    the cookie token, which is not stored and cannot be recovered."""
    if not user.is_active:
        raise NotAuthenticated(f"{user.email} is deactivated")
    now = now or utcnow()
    _prune(session, now)
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    row = WebSession(
        workspace_id=workspace.id,
        user_id=user.id,
        token_hash=digest(token),
        csrf_token=secrets.token_urlsafe(_TOKEN_BYTES),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        client=_clean(client, 100),
        user_agent=_clean(user_agent, 300),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=_actor(user), action="sign_in", entity=row, after={"client": row.client})
    return row, token


def resolve(session: Session, token: str, *, now: datetime | None = None, touch: bool = True) -> WebSession | None:
    """The live session for a cookie token, or None (unknown, ended, expired, idle too
    long, or its user deactivated). Notes the visit at most once a minute (``touch=False``
    leaves that to the caller)."""
    found = _find(session, token)
    if found is None:
        return None
    row, user = found
    now = now or utcnow()
    if not _live(row, now) or not user.is_active:
        return None
    if touch and now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.flush()
    return row


def end(session: Session, token: str, *, now: datetime | None = None) -> None:
    """Sign out: end the session of ``token`` (an unknown or ended one is left alone)."""
    found = _find(session, token)
    if found is None or found[0].revoked_at is not None:
        return
    row, user = found
    row.revoked_at = now or utcnow()
    session.flush()
    audit.record(session, actor=_actor(user), action="sign_out", entity=row, after={"client": row.client})


def end_all(session: Session, user: User, *, now: datetime | None = None) -> int:
    """End every open session of ``user``; return how many were open."""
    now = now or utcnow()
    rows = list_(session, user, now=now)
    for row in rows:
        row.revoked_at = now
    session.flush()
    return len(rows)


def list_(session: Session, user: User, *, now: datetime | None = None) -> Sequence[WebSession]:
    """``user``'s live sessions, newest first."""
    now = now or utcnow()
    rows = session.scalars(
        sa.select(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        .order_by(WebSession.created_at.desc())
    ).all()
    return [row for row in rows if _live(row, now)]


def csrf_matches(web_session: WebSession, presented: str | None) -> bool:
    """Whether a form's CSRF token is this session's (compared in constant time)."""
    if not isinstance(presented, str) or not presented:
        return False
    return hmac.compare_digest(web_session.csrf_token.encode(), presented.encode())


def _find(session: Session, token: str) -> tuple[WebSession, User] | None:
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
        return None
    row = session.execute(
        sa.select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == digest(token))
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def _live(row: WebSession, now: datetime) -> bool:
    return row.revoked_at is None and now < row.expires_at and now - row.last_seen_at < IDLE_TIMEOUT


def _prune(session: Session, now: datetime) -> None:
    cutoff = now - KEEP_ENDED
    session.execute(
        sa.delete(WebSession).where(
            sa.or_(
                WebSession.revoked_at < cutoff,
                WebSession.expires_at < cutoff,
                WebSession.last_seen_at < cutoff - IDLE_TIMEOUT,
            )
        )
    )


def _clean(text: str, size: int) -> str:
    return text.replace("\x00", "").strip()[:size]


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.email)

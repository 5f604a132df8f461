"""Login throttling, kept in the database so it holds across processes and restarts.

Policy:

- **Per e-mail address**: after ``EMAIL_LIMIT`` (5) failed sign-ins for one address within
  ``WINDOW`` (15 minutes), further attempts for that address are refused. A successful
  sign-in clears the address's count: only failures after the last success count.
- **Per client** (the caller's IP address): after ``CLIENT_LIMIT`` (20) failed sign-ins from
  one client within ``WINDOW``, whatever the addresses tried, further attempts from that
  client are refused. Successes do not clear it (one's own account must not reset a spray).
- A refused attempt raises ``Throttled`` with ``retry_after``: the seconds until enough of
  the counted failures have left the window for the count to drop below the limit (with
  exactly the limit, when the oldest counted failure leaves it). Refused attempts are not
  recorded, so waiting is always enough; the password is not checked while throttled.
- Unknown addresses are counted like known ones, so throttling tells nothing about which
  addresses exist. Attempts older than ``KEEP`` (a day) are deleted as new ones are recorded.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.db.types import utcnow
from grounded.errors import Throttled
from grounded.models import LoginAttempt
from grounded.workspace.users import email_for

WINDOW = timedelta(minutes=15)
EMAIL_LIMIT = 5
CLIENT_LIMIT = 20
KEEP = timedelta(days=1)
_EMAIL_SIZE = 320
_CLIENT_SIZE = 100


def normalise_email(email: str) -> str:
    """The address attempts are counted under: lower case, a bare login name as
    ``name@localhost``, without NUL characters, at most 320 characters."""
    return email_for(email.replace("\x00", ""))[:_EMAIL_SIZE]


def normalise_client(client: str) -> str:
    return client.replace("\x00", "").strip()[:_CLIENT_SIZE]


def check(session: Session, *, email: str, client: str, now: datetime | None = None) -> None:
    """Raise ``Throttled`` if ``email`` or ``client`` has failed too often lately."""
    now = now or utcnow()
    waits = [
        _wait(_email_failures(session, normalise_email(email), now), EMAIL_LIMIT, now),
        _wait(_client_failures(session, normalise_client(client), now), CLIENT_LIMIT, now),
    ]
    retry_after = max(waits)
    if retry_after > 0:
        raise Throttled(f"too many failed sign-ins; try again in {_spoken(retry_after)}", retry_after=retry_after)


def record(session: Session, *, email: str, client: str, succeeded: bool, now: datetime | None = None) -> None:
    """Remember one attempt (and forget those older than a day)."""
    now = now or utcnow()
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < now - KEEP))
    session.add(
        LoginAttempt(
            email=normalise_email(email), client=normalise_client(client), succeeded=succeeded, attempted_at=now
        )
    )
    session.flush()


def _email_failures(session: Session, email: str, now: datetime) -> list[datetime]:
    since = now - WINDOW
    last_success = session.scalar(
        sa.select(LoginAttempt.attempted_at)
        .where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True), LoginAttempt.attempted_at > since)
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(1)
    )
    if last_success is not None:
        since = last_success
    return _failures(session, LoginAttempt.email == email, since)


def _client_failures(session: Session, client: str, now: datetime) -> list[datetime]:
    return _failures(session, LoginAttempt.client == client, now - WINDOW)


def _failures(session: Session, condition: sa.ColumnElement[bool], since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            sa.select(LoginAttempt.attempted_at)
            .where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since)
            .order_by(LoginAttempt.attempted_at)
        )
    )


def _wait(failures: list[datetime], limit: int, now: datetime) -> int:
    """Seconds until fewer than ``limit`` of ``failures`` (oldest first) are in the window."""
    if len(failures) < limit:
        return 0
    leaves_at = failures[len(failures) - limit] + WINDOW
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def _spoken(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"

"""Login throttling: counted in the database, per e-mail address and per client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from grounded.errors import NotAuthenticated, Throttled
from grounded.models import LoginAttempt
from grounded.workspace import throttle

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SAM = "sam@example.com"
HOME = "198.51.100.7"


def fail(session: Session, *minutes: float, email: str = SAM, client: str = HOME) -> None:
    for minute in minutes:
        throttle.record(session, email=email, client=client, succeeded=False, now=T0 + timedelta(minutes=minute))


def refused(session: Session, *, at: timedelta, email: str = SAM, client: str = HOME) -> Throttled:
    with pytest.raises(Throttled) as caught:
        throttle.check(session, email=email, client=client, now=T0 + at)
    return caught.value


def test_four_failures_are_allowed_and_the_fifth_throttles_until_the_oldest_leaves_the_window(
    session: Session,
) -> None:
    fail(session, 0, 1, 2, 3)
    throttle.check(session, email=SAM, client=HOME, now=T0 + timedelta(minutes=10))
    fail(session, 4)
    error = refused(session, at=timedelta(minutes=10))
    assert error.retry_after == 300  # the failure at 9:00 leaves the window at 9:15
    assert str(error) == "too many failed sign-ins; try again in 5 minutes"
    assert isinstance(error, NotAuthenticated)
    assert error.exit_code == 9


def test_with_more_failures_than_the_limit_the_wait_is_until_the_count_drops_below_it(session: Session) -> None:
    fail(session, 0, 1, 2, 3, 4, 5)
    assert refused(session, at=timedelta(minutes=10)).retry_after == 360  # 9:01 must leave too


def test_failures_leave_the_window_after_fifteen_minutes(session: Session) -> None:
    fail(session, 0, 1, 2, 3, 4)
    error = refused(session, at=timedelta(minutes=15) - timedelta(seconds=1))
    assert error.retry_after == 1
    assert str(error) == "too many failed sign-ins; try again in 1 second"
    throttle.check(session, email=SAM, client=HOME, now=T0 + timedelta(minutes=15))


def test_a_success_clears_the_addresss_failures(session: Session) -> None:
    fail(session, 0, 1, 2, 3)
    throttle.record(session, email=SAM, client=HOME, succeeded=True, now=T0 + timedelta(minutes=4))
    fail(session, 5, 6, 7, 8)
    throttle.check(session, email=SAM, client=HOME, now=T0 + timedelta(minutes=9))
    fail(session, 9)
    assert refused(session, at=timedelta(minutes=10)).retry_after == 600  # from 9:05, the first after the success


def test_addresses_are_counted_apart_and_normalised(session: Session) -> None:
    fail(session, 0, 1, 2, 3, email=" Sam@Example.COM ")
    fail(session, 4, email="sam@example.com")
    refused(session, at=timedelta(minutes=5), email="SAM@example.com")
    throttle.check(session, email="kim@example.com", client=HOME, now=T0 + timedelta(minutes=5))
    fail(session, 0, 1, 2, 3, 4, email="root")
    refused(session, at=timedelta(minutes=5), email="root@localhost")


def test_twenty_failures_from_one_client_throttle_it_whatever_the_address(session: Session) -> None:
    for n in range(20):
        fail(session, n * 0.5, email=f"user{n}@example.com", client="203.0.113.9")
    error = refused(session, at=timedelta(minutes=10), email="new@example.com", client="203.0.113.9")
    assert error.retry_after == 300
    throttle.check(session, email="new@example.com", client=HOME, now=T0 + timedelta(minutes=10))
    throttle.check(session, email="user0@example.com", client=HOME, now=T0 + timedelta(minutes=10))


def test_a_success_does_not_clear_a_clients_failures(session: Session) -> None:
    for n in range(19):
        fail(session, n * 0.5, email=f"user{n}@example.com", client="203.0.113.9")
    throttle.record(session, email="mine@example.com", client="203.0.113.9", succeeded=True, now=T0)
    fail(session, 10, email="other@example.com", client="203.0.113.9")
    refused(session, at=timedelta(minutes=11), email="mine@example.com", client="203.0.113.9")


def test_when_both_limits_are_reached_the_longer_wait_is_given(session: Session) -> None:
    for n in range(15):
        fail(session, n * 0.1, email=f"user{n}@example.com", client="203.0.113.9")
    fail(session, 8, 9, 10, 11, 12, client="203.0.113.9")
    assert refused(session, at=timedelta(minutes=13), client="203.0.113.9").retry_after == 600  # SAM's from 9:08


def test_attempts_older_than_a_day_are_deleted_when_a_new_one_is_recorded(session: Session) -> None:
    fail(session, 0, 1)
    fail(session, 60 * 24 + 0.5)
    moments = session.scalars(sa.select(LoginAttempt.attempted_at).where(LoginAttempt.email == SAM)).all()
    assert sorted(moments) == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=60 * 24 + 0.5)]


@pytest.mark.parametrize(
    ("email", "client"),
    [("sam\x00@example.com", "198.51.100.7\x00"), ("s" * 5000 + "@example.com", "c" * 5000), ("", "")],
)
def test_odd_addresses_and_clients_are_stored_cleaned_and_counted(session: Session, email: str, client: str) -> None:
    fail(session, 0, 1, 2, 3, 4, email=email, client=client)
    stored = session.scalars(sa.select(LoginAttempt).where(LoginAttempt.attempted_at == T0)).one()
    assert "\x00" not in stored.email + stored.client
    assert len(stored.email) <= 320
    assert len(stored.client) <= 100
    assert refused(session, at=timedelta(minutes=5), email=email, client=client).retry_after == 600

"""Portable types: UTC timestamps come back timezone-aware on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from grounded.models import Workspace
from tests.factories import make_actor, make_workspace


def test_timestamps_round_trip_as_aware_utc(session: Session) -> None:
    workspace = make_workspace(session, make_actor(session))
    tokyo = timezone(timedelta(hours=9))
    workspace.created_at = datetime(2026, 3, 1, 9, 30, tzinfo=tokyo)
    session.flush()
    session.expire_all()
    loaded = session.get(Workspace, workspace.id)
    assert loaded is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.created_at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    workspace = make_workspace(session, make_actor(session))
    workspace.created_at = datetime(2026, 3, 1, 9, 30)
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_json_settings_round_trip(session: Session) -> None:
    workspace = make_workspace(session, make_actor(session))
    workspace.settings = {"nested": {"list": [1, 2.5, "x", None]}, "flag": True}
    session.flush()
    session.expire_all()
    loaded = session.get(Workspace, workspace.id)
    assert loaded is not None
    assert loaded.settings == {"nested": {"list": [1, 2.5, "x", None]}, "flag": True}

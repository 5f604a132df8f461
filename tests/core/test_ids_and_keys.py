"""Time-ordered ids and per-workspace keys."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from grounded.core import keys
from grounded.errors import InvalidInput
from grounded.ids import uuid7
from tests.factories import make_actor, make_problem, make_workspace


def test_uuid7_is_version_7_and_increases() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_keys_count_up_per_workspace_and_prefix(session: Session) -> None:
    actor = make_actor(session)
    first, second = make_workspace(session, actor), make_workspace(session, actor)
    a = [make_problem(session, first, actor).key for _ in range(3)]
    b = make_problem(session, second, actor).key
    assert a == ["P-1", "P-2", "P-3"]
    assert b == "P-1"
    assert keys.allocate(session, workspace_id=first.id, prefix="P", count=10) == 4
    assert keys.allocate(session, workspace_id=first.id, prefix="P") == 14


@pytest.mark.parametrize(("text", "number"), [("P-12", 12), ("p-7", 7), (" P-3 ", 3)])
def test_parse_key_accepts_any_case(text: str, number: int) -> None:
    assert keys.parse_key(text, "P", what="problem") == number


@pytest.mark.parametrize("text", ["B-12", "P12", "P-", "P-x", "", "12"])
def test_parse_key_rejects_other_shapes(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a problem key"):
        keys.parse_key(text, "P", what="problem")

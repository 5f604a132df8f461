"""Time-ordered ids and per-workspace keys."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.orm import Session

from grounded.core import keys
from grounded.errors import Conflict, InvalidInput, MalformedKey
from grounded.ids import uuid7, uuid7_many
from tests.factories import make_actor, make_problem, make_workspace


def test_uuid7_is_version_7_and_increases() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_in_bulk_are_valid_ordered_and_distinct() -> None:
    single = uuid7()
    bulk = uuid7_many(9000)  # more than the 4096 a millisecond's counter holds
    after = uuid7()
    assert [single, *bulk, after] == sorted([single, *bulk, after])
    assert len({single, *bulk, after}) == 9002
    assert {(u.version, u.variant) for u in bulk} == {(7, uuid.RFC_4122)}
    assert all(uuid.UUID(str(u)) == u and hash(uuid.UUID(str(u))) == hash(u) for u in bulk[:50])
    assert uuid7_many(0) == []


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, down the pipe
        os.write(write, uuid7().bytes)
        os._exit(0)
    os.waitpid(pid, 0)
    child = uuid.UUID(bytes=os.read(read, 16))
    mine = uuid7()
    assert child.int & ((1 << 62) - 1) != mine.int & ((1 << 62) - 1)


def test_keys_count_up_per_workspace_and_prefix(session: Session) -> None:
    actor = make_actor(session)
    first, second = make_workspace(session, actor), make_workspace(session, actor)
    a = [make_problem(session, first, actor).key for _ in range(3)]
    b = make_problem(session, second, actor).key
    assert a == ["P-1", "P-2", "P-3"]
    assert b == "P-1"
    assert keys.allocate(session, workspace_id=first.id, prefix="P", count=10) == 4
    assert keys.allocate(session, workspace_id=first.id, prefix="P") == 14


def test_no_key_is_handed_out_past_the_nine_digits_keys_are_read_with(session: Session) -> None:
    """A counter raised to the top by an imported workspace: the next key (P-1000000000) could
    not be named by any key, so it is refused."""
    actor = make_actor(session)
    workspace = make_workspace(session, actor)
    assert keys.allocate(session, workspace_id=workspace.id, prefix="P", count=keys.HIGHEST_NUMBER) == 1
    with pytest.raises(Conflict, match="every key up to P-999999999 is taken"):
        keys.allocate(session, workspace_id=workspace.id, prefix="P")
    with pytest.raises(MalformedKey):
        keys.parse_key(f"P-{keys.HIGHEST_NUMBER + 1}", "P", what="problem")


@pytest.mark.parametrize(("text", "number"), [("P-12", 12), ("p-7", 7), (" P-3 ", 3)])
def test_parse_key_accepts_any_case(text: str, number: int) -> None:
    assert keys.parse_key(text, "P", what="problem") == number


@pytest.mark.parametrize("text", ["B-12", "P12", "P-", "P-x", "", "12"])
def test_parse_key_rejects_other_shapes(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a problem key"):
        keys.parse_key(text, "P", what="problem")

"""The memory of external ids seen in a file: exact for recent ids, hashed for old ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grounded.ingest import seen as seen_module
from grounded.ingest.seen import SeenIds


def test_first_rows_are_remembered_across_folding(monkeypatch: object) -> None:
    seen_module.RECENT = 1000  # type: ignore[attr-defined]
    try:
        ids = SeenIds()
        for start in range(0, 2500, 500):  # chunks of 500, as a reader hands them over
            chunk = range(start, start + 500)
            assert ids.add_fresh([f"T-{n}" for n in chunk], [n + 2 for n in chunk])
        assert len(ids.rows) == 2000  # folded twice into the arrays
        assert len(ids.recent) == 500
        assert ids.first("T-3", 9000) == 5  # an old one, from the arrays
        assert ids.first("T-2400", 9001) == 2402  # a recent one, from the dict
        assert ids.first("T-new", 9002) == 9002
        assert ids.first("T-new", 9003) == 9002
        assert not ids.add_fresh(["X-1", "T-10"], [9004, 9005])  # T-10 was seen: nothing recorded
        assert ids.first("X-1", 9006) == 9006
        assert not ids.add_fresh(["Y", "Y"], [1, 2])  # a repeat inside the chunk
        assert len(ids) == 2502
    finally:
        seen_module.RECENT = 100_000  # type: ignore[attr-defined]


@given(st.lists(st.text(max_size=6), max_size=400))
@settings(max_examples=60, deadline=None)
def test_it_agrees_with_a_plain_dict(values: list[str]) -> None:
    seen_module.RECENT = 37  # type: ignore[attr-defined]
    try:
        ids, plain = SeenIds(), {}
        for number, value in enumerate(values, start=1):
            assert ids.first(value, number) == plain.setdefault(value, number)
    finally:
        seen_module.RECENT = 100_000  # type: ignore[attr-defined]

"""The external ids a file has shown so far, with the row that showed each first.

A duplicate id inside one file is quarantined with the row it repeats, so every id must be
remembered until the end of the file: for a million-row export, as Python strings in a
dict, that is over 100 MB. Here the recent ids are kept as strings (exact), and every
``RECENT`` of them are folded into sorted NumPy arrays of two independent 64-bit hashes
and the row number: 24 bytes an id. Two ids are taken for the same only when both hashes
agree (128 bits: the odds of a mix-up are those of the row fingerprints themselves).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Ids kept as strings before they are folded into the arrays.
RECENT = 100_000
_EMPTY = np.zeros(0, dtype=np.int64)


def _second(value: str) -> int:
    return hash(value + "\x00\x1f")  # another input, another SipHash: independent of hash(value)


class SeenIds:
    def __init__(self) -> None:
        self.recent: dict[str, int] = {}
        self.first_hash = np.zeros(0, dtype=np.int64)
        self.second_hash = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.recent) + len(self.rows)

    def add_fresh(self, ids: Sequence[str], numbers: Sequence[int]) -> bool:
        """Record ``ids`` if they are distinct and none was seen before; otherwise record
        nothing and return False (the caller then goes one id at a time)."""
        fresh = dict(zip(ids, numbers, strict=True))
        if len(fresh) != len(ids) or not self.recent.keys().isdisjoint(fresh):
            return False
        if len(self.rows) and self._any_folded(ids):
            return False
        self.recent.update(fresh)
        self._fold_if_full()
        return True

    def first(self, value: str, number: int) -> int:
        """The row ``value`` was first seen at; ``number`` (now recorded) if it is new."""
        found = self.recent.get(value)
        if found is not None:
            return found
        if len(self.rows):
            folded = self._folded(value)
            if folded is not None:
                return folded
        self.recent[value] = number
        self._fold_if_full()
        return number

    def _any_folded(self, ids: Sequence[str]) -> bool:
        firsts = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        where = np.minimum(np.searchsorted(self.first_hash, firsts), len(self.first_hash) - 1)
        hits = np.flatnonzero(self.first_hash[where] == firsts)
        return any(self._folded(ids[int(index)]) is not None for index in hits)

    def _folded(self, value: str) -> int | None:
        first = hash(value)
        start = int(np.searchsorted(self.first_hash, first, side="left"))
        end = int(np.searchsorted(self.first_hash, first, side="right"))
        if start == end:
            return None
        second = _second(value)
        for index in range(start, end):
            if self.second_hash[index] == second:
                return int(self.rows[index])
        return None

    def _fold_if_full(self) -> None:
        if len(self.recent) < RECENT:
            return
        # One array at a time, each old one let go as soon as its merged copy exists: at a
        # million ids, merging all three at once held three generations of them (78 MB)
        # at the end of the file, when the reading process is at its biggest.
        ids = list(self.recent)
        count = len(ids)
        firsts = np.concatenate([self.first_hash, np.fromiter(map(hash, ids), dtype=np.int64, count=count)])
        self.first_hash = _EMPTY
        order = np.argsort(firsts, kind="stable")
        self.first_hash = firsts[order]
        del firsts
        seconds = np.concatenate([self.second_hash, np.fromiter(map(_second, ids), dtype=np.int64, count=count)])
        self.second_hash = _EMPTY
        self.second_hash = seconds[order]
        del seconds
        rows = np.concatenate([self.rows, np.fromiter(self.recent.values(), dtype=np.int64, count=count)])
        self.rows = _EMPTY
        self.rows = rows[order]
        self.recent = {}

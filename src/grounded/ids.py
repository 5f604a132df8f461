"""Identifiers: time-ordered UUIDs (RFC 9562 version 7).

Version 7 keeps new rows at the right edge of every primary-key index, so bulk inserts
do not scatter writes across the B-tree the way random (v4) UUIDs do.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
#: Random bits for ids: seeded from the OS; ids need uniqueness, not secrecy, and a system
#: call per id was the single largest cost of a million-row import. Reseeded in a forked
#: child, which would otherwise repeat its parent's sequence.
_bits = random.Random(os.urandom(32))  # noqa: S311
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_UNKNOWN = uuid.SafeUUID.unknown


def _reseed() -> None:
    _bits.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def uuid7() -> uuid.UUID:
    """A version-7 UUID: 48-bit Unix milliseconds, then a 12-bit counter that keeps ids
    made within one millisecond in order, then 62 random bits."""
    return uuid7_many(1)[0]


def uuid7_many(count: int) -> list[uuid.UUID]:
    """``count`` version-7 UUIDs in increasing order (one clock reading and lock for all)."""
    return [_make(value) for value in _values(count)]


def uuid7_hex_many(count: int) -> list[str]:
    """The same as 32 hex digits (``UUID.hex``), for bulk writes."""
    return [f"{value:032x}" for value in _values(count)]


def _values(count: int) -> list[int]:
    global _last_ms, _counter
    ids: list[int] = []
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, _bits.getrandbits(10) - 1
        bits = _bits.getrandbits
        ms, counter = _last_ms, _counter
        for _ in range(count):
            counter += 1
            if counter > 0xFFF:  # counter spent: borrow the next millisecond
                ms, counter = ms + 1, 0
            ids.append((ms << 80) | (counter << 64) | _VERSION_AND_VARIANT | bits(62))
        _last_ms, _counter = ms, counter
    return ids


def _make(value: int) -> uuid.UUID:
    """A UUID from a value known to be valid (uuid.UUID(int=…) re-checks it: slow in bulk)."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _UNKNOWN)
    return made

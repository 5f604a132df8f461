"""Small bounded caches of results that are pure functions of their inputs (a chart's SVG,
a metric's compiled SQL), keyed by a digest of every input: other inputs give another key,
so nothing is ever invalidated and nothing stale can be served. The least recently used
entry goes first once ``size`` are kept. One lock per cache: a result is made by one
thread at a time (Matplotlib is not thread-safe)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def digest(*parts: Any) -> str:
    """A SHA-256 of the parts as canonical JSON (dates and the like as text)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Kept(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, make: Callable[[], T]) -> T:
        """The result kept under ``key``, or ``make()``'s, kept (an error is not kept)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            made = make()
            self._items[key] = made
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return made

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
